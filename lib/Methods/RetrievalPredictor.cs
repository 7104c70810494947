using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Methods;

/// <summary>
/// Nearest-neighbour retrieval: each query is made like the keys (smoothed, z-scored; with or translated by
/// <c>GenRealToSim</c>), circularly shifted by every (dy, dx) in -s..+s, and compared by cosine with every key of its
/// case (the classifier's, or all cases); the best key's simulated depth map is returned verbatim (rolled back by the
/// winning shift unless <see cref="RetrievalOptions.ShiftBack"/> is off; no post-processing). Exact search is one
/// matrix product per chunk of queries, chunked so that the (shifts x chunk x keys) score block stays under <see
/// cref="RetrievalOptions.ChunkMiB"/>.
/// </summary>
public sealed class RetrievalPredictor(string name, RetrievalLibrary library, SemData data, ICasePredictor? cases)
    : IDepthPredictor
{
    public string Name { get; } = name;
    public RetrievalLibrary Library => library;

    /// <summary>Non-finite values among the library's keys and the queries' embeddings.</summary>
    public OutputHealth Health => library.Health;
    RetrievalOptions O => library.Options;

    /// <summary>Called after each chunk of queries with its size (benchmarks sample memory there).</summary>
    public Action<int>? ChunkDone { get; set; }

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var matches = Found(sem, idx);
        var o = new byte[idx.Count * Geometry.Pixels];
        for (int q = 0; q < idx.Count; q++)
        {
            var dst = o.AsSpan(q * Geometry.Pixels, Geometry.Pixels);
            var top = matches[q];
            if (top.Length == 1)
            {
                Place(top[0], data.SimDepth[top[0].Key], dst);
                continue;
            }
            Blend(top, dst);
        }
        return o;
    }

    /// <summary>The map of a match, verbatim or (<see cref="RetrievalOptions.ShiftBack"/>) rolled circularly by
    /// minus the query's winning shift; the border of every map is plateau, so nothing of the hole wraps.</summary>
    public void Place(Match m, Span<byte> dst) => Place(m, data.SimDepth[m.Key], dst);

    /// <summary>As <see cref="Place(Match, Span{byte})"/>, shifted back or not whatever the options say.</summary>
    public void Place(Match m, Span<byte> dst, bool shiftBack) => Place(m, data.SimDepth[m.Key], dst, shiftBack);

    void Place(Match m, ReadOnlySpan<byte> map, Span<byte> dst) => Place(m, map, dst, O.ShiftBack);

    static void Place(Match m, ReadOnlySpan<byte> map, Span<byte> dst, bool shiftBack)
    {
        if (!shiftBack || (m.ShiftRow == 0 && m.ShiftCol == 0))
        {
            map.CopyTo(dst);
            return;
        }
        const int H = Geometry.Height,
            W = Geometry.Width;
        for (int y = 0; y < H; y++)
        {
            int sy = ((y + m.ShiftRow) % H + H) % H;
            for (int x = 0; x < W; x++)
                dst[y * W + x] = map[sy * W + ((x + m.ShiftCol) % W + W) % W];
        }
    }

    /// <summary>Softmax-weighted mean of the top-k maps (cosine / temperature).</summary>
    void Blend(Match[] top, Span<byte> dst)
    {
        var w = top.Select(m => Math.Exp((m.Cosine - top[0].Cosine) / O.Temperature)).ToArray();
        double sum = w.Sum();
        var acc = new double[Geometry.Pixels];
        var placed = new byte[Geometry.Pixels];
        for (int j = 0; j < top.Length; j++)
        {
            Place(top[j], data.SimDepth[top[j].Key], placed);
            var map = placed;
            for (int p = 0; p < acc.Length; p++)
                acc[p] += w[j] / sum * map[p];
        }
        for (int p = 0; p < acc.Length; p++)
            dst[p] = (byte)Math.Clamp(Math.Round(acc[p]), 0, 255);
    }

    /// <summary>The match each query's prediction comes from: the one-to-one assignment or each query's own top
    /// matches, as the options say.</summary>
    public Match[][] Found(ImageSet sem, IReadOnlyList<int> idx)
    {
        // a notebook asks for the same images more than once (a view, the table, the variant rows, the other
        // placement): search them once (Search itself never remembers: benchmarks time it)
        var ids = idx.ToArray();
        foreach (var (set, seen, oneToOne, found) in _state.Found)
            if (ReferenceEquals(set, sem) && oneToOne == O.OneToOne && seen.AsSpan().SequenceEqual(ids))
                return found;
        var result = O.OneToOne ? Assigned(sem, idx) : Search(sem, idx);
        if (_state.Found.Count >= 8)
            _state.Found.RemoveAt(0);
        _state.Found.Add((sem, ids, O.OneToOne, result));
        return result;
    }

    /// <summary>What this predictor found, shared with <see cref="Placed"/> copies: the matches do not depend on where
    /// the map is put.</summary>
    sealed class SearchState
    {
        public readonly List<(ImageSet Set, int[] Idx, bool OneToOne, Match[][] Found)> Found = [];
        public Dictionary<int, Match>? TestAssignment;
        public Match[][]? TrainCandidates,
            TestCandidates;
        public int[]? TrainSearched;
    }

    SearchState _state = new();

    /// <summary>The same search placing its maps shifted back or not (<paramref name="shiftBack"/>), one-to-one or
    /// not (<paramref name="oneToOne"/>, else as this one), named <paramref name="placedName"/>: what one found, the
    /// other reuses.</summary>
    public RetrievalPredictor Placed(string placedName, bool shiftBack, bool? oneToOne = null) =>
        new(
            placedName,
            library.WithSearch(O with { ShiftBack = shiftBack, OneToOne = oneToOne ?? O.OneToOne }),
            data,
            cases
        )
        {
            _state = _state,
        };

    /// <summary>The same library and cases assigning with <paramref name="assign"/> (its slack, rivals, confirmation
    /// tolerance), reusing what this one searched (the candidates of every test and train image) when the options
    /// that decide a search (keys per query, train images searched) are the same; what it finds is its own.</summary>
    public RetrievalPredictor Reassigned(string assignedName, RetrievalOptions assign)
    {
        var p = new RetrievalPredictor(assignedName, library.WithSearch(assign), data, cases);
        if (assign.AssignCandidates == O.AssignCandidates && assign.ConfirmImages == O.ConfirmImages)
            p._state = new SearchState
            {
                TrainCandidates = _state.TrainCandidates,
                TestCandidates = _state.TestCandidates,
                TrainSearched = _state.TrainSearched,
            };
        return p;
    }

    /// <summary>Remembers <paramref name="found"/> as what <see cref="Found"/> gives for images <paramref name="idx"/>
    /// of <paramref name="sem"/> (one-to-one or not), for this predictor and its <see cref="Placed"/> copies.</summary>
    internal void Remember(ImageSet sem, IReadOnlyList<int> idx, bool oneToOne, Match[] found) =>
        _state.Found.Add((sem, idx.ToArray(), oneToOne, found.Select(m => new[] { m }).ToArray()));

    /// <summary>The one-to-one match of each query (<see cref="RetrievalOptions.OneToOne"/>), one a query. Test images
    /// are assigned all together once (a batch of them is a part of that assignment).</summary>
    public Match[][] Assigned(ImageSet sem, IReadOnlyList<int> idx)
    {
        if (!ReferenceEquals(sem, data.Test))
            return Assign(sem, idx).Select(m => new[] { m }).ToArray();
        if (_state.TestAssignment is null)
        {
            var all = Enumerable.Range(0, sem.Count).ToArray();
            var found = Assign(sem, all);
            _state.TestAssignment = all.ToDictionary(q => q, q => found[q]);
        }
        return idx.Select(q => new[] { _state.TestAssignment[q] }).ToArray();
    }

    /// <summary>Queries <paramref name="idx"/> assigned to maps one-to-one (see <see
    /// cref="OneToOneAssignment.Assign"/>), the maps of confirmed train sites (<see cref="ConfirmedMaps"/>) taken
    /// before; with <see cref="RetrievalOptions.TrainRivals"/> the other searched images compete for the rest.
    /// </summary>
    public Match[] Assign(ImageSet sem, IReadOnlyList<int> idx) => Assign(sem, idx, Candidates(sem, idx));

    /// <summary>Each query's <see cref="RetrievalOptions.AssignCandidates"/> best keys: the whole test set searched
    /// once; train images taken from the one search of every train image when the assignment makes it anyway (it
    /// confirms sites or lets train images rival), else searched.</summary>
    public Match[][] Candidates(ImageSet sem, IReadOnlyList<int> idx)
    {
        if (ReferenceEquals(sem, data.Test) && idx.Count == sem.Count)
            return _state.TestCandidates ??= Search(sem, idx, topK: O.AssignCandidates);
        bool trainSearched = O.ConfirmImages == 0 && (O.TrainRivals || O.ConfirmTolerance > 0);
        if (!ReferenceEquals(sem, data.Train) || !trainSearched)
            return Search(sem, idx, topK: O.AssignCandidates);
        var all = _state.TrainSearched ??= Enumerable.Range(0, data.Train.Count).ToArray();
        if (all.Length != data.Train.Count)
            return Search(sem, idx, topK: O.AssignCandidates);
        var top = _state.TrainCandidates ??= Search(data.Train, all, topK: O.AssignCandidates);
        return idx.Select(i => top[i]).ToArray(); // every train image searched, in order: position i is image i
    }

    /// <summary>As <see cref="Assign(ImageSet, IReadOnlyList{int})"/> over <paramref name="candidates"/> already
    /// searched (each query's <see cref="RetrievalOptions.AssignCandidates"/> best keys).</summary>
    public Match[] Assign(ImageSet sem, IReadOnlyList<int> idx, Match[][] candidates)
    {
        bool train = ReferenceEquals(sem, data.Train);
        var (taken, unconfirmed) = Confirm(train ? idx : []);
        List<Match[]>? rivals = null;
        if (O.TrainRivals)
        {
            rivals = [.. unconfirmed];
            // a train image being predicted (held-out sites) meets the test images as a test image meets the train
            // images: so its held-out figure is the test set's
            if (train)
                rivals.AddRange(Candidates(data.Test, Enumerable.Range(0, data.Test.Count).ToArray()));
        }
        return OneToOneAssignment.Assign(
            candidates,
            left => Search(sem, left.Select(q => idx[q]).ToList(), SearchMode.Exact, topK: FallbackKeys),
            taken,
            O.AssignSlack,
            rivals
        );
    }

    /// <summary>Sites confirmed by the last <see cref="ConfirmedMaps"/> and the train images it searched.</summary>
    public (int Sites, int Confirmed, int Maps, int Images) Confirmation { get; private set; }

    /// <summary>
    /// The maps of confirmed train sites: every train image (an even sample of whole sites, <see
    /// cref="RetrievalOptions.ConfirmImages"/>) is searched once, those of <paramref name="predicting"/>'s sites
    /// aside; a site whose top-1 maps give its average_depth.csv value within <see
    /// cref="RetrievalOptions.ConfirmTolerance"/> is confirmed and its maps are taken. Empty when the tolerance is 0.
    /// </summary>
    public IReadOnlySet<int> ConfirmedMaps(IReadOnlyList<int> predicting) => Confirm(predicting).Taken;

    /// <summary>As <see cref="ConfirmedMaps"/>, with the candidates of the searched train images left unconfirmed
    /// (those of <paramref name="predicting"/>'s sites aside).</summary>
    (IReadOnlySet<int> Taken, IReadOnlyList<Match[]> Unconfirmed) Confirm(IReadOnlyList<int> predicting)
    {
        bool confirm = O.ConfirmTolerance > 0 && data.DataSet.AverageDepth.Count > 0;
        if (!confirm && !O.TrainRivals)
            return (new HashSet<int>(), []);
        var all = Enumerable.Range(0, data.Train.Count).ToArray();
        _state.TrainSearched ??= O.ConfirmImages > 0 ? Splits.WholeSites(data.DataSet, all, O.ConfirmImages) : all;
        var searched = _state.TrainSearched;
        var skip = predicting.Select(i => data.DataSet.Train[i].SiteKey).ToHashSet(StringComparer.Ordinal);
        if (searched.All(i => skip.Contains(data.DataSet.Train[i].SiteKey)))
        {
            Confirmation = (0, 0, 0, 0); // every site searched is being predicted: nothing to confirm
            return (new HashSet<int>(), []);
        }
        var top = _state.TrainCandidates ??= Search(data.Train, searched, topK: O.AssignCandidates);
        var keep = Enumerable
            .Range(0, searched.Length)
            .Where(k => !skip.Contains(data.DataSet.Train[searched[k]].SiteKey))
            .ToList();
        var taken = new HashSet<int>();
        var isConfirmed = new bool[keep.Count];
        if (!confirm)
        {
            Confirmation = (0, 0, 0, keep.Count); // searched as rivals only
            return (taken, keep.Select(k => top[k]).ToList());
        }
        var idx = keep.Select(k => searched[k]).ToList();
        var maps = new byte[idx.Count * Geometry.Pixels];
        for (int j = 0; j < keep.Count; j++)
            data.SimDepth[top[keep[j]][0].Key].CopyTo(maps.AsSpan(j * Geometry.Pixels, Geometry.Pixels));
        var sites = SiteAverages.Of(data.DataSet, idx, maps);
        int confirmed = 0;
        foreach (var site in sites.Where(s => Math.Abs(s.Predicted - s.Csv) <= O.ConfirmTolerance))
        {
            confirmed++;
            foreach (int pos in site.Positions)
            {
                taken.Add(top[keep[pos]][0].Key);
                isConfirmed[pos] = true;
            }
        }
        Confirmation = (sites.Count, confirmed, taken.Count, idx.Count);
        return (taken, Enumerable.Range(0, keep.Count).Where(j => !isConfirmed[j]).Select(j => top[keep[j]]).ToList());
    }

    /// <summary>Keys searched (exactly) for a query of the assignment whose candidates were all taken: its best free
    /// one among them; only past so many taken keys (a case with about as many queries as maps) may it share.</summary>
    public const int FallbackKeys = 512;

    /// <summary>The top-k matches of each query (best first); keys are simulated depth-map indices.
    /// <paramref name="topK"/>: so many instead of the options' (at most the keys of a case).</summary>
    public Match[][] Search(ImageSet sem, IReadOnlyList<int> idx, SearchMode? mode = null, int? topK = null)
    {
        var how = mode ?? O.Search;
        int k = topK ?? O.TopK;
        var result = new Match[idx.Count][];
        int[] caseOf = O.AllCases || cases is null ? new int[idx.Count] : cases.PredictCases(sem, idx);
        foreach (var group in Enumerable.Range(0, idx.Count).GroupBy(k => caseOf[k]))
        {
            var pos = group.ToArray();
            var searchCases = group.Key == 0 ? library.Cases.ToArray() : [group.Key];
            var ids = pos.Select(k => idx[k]).ToArray();
            var found = SearchCases(sem, ids, searchCases, how, k);
            for (int j = 0; j < pos.Length; j++)
                result[pos[j]] = found[j];
        }
        return result;
    }

    Match[][] SearchCases(ImageSet sem, int[] ids, int[] searchCases, SearchMode mode, int topK)
    {
        var best = new List<Match>[ids.Length];
        for (int j = 0; j < ids.Length; j++)
            best[j] = [];
        // one generator translating for every case searched (not per case): translate the queries once
        using var translated =
            library.QueryTranslator is { } tr
            && searchCases.Length > 1
            && searchCases.Select(tr).Distinct().Count() == 1
                ? TranslateAll(tr(searchCases[0]), sem, ids)
                : null;
        foreach (int c in searchCases)
        {
            var found =
                mode == SearchMode.Exact
                    ? Exact(sem, ids, c, translated, topK)
                    : Approximate(sem, ids, c, translated, topK);
            for (int j = 0; j < ids.Length; j++)
                best[j].AddRange(found[j]);
        }
        return best.Select(l => l.OrderByDescending(m => m.Cosine).Take(topK).ToArray()).ToArray();
    }

    /// <summary>Queries <paramref name="ids"/> translated by <paramref name="gen"/>: (n, 1, 72, 48) on the
    /// device.</summary>
    static Tensor TranslateAll(ResnetGenerator gen, ImageSet sem, int[] ids)
    {
        var o = torch.empty(ids.Length, 1, Geometry.Height, Geometry.Width, device: TorchDevice.Current);
        Inference.Batched(gen, sem, ids, PixelScale.Symmetric, (fake, start) =>
            o[TensorIndex.Slice(start, start + fake.shape[0])] = fake
        );
        return o;
    }

    /// <summary>Shifts of the grid, row-major: (dy, dx) for dy, dx in -s..s.</summary>
    (int Dy, int Dx)[] Shifts()
    {
        int s = O.MaxShift;
        var list = new List<(int, int)>();
        for (int dy = -s; dy <= s; dy++)
        for (int dx = -s; dx <= s; dx++)
            list.Add((dy, dx));
        return list.ToArray();
    }

    /// <summary>Queries of a chunk made like the keys (real, translated by GenRealToSim, or both), shifted: (S, n, D).
    /// <paramref name="translated"/>: the chunk's queries already translated (else translated here).</summary>
    Tensor ShiftedQueries(
        ImageSet sem,
        ReadOnlySpan<int> ids,
        (int Dy, int Dx)[] shifts,
        Device device,
        int c,
        Tensor? translated = null
    )
    {
        var x = Batches.ToTensor(sem, ids, PixelScale.Symmetric, device); // (n, 1, 72, 48)
        var parts = new List<Tensor>(2);
        if (O.Restyle)
            parts.Add(x); // against restyled keys
        if (translated is not null)
            parts.Add(translated);
        else if (library.QueryTranslator is { } translate)
        {
            var gen = translate(c);
            gen.eval();
            parts.Add(Inference.Forward(gen, x)); // fakeSim (called without gradients), against raw keys
        }
        if (parts.Count == 0)
            parts.Add(x); // raw library
        var q = RetrievalLibrary.Embed(parts, O.SmoothSigma); // (n, D)
        library.Health.Add(q);
        int n = ids.Length;
        if (shifts.Length == 1 && shifts[0] == (0, 0))
            return q.unsqueeze(0); // no copies without shifts
        var img = q.reshape(n, parts.Count, Geometry.Height, Geometry.Width); // each part shifted alike
        var all = torch.empty([shifts.Length, n, parts.Count, Geometry.Height, Geometry.Width], q.dtype, q.device);
        for (int i = 0; i < shifts.Length; i++)
            RetrievalLibrary.RollInto(img, all[i], shifts[i].Dy, shifts[i].Dx);
        return all.view(shifts.Length, n, q.shape[1]); // (S, n, D), written once (roll then stack copied twice)
    }

    /// <summary>Queries per chunk so that S x n x K floats stay under the bound.</summary>
    int ChunkSize(long keys, int shifts) =>
        (int)Math.Clamp(O.ChunkMiB * (1L << 20) / (4L * shifts * Math.Max(1, keys)), 1, 4096);

    List<Match>[] Exact(ImageSet sem, int[] ids, int c, Tensor? translated, int topK)
    {
        var keys = library.Keys(c); // (K, D)
        var shifts = Shifts();
        var o = new List<Match>[ids.Length];
        int chunk = ChunkSize(keys.shape[0], shifts.Length);
        int k = (int)Math.Min(topK, keys.shape[0]);
        for (int s = 0; s < ids.Length; s += chunk)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.inference_mode();
            int n = Math.Min(chunk, ids.Length - s);
            // (S, n, D)
            var q = ShiftedQueries(sem, ids.AsSpan(s, n), shifts, keys.device, c, translated?.narrow(0, s, n));
            Tensor topScore,
                topKey,
                shiftOfTop;
            if (shifts.Length == 1)
            {
                (topScore, topKey) = Top(OpenBlas.TimesTransposed(q[0], keys), k); // (n, K) -> (n, k)
                shiftOfTop = torch.zeros_like(topKey);
            }
            else
            {
                var scores = OpenBlas.TimesTransposed(q, keys); // (S, n, K)
                // best over the shifts as values only (max with indices is several times slower): the winning
                // shift is looked up for the chosen keys only
                (topScore, topKey) = Top(scores.amax([0L]), k); // (n, K) -> (n, k)
                shiftOfTop = scores.gather(2, topKey.unsqueeze(0).expand(shifts.Length, -1, -1)).argmax(0); // (n, k)
            }
            Collect(o, s, c, topScore, topKey, shiftOfTop, shifts);
            ChunkDone?.Invoke(n);
        }
        return o;
    }

    /// <summary>The <paramref name="k"/> best columns of each row, best first: (n, k) scores and columns. One is a
    /// max, which libtorch runs faster than <c>topk(1)</c>.</summary>
    static (Tensor Values, Tensor Indexes) Top(Tensor scores, int k)
    {
        if (k != 1)
            return scores.topk(k, 1);
        var (v, i) = scores.max(1, keepdim: true);
        return (v, i);
    }

    List<Match>[] Approximate(ImageSet sem, int[] ids, int c, Tensor? translated, int topK)
    {
        var keys = library.Keys(c); // (K, D)
        var index = library.Index(c);
        var shifts = Shifts();
        var o = new List<Match>[ids.Length];
        long dim = keys.shape[1];
        int cand = (int)Math.Min(O.Candidates, keys.shape[0]);
        int probes = Math.Min(O.Probes, index.Lists);
        // the bound holds for the shifted queries (S x n x D) and the gathered candidates (n x C x D), and
        // without lists for the subspace scores of every key (S x n x K)
        int chunk = Math.Min(ChunkSize(shifts.Length * dim, 1), ChunkSize(cand * dim, 1));
        if (probes == index.Lists)
            chunk = Math.Min(chunk, ChunkSize(keys.shape[0], shifts.Length));
        for (int s = 0; s < ids.Length; s += chunk)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.inference_mode();
            int n = Math.Min(chunk, ids.Length - s);
            // (S, n, D)
            var q = ShiftedQueries(sem, ids.AsSpan(s, n), shifts, keys.device, c, translated?.narrow(0, s, n));
            var qp = q.matmul(index.Basis); // (S, n, m): thin, libtorch's (see OpenBlas.Worth)
            var (candidates, valid) =
                probes == index.Lists ? index.ScanAll(qp, cand) : index.ScanLists(qp, probes, cand);
            var candKeys = keys.index_select(0, candidates.flatten()).reshape(n, cand, dim);
            var exact = torch.einsum("snp,ncp->snc", q, candKeys); // (S, n, C)
            var (bestOverShifts, whichShift) = exact.max(0); // (n, C)
            if (valid is not null)
            {
                using Scalar never = float.NegativeInfinity; // explicit Scalars, alive until the calls return
                bestOverShifts = bestOverShifts.masked_fill(valid.logical_not(), never);
            }
            int k = Math.Min(topK, cand);
            var (topScore, topPos) = bestOverShifts.topk(k, 1);
            var topKey = candidates.gather(1, topPos);
            var shiftOfTop = whichShift.gather(1, topPos);
            Collect(o, s, c, topScore, topKey, shiftOfTop, shifts);
            ChunkDone?.Invoke(n);
        }
        return o;
    }

    void Collect(List<Match>[] o, int start, int c, Tensor score, Tensor key, Tensor shift, (int Dy, int Dx)[] shifts)
    {
        var sc = score.cpu().data<float>().ToArray();
        var ky = key.cpu().data<long>().ToArray();
        var sh = shift.cpu().data<long>().ToArray();
        int n = (int)score.shape[0],
            k = (int)score.shape[1];
        for (int j = 0; j < n; j++)
        {
            var list = o[start + j] = new List<Match>(k);
            for (int t = 0; t < k; t++)
            {
                var (dy, dx) = shifts[sh[j * k + t]];
                list.Add(new Match(library.MapOf(c, (int)ky[j * k + t]), dy, dx, sc[j * k + t]));
            }
        }
    }

    /// <summary>Best cosine over the shifts between query <paramref name="query"/> (translated into case
    /// <paramref name="c"/>'s domain when queries are translated) and the key of simulated map
    /// <paramref name="map"/>: how the true map scored, to set beside the winner's score.</summary>
    public float CosineWith(ImageSet sem, int query, int c, int map)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.inference_mode();
        var keys = library.Keys(c);
        int row = library.RowOf(c, map);
        var q = ShiftedQueries(sem, [query], Shifts(), keys.device, c); // (S, 1, D)
        return q.matmul(keys[row].unsqueeze(1)).max().item<float>();
    }

    /// <summary>Share of queries whose approximate top-1 key equals the exact one.</summary>
    public double RecallAt1(ImageSet sem, IReadOnlyList<int> idx)
    {
        var exact = Search(sem, idx, SearchMode.Exact);
        var approx = Search(sem, idx, SearchMode.Approx);
        int same = 0;
        for (int q = 0; q < idx.Count; q++)
            if (exact[q][0].Key == approx[q][0].Key)
                same++;
        return same / (double)Math.Max(1, idx.Count);
    }
}
