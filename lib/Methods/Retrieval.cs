using System.Diagnostics;
using System.Text.Json;
using SemDepth.Data;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Methods;

/// <summary>Options of nearest-neighbour retrieval (the method that won, 1.22 RMSE).</summary>
public sealed record RetrievalOptions
{
    /// <summary>Restyle the simulated library into the real domain with <c>GenSimToReal</c> and compare it with
    /// the real queries (the winners' key).</summary>
    public bool Restyle { get; init; } = true;
    /// <summary>The other direction: translate each query into the simulated domain with <c>GenRealToSim</c>
    /// and compare it with the raw simulated keys. The translated query is noise-free, while a restyled key keeps
    /// what the generator could not remove of the simulated noise. With <see cref="Restyle"/> too (the default,
    /// "both directions") the score is the mean of the two correlations: the two generators err differently,
    /// so the mean finds more holes than either (quick, main job's CycleGAN, true cases: exact map found for 498
    /// of 765 reused holes restyled, 536 translated, 604 both; smoothed, 494 / 575 / 633). Neither: the raw library.</summary>
    public bool TranslateQueries { get; init; } = true;
    /// <summary>Gaussian blur (sigma, px; circular, so it commutes with the shifts) of every query and key
    /// image before z-scoring; 0 turns it off. It discounts the pixel noise neither generator reproduces
    /// (measured as above: both directions 3.17 RMSE unsmoothed, 2.80 at sigma 1, 2.80 at 1.5, 2.71 at 2;
    /// restyled keys alone 4.05 / 4.04 / 4.11 / 4.43).</summary>
    public double SmoothSigma { get; init; } = 1.0;
    /// <summary>What each library key is made from: <c>mean</c> of itr0 and itr1 (the winners' choice; the two
    /// renderings differ only in noise, so the mean halves its variance) or <c>itr0</c>.</summary>
    public string KeyInput { get; init; } = "mean";
    /// <summary>Circular shifts of the query, -MaxShift..+MaxShift px in both axes, best score over the shifts.
    /// Real crops sit off their depth maps, mostly by a pixel at most (the winners searched 2; the synthetic set
    /// renders such offsets, <c>SyntheticConfig.RealSemJitterSd</c>); wider shifts mostly let other holes win.
    /// docs/benchmarks.md has the measured settings.</summary>
    public int MaxShift { get; init; } = 1;
    /// <summary>Return the winning map rolled back by the query's winning shift, so that its hole sits where the
    /// query's hole is: the better guess when the found map may be another hole, as with keys restyled by a
    /// short CPU-trained CycleGAN. With well-restyled keys (the published CycleGAN; the perfect-restyle bound)
    /// the found map is mostly the query's own, whose truth sits where the map is: turn it off, as the winners
    /// did.</summary>
    public bool ShiftBack { get; init; } = true;
    /// <summary>Search every case's keys instead of the classifier's case.</summary>
    public bool AllCases { get; init; }
    /// <summary>1: the best key's depth map verbatim (winners). Above 1: a softmax-weighted mean of the
    /// top-k maps with temperature <see cref="Temperature"/> on the cosine.</summary>
    public int TopK { get; init; } = 1;
    public double Temperature { get; init; } = 0.005;
    /// <summary><c>exact</c>: every key, every shift, as matrix products. <c>approx</c> (for CPUs): keys and
    /// queries projected onto a <see cref="Components"/>-dimensional subspace of the keys; the keys of each case
    /// are split into <see cref="Lists"/> k-means lists there, each query (at every shift) scans only the
    /// <see cref="Probes"/> lists whose centres score best, keeps its <see cref="Candidates"/> best keys and
    /// re-ranks them exactly.</summary>
    public string Search { get; init; } = "exact";
    public int Components { get; init; } = 64;
    public int Candidates { get; init; } = 16;
    /// <summary>k-means lists per case for the approximate search; 0: the square root of the case's keys
    /// (147 for the full preset's 21,663), 1: no lists (every key scored in the subspace).</summary>
    public int Lists { get; init; }
    /// <summary>Lists each query scans (its best over the shifts). Full preset, restyled keys, 25 shifts, all
    /// 25,988 queries on the 2-core CPU, recall@1 against exact on 1,000: 8 probes 32 s / 89.1%, 16 probes
    /// 35 s / 97.3% (16 candidates: 30 s / 97.3%), 32 probes 47 s / 99.6%; scanning every key in the subspace
    /// took 102 s. Without shifts (both directions) 8 probes already agree on 99.9%.</summary>
    public int Probes { get; init; } = 32;
    /// <summary>Bound on the score block of one chunk of queries (25 shifts x chunk x keys floats), MiB.
    /// Peak memory of the search is this plus the keys.</summary>
    public int ChunkMiB { get; init; } = 256;
    /// <summary>Images per generator batch when restyling (<see cref="Inference.DefaultBatch"/>: the main job's
    /// generator restyles about 530-560 images/s at 32 a batch on the 2-core CPU, 280-320 at 256).</summary>
    public int RestyleBatch { get; init; } = Inference.DefaultBatch;
    public int Seed { get; init; } = 41;

    /// <summary>The winners' keys and search: the restyled library against the real queries as they are,
    /// unsmoothed, +-2 px shifts, the found map unshifted.</summary>
    public static RetrievalOptions RestyledKeys => new() { TranslateQueries = false, SmoothSigma = 0, MaxShift = 2, ShiftBack = false };

    /// <summary>Images a key (and a query) is made of: 2 in both directions, else 1.</summary>
    public int Parts => Restyle && TranslateQueries ? 2 : 1;

    /// <summary>What is compared, in words (method names, tables).</summary>
    public string Describe() => (Restyle, TranslateQueries) switch
    {
        (true, true) => "both directions",
        (true, false) => "restyled library",
        (false, true) => "queries translated to sim, raw library",
        _ => "raw library",
    } + (SmoothSigma > 0 ? $", smoothed {SmoothSigma:0.#} px" : "")
      + (MaxShift > 0 ? $", +-{MaxShift} px shifts{(ShiftBack ? ", map shifted back" : "")}" : ", no shifts");

    public string ToJson() => JsonSerializer.Serialize(this, DepthOptions.Json);

    /// <summary>Throws on a value no search can use; names the option.</summary>
    public void Check()
    {
        if (SmoothSigma is < 0 or > 5) throw new ArgumentException($"SmoothSigma must be 0..5 px, not {SmoothSigma}");
        if (KeyInput is not ("mean" or "itr0")) throw new ArgumentException($"KeyInput must be mean or itr0, not '{KeyInput}'");
        if (Search is not ("exact" or "approx")) throw new ArgumentException($"Search must be exact or approx, not '{Search}'");
        if (MaxShift is < 0 or > 10) throw new ArgumentException("MaxShift must be 0..10");
        if (TopK < 1) throw new ArgumentException("TopK must be at least 1");
        if (Components < 1 || Candidates < 1) throw new ArgumentException("Components and Candidates must be positive");
        if (Lists < 0 || Probes < 1) throw new ArgumentException("Lists must be 0 (automatic) or more, Probes at least 1");
        if (ChunkMiB < 1) throw new ArgumentException("ChunkMiB must be positive");
    }
}

/// <summary>The best key of one query: its library entry (index into the simulated depth maps), the
/// query shift that won and the cosine similarity.</summary>
public readonly record struct Match(int Key, int ShiftRow, int ShiftCol, float Cosine);

/// <summary>
/// The key library: every simulated depth map's SEM (restyled into the real domain, raw, or both side by
/// side), each part smoothed, z-scored and scaled to unit length over the parts, so that a dot product with a
/// query made the same way is the mean Pearson correlation of the parts, on the device, per case.
/// </summary>
public sealed class RetrievalLibrary : IDisposable
{
    readonly Dictionary<int, Tensor> _keys = [];     // case -> (K_c, D) unit rows, D = parts x 3456
    readonly Dictionary<int, int[]> _maps = [];      // case -> simulated depth-map index of each row
    readonly Dictionary<int, ApproximateIndex> _index = []; // case -> subspace and lists, approximate search
    public RetrievalOptions Options { get; }
    /// <summary>Seconds spent restyling (0 for the raw library) and building keys.</summary>
    public double RestyleSeconds { get; private set; }
    public int Count => _maps.Values.Sum(m => m.Length);
    public IReadOnlyList<int> Cases => _keys.Keys.Order().ToList();

    bool _ownsKeys = true;
    RetrievalLibrary(RetrievalOptions options) => Options = options;

    /// <summary>The same keys searched with other search options (shifts, top-k, exact/approximate,
    /// chunking): no second restyle. Options that change the keys themselves must be equal.</summary>
    public RetrievalLibrary WithSearch(RetrievalOptions search)
    {
        search.Check();
        if (search.Restyle != Options.Restyle || search.KeyInput != Options.KeyInput || search.TranslateQueries != Options.TranslateQueries || search.SmoothSigma != Options.SmoothSigma)
            throw new ArgumentException("WithSearch changes how keys are searched, not how they are made: Restyle, KeyInput, TranslateQueries and SmoothSigma must match");
        var view = new RetrievalLibrary(search) { QueryTranslator = QueryTranslator, RestyleSeconds = RestyleSeconds, _ownsKeys = false };
        foreach (var (c, k) in _keys) view._keys[c] = k;
        foreach (var (c, m) in _maps) view._maps[c] = m;
        return view;
    }

    /// <summary>Builds the library from the simulated set. <paramref name="genSimToReal"/> (case -> generator)
    /// restyles the keys when <see cref="RetrievalOptions.Restyle"/>; it may be null for the raw library.</summary>
    public static RetrievalLibrary Build(SemData d, Func<int, ResnetGenerator>? genSimToReal, RetrievalOptions options,
        IProgress<string>? log = null, Func<int, ResnetGenerator>? genRealToSim = null)
    {
        options.Check();
        if (options.Restyle && genSimToReal is null)
            throw new ArgumentException("a restyled library needs the trained GenSimToReal (train the CycleGAN first)");
        if (options.TranslateQueries && genRealToSim is null)
            throw new ArgumentException("translated queries need the trained GenRealToSim (train the CycleGAN first)");
        var lib = new RetrievalLibrary(options) { QueryTranslator = options.TranslateQueries ? genRealToSim : null };
        lib.FillKeys(d, "library", (c, maps, device) =>
        {
            var keys = torch.empty(maps.Length, options.Parts * Geometry.Pixels, device: device); // (K_c, parts x 3456)
            for (int s = 0; s < maps.Length; s += options.RestyleBatch)
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.inference_mode();
                int n = Math.Min(options.RestyleBatch, maps.Length - s);
                var simSem = KeyInput(d.SimSem, maps.AsSpan(s, n), options.KeyInput, device); // (n, 1, 72, 48) in [-1, 1]
                var parts = new List<Tensor>(2);
                if (options.Restyle)
                {
                    var gen = genSimToReal!(c);
                    gen.eval();
                    parts.Add(gen.forward(simSem)); // fakeReal, compared with the real query
                }
                if (options.TranslateQueries || !options.Restyle) parts.Add(simSem); // raw, compared with the translated (or raw) query
                keys[TensorIndex.Slice(s, s + n)] = Embed(parts, options.SmoothSigma);
            }
            return keys;
        }, log);
        return lib;
    }

    /// <summary>Rows of one key or query: each part (n, 1, 72, 48) smoothed (<paramref name="sigma"/> px, 0: not),
    /// z-scored and scaled to length 1 / sqrt(parts), side by side: (n, parts x 3456), unit rows whose dot
    /// product is the mean of the parts' Pearson correlations.</summary>
    public static Tensor Embed(IReadOnlyList<Tensor> parts, double sigma)
    {
        var rows = parts.Select(p => Normalize(Smooth(p, sigma).reshape(p.shape[0], Geometry.Pixels))).ToList();
        return rows.Count == 1 ? rows[0] : torch.cat(rows, 1) / Math.Sqrt(rows.Count);
    }

    /// <summary><paramref name="src"/> (..., H, W) rolled circularly by <paramref name="dy"/> rows and <paramref name="dx"/>
    /// columns (as <c>roll([dy, dx], [-2, -1])</c>) into <paramref name="dst"/> of the same shape: four block copies.</summary>
    public static void RollInto(Tensor src, Tensor dst, long dy, long dx)
    {
        long h = src.shape[^2], w = src.shape[^1];
        dy = ((dy % h) + h) % h;
        dx = ((dx % w) + w) % w;
        int rd = (int)src.dim() - 2, cd = (int)src.dim() - 1;
        // destination rows [dy, h) take source rows [0, h - dy), rows [0, dy) take [h - dy, h); the same for columns
        foreach (var (rDst, rSrc, rLen) in new[] { (dy, 0L, h - dy), (0L, h - dy, dy) })
            foreach (var (cDst, cSrc, cLen) in new[] { (dx, 0L, w - dx), (0L, w - dx, dx) })
                if (rLen > 0 && cLen > 0)
                    dst.narrow(rd, rDst, rLen).narrow(cd, cDst, cLen).copy_(src.narrow(rd, rSrc, rLen).narrow(cd, cSrc, cLen));
    }

    /// <summary>Gaussian blur of (n, 1, H, W) images, separable, with circular padding (so it commutes with
    /// the search's circular shifts); <paramref name="sigma"/> 0 returns the images.</summary>
    public static Tensor Smooth(Tensor images, double sigma)
    {
        if (sigma <= 0) return images;
        int r = (int)Math.Ceiling(3 * sigma);
        var k = torch.arange(-r, r + 1, dtype: ScalarType.Float32, device: images.device);
        k = (-(k * k) / (2 * sigma * sigma)).exp();
        k = k / k.sum();
        var x = nn.functional.conv2d(nn.functional.pad(images, [r, r, 0, 0], PaddingModes.Circular), k.reshape(1, 1, 1, 2 * r + 1));
        return nn.functional.conv2d(nn.functional.pad(x, [0, 0, r, r], PaddingModes.Circular), k.reshape(1, 1, 2 * r + 1, 1));
    }

    /// <summary>Non-finite values among the keys (restyled images, embedded) and the queries searched.</summary>
    public OutputHealth Health { get; } = new();

    /// <summary>For each case: its simulated maps in set order and their unit keys, from <paramref name="keysOf"/>
    /// (case, maps, device) -> (K_c, D); the time it took is <see cref="RestyleSeconds"/>.</summary>
    void FillKeys(SemData d, string label, Func<int, int[], Device, Tensor> keysOf, IProgress<string>? log)
    {
        var device = TorchDevice.Current;
        var sw = Stopwatch.StartNew();
        foreach (int c in Data.Cases.All)
        {
            var maps = Enumerable.Range(0, d.Set.Sim.Count).Where(i => d.Set.Sim[i].Case == c).ToArray();
            if (maps.Length == 0) continue;
            _keys[c] = keysOf(c, maps, device);
            Health.Add(_keys[c]);
            _maps[c] = maps;
            log?.Report($"{label} Case_{c}: {maps.Length:N0} keys");
        }
        RestyleSeconds = sw.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The ceiling of retrieval on a synthetic set: every key is its library map rendered by the real-domain
    /// physics without noise (<see cref="SyntheticGenerator.RealStyleLibraryImage"/>), i.e. what a perfect
    /// <c>GenSimToReal</c> would give. Needs truth/synthetic.json (the generator's config); like the oracle
    /// of notebook 03 it is a bound, not a method a user of real data can run.
    /// </summary>
    public static RetrievalLibrary BuildPerfectRestyle(SemData d, RetrievalOptions options, IProgress<string>? log = null)
    {
        options.Check();
        string json = Path.Combine(d.Set.Root, DaconNames.Truth, "synthetic.json");
        if (!File.Exists(json)) throw new InvalidOperationException($"the perfect-restyle ceiling needs the synthetic set's config ({json}); real data has none");
        var cfg = SyntheticConfig.Load(json);
        var baseIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < cfg.SimMapsPerCase; b++) baseIndex[SyntheticGenerator.BaseName(cfg.Seed, b)] = b;
        var lib = new RetrievalLibrary(options with { Restyle = false, TranslateQueries = false });
        lib.FillKeys(d, "perfect-restyle library", (c, maps, device) =>
        {
            var img = new float[maps.Length * Geometry.Pixels];
            Parallel.For(0, maps.Length, k =>
                SyntheticGenerator.RealStyleLibraryImage(cfg, c, baseIndex[d.Set.Sim[maps[k]].Base], img.AsSpan(k * Geometry.Pixels, Geometry.Pixels)));
            using var images = torch.tensor(img, [maps.Length, 1, Geometry.Height, Geometry.Width], device: device);
            return Embed([images], options.SmoothSigma);
        }, log);
        return lib;
    }

    /// <summary>The SEM a key is made from, (n, 1, 72, 48) in [-1, 1]: itr0, or the mean of itr0 and itr1.</summary>
    static Tensor KeyInput(ImageSet simSem, ReadOnlySpan<int> maps, string input, Device device)
    {
        var itr0 = new int[maps.Length];
        for (int k = 0; k < maps.Length; k++) itr0[k] = 2 * maps[k]; // SEM 2i, 2i+1 belong to depth map i
        var a = Batches.ToTensor(simSem, itr0, PixelScale.Symmetric, device);
        if (input == "itr0") return a;
        var itr1 = itr0.Select(i => i + 1).ToArray();
        return (a + Batches.ToTensor(simSem, itr1, PixelScale.Symmetric, device)) * 0.5;
    }

    /// <summary>Z-scores each row and scales it to unit length: row dot row = Pearson correlation.</summary>
    public static Tensor Normalize(Tensor rows)
    {
        var centred = rows - rows.mean([1], keepdim: true);
        return centred / centred.norm(1, keepdim: true).clamp_min(1e-6);
    }

    /// <summary>Case -> GenRealToSim when queries are translated (<see cref="RetrievalOptions.TranslateQueries"/>).</summary>
    internal Func<int, ResnetGenerator>? QueryTranslator { get; private init; }

    /// <summary>The key row of simulated depth map <paramref name="map"/> in case <paramref name="c"/>.</summary>
    public int RowOf(int c, int map)
    {
        int row = Array.IndexOf(_maps[c], map);
        return row >= 0 ? row : throw new ArgumentException($"map {map} is not in Case_{c}'s library");
    }

    /// <summary>The depth-map index of key <paramref name="row"/> of case <paramref name="c"/>.</summary>
    public int MapOf(int c, int row) => _maps[c][row];

    internal Tensor Keys(int c) => _keys[c];
    internal ApproximateIndex Index(int c)
    {
        if (_index.Count == 0)
        {
            var sw = Stopwatch.StartNew();
            torch.manual_seed(Options.Seed); // the index is a function of the options' seed
            foreach (var (cc, keys) in _keys) _index[cc] = ApproximateIndex.Build(keys, Options);
            IndexSeconds = sw.Elapsed.TotalSeconds;
        }
        return _index[c];
    }

    /// <summary>Seconds spent building the approximate search's subspaces and lists (0 until first used).</summary>
    public double IndexSeconds { get; private set; }

    public void Dispose()
    {
        if (_ownsKeys) foreach (var t in _keys.Values) t.Dispose();
        foreach (var t in _index.Values) t.Dispose();
    }
}

/// <summary>
/// The approximate search's index of one case: an orthonormal basis of the top <c>m</c> directions of the keys
/// (a randomized range finder, 4 power iterations, over a sample of at most 4,096 keys), the keys projected onto it
/// and split into k-means lists (an inverted file: 10 Lloyd iterations on the projections), stored list by list.
/// </summary>
internal sealed class ApproximateIndex : IDisposable
{
    public required Tensor Basis { get; init; }      // (D, m)
    public required Tensor Projected { get; init; }  // (K, m), rows in list order
    public required Tensor Centres { get; init; }    // (L, m)
    public required int[] Start { get; init; }       // list l holds rows Start[l]..Start[l + 1] - 1 (list order)
    public required long[] Row { get; init; }        // list order -> key row
    public int Lists => Start.Length - 1;

    public static ApproximateIndex Build(Tensor keys, RetrievalOptions o)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long k = keys.shape[0], dim = keys.shape[1];
        var sample = k <= 4096 ? keys : keys.index_select(0, torch.randperm(k, device: keys.device).slice(0, 0, 4096, 1));
        int m = (int)Math.Min(o.Components, Math.Min(sample.shape[0], dim));
        var y = torch.randn(dim, m + 8, device: keys.device);
        for (int it = 0; it < 4; it++)
        {
            y = sample.t().mm(sample.mm(y));            // (D, m + 8)
            (y, _) = torch.linalg.qr(y);
        }
        var basis = y.slice(1, 0, m, 1).contiguous();   // (D, m)
        var projected = keys.mm(basis);                  // (K, m)
        int lists = (int)Math.Clamp(o.Lists > 0 ? o.Lists : (long)Math.Round(Math.Sqrt(k)), 1, k);
        var centres = projected.index_select(0, torch.randperm(k, device: keys.device).slice(0, 0, lists, 1)).clone();
        Tensor assign = torch.zeros(k, dtype: ScalarType.Int64, device: keys.device);
        for (int it = 0; it < (lists > 1 ? 10 : 0); it++)
        {
            // nearest centre: argmax of p.c - |c|^2 / 2
            assign = projected.mm(centres.t()).sub_(centres.pow(2).sum(1).mul(0.5)).argmax(1);
            var sums = torch.zeros(lists, m, device: keys.device).index_add_(0, assign, projected, 1.0);
            var counts = torch.bincount(assign, minlength: lists).to(ScalarType.Float32).unsqueeze(1);
            centres = torch.where(counts > 0, sums / counts.clamp_min(1), centres); // an empty list keeps its centre
        }
        var order = assign.argsort();
        var counts1 = torch.bincount(assign, minlength: lists).cpu().data<long>().ToArray();
        var start = new int[lists + 1];
        for (int l = 0; l < lists; l++) start[l + 1] = start[l] + (int)counts1[l];
        return new ApproximateIndex
        {
            Basis = basis.MoveToOuterDisposeScope(),
            Projected = projected.index_select(0, order).contiguous().MoveToOuterDisposeScope(),
            Centres = centres.contiguous().MoveToOuterDisposeScope(),
            Start = start,
            Row = order.cpu().data<long>().ToArray(),
        };
    }

    public void Dispose()
    {
        Basis.Dispose();
        Projected.Dispose();
        Centres.Dispose();
    }
}

/// <summary>
/// Nearest-neighbour retrieval: each query is made like the keys (smoothed, z-scored; with or translated by
/// <c>GenRealToSim</c>), circularly shifted by every (dy, dx) in -s..+s, and compared by cosine with every key
/// of its case (the classifier's, or all cases); the best key's simulated depth map is returned verbatim (rolled
/// back by the winning shift unless <see cref="RetrievalOptions.ShiftBack"/> is off; no post-processing). Exact search is one matrix product per chunk of queries, chunked so that the (shifts x chunk x
/// keys) score block stays under <see cref="RetrievalOptions.ChunkMiB"/>.
/// </summary>
public sealed class RetrievalPredictor(string name, RetrievalLibrary library, SemData data, ICasePredictor? cases) : IDepthPredictor
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
        var matches = Search(sem, idx);
        var o = new byte[idx.Count * Geometry.Pixels];
        for (int q = 0; q < idx.Count; q++)
        {
            var dst = o.AsSpan(q * Geometry.Pixels, Geometry.Pixels);
            var top = matches[q];
            if (top.Length == 1) { Place(top[0], data.SimDepth[top[0].Key], dst); continue; }
            Blend(top, dst);
        }
        return o;
    }

    /// <summary>The map of a match, verbatim or (<see cref="RetrievalOptions.ShiftBack"/>) rolled circularly by
    /// minus the query's winning shift; the border of every map is plateau, so nothing of the hole wraps.</summary>
    public void Place(Match m, Span<byte> dst) => Place(m, data.SimDepth[m.Key], dst);

    void Place(Match m, ReadOnlySpan<byte> map, Span<byte> dst)
    {
        if (!O.ShiftBack || (m.ShiftRow == 0 && m.ShiftCol == 0)) { map.CopyTo(dst); return; }
        const int H = Geometry.Height, W = Geometry.Width;
        for (int y = 0; y < H; y++)
        {
            int sy = ((y + m.ShiftRow) % H + H) % H;
            for (int x = 0; x < W; x++) dst[y * W + x] = map[sy * W + ((x + m.ShiftCol) % W + W) % W];
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
            for (int p = 0; p < acc.Length; p++) acc[p] += w[j] / sum * map[p];
        }
        for (int p = 0; p < acc.Length; p++) dst[p] = (byte)Math.Clamp(Math.Round(acc[p]), 0, 255);
    }

    /// <summary>The top-k matches of each query (best first); keys are simulated depth-map indices.</summary>
    public Match[][] Search(ImageSet sem, IReadOnlyList<int> idx, string? mode = null)
    {
        mode ??= O.Search;
        var result = new Match[idx.Count][];
        int[] caseOf = O.AllCases || cases is null ? new int[idx.Count] : cases.PredictCases(sem, idx);
        foreach (var group in Enumerable.Range(0, idx.Count).GroupBy(k => caseOf[k]))
        {
            var pos = group.ToArray();
            var searchCases = group.Key == 0 ? library.Cases.ToArray() : [group.Key];
            var ids = pos.Select(k => idx[k]).ToArray();
            var found = SearchCases(sem, ids, searchCases, mode);
            for (int j = 0; j < pos.Length; j++) result[pos[j]] = found[j];
        }
        return result;
    }

    Match[][] SearchCases(ImageSet sem, int[] ids, int[] searchCases, string mode)
    {
        var best = new List<Match>[ids.Length];
        for (int j = 0; j < ids.Length; j++) best[j] = [];
        // one generator translating for every case searched (not per case): translate the queries once
        using var translated = library.QueryTranslator is { } tr && searchCases.Length > 1 && searchCases.Select(tr).Distinct().Count() == 1
            ? TranslateAll(tr(searchCases[0]), sem, ids) : null;
        foreach (int c in searchCases)
        {
            var found = mode == "exact" ? Exact(sem, ids, c, translated) : Approximate(sem, ids, c, translated);
            for (int j = 0; j < ids.Length; j++) best[j].AddRange(found[j]);
        }
        return best.Select(l => l.OrderByDescending(m => m.Cosine).Take(O.TopK).ToArray()).ToArray();
    }

    /// <summary>Queries <paramref name="ids"/> translated by <paramref name="gen"/>: (n, 1, 72, 48) on the device.</summary>
    static Tensor TranslateAll(ResnetGenerator gen, ImageSet sem, int[] ids)
    {
        var o = torch.empty(ids.Length, 1, Geometry.Height, Geometry.Width, device: TorchDevice.Current);
        Inference.Batched(gen, sem, ids, PixelScale.Symmetric, (fake, start) => o[TensorIndex.Slice(start, start + fake.shape[0])] = fake);
        return o;
    }

    /// <summary>Shifts of the grid, row-major: (dy, dx) for dy, dx in -s..s.</summary>
    (int Dy, int Dx)[] Shifts()
    {
        int s = O.MaxShift;
        var list = new List<(int, int)>();
        for (int dy = -s; dy <= s; dy++) for (int dx = -s; dx <= s; dx++) list.Add((dy, dx));
        return list.ToArray();
    }

    /// <summary>Queries of a chunk made like the keys (real, translated by GenRealToSim, or both), shifted:
    /// (S, n, D). <paramref name="translated"/>: the chunk's queries already translated (else translated here).</summary>
    Tensor ShiftedQueries(ImageSet sem, ReadOnlySpan<int> ids, (int Dy, int Dx)[] shifts, Device device, int c, Tensor? translated = null)
    {
        var x = Batches.ToTensor(sem, ids, PixelScale.Symmetric, device); // (n, 1, 72, 48)
        var parts = new List<Tensor>(2);
        if (O.Restyle) parts.Add(x);                                      // against restyled keys
        if (translated is not null) parts.Add(translated);
        else if (library.QueryTranslator is { } translate)
        {
            var gen = translate(c);
            gen.eval();
            parts.Add(Inference.Forward(gen, x)); // fakeSim (called without gradients), against raw keys
        }
        if (parts.Count == 0) parts.Add(x);                               // raw library
        var q = RetrievalLibrary.Embed(parts, O.SmoothSigma);             // (n, D)
        library.Health.Add(q);
        int n = ids.Length;
        if (shifts.Length == 1 && shifts[0] == (0, 0)) return q.unsqueeze(0); // no copies without shifts
        var img = q.reshape(n, parts.Count, Geometry.Height, Geometry.Width); // each part shifted alike
        var all = torch.empty([shifts.Length, n, parts.Count, Geometry.Height, Geometry.Width], q.dtype, q.device);
        for (int i = 0; i < shifts.Length; i++) RetrievalLibrary.RollInto(img, all[i], shifts[i].Dy, shifts[i].Dx);
        return all.view(shifts.Length, n, q.shape[1]); // (S, n, D), written once (roll then stack copied twice)
    }

    /// <summary>Queries per chunk so that S x n x K floats stay under the bound.</summary>
    int ChunkSize(long keys, int shifts) => (int)Math.Clamp(O.ChunkMiB * (1L << 20) / (4L * shifts * Math.Max(1, keys)), 1, 4096);

    List<Match>[] Exact(ImageSet sem, int[] ids, int c, Tensor? translated)
    {
        var keys = library.Keys(c);                       // (K, D)
        var shifts = Shifts();
        var o = new List<Match>[ids.Length];
        int chunk = ChunkSize(keys.shape[0], shifts.Length);
        int k = (int)Math.Min(O.TopK, keys.shape[0]);
        for (int s = 0; s < ids.Length; s += chunk)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.inference_mode();
            int n = Math.Min(chunk, ids.Length - s);
            var q = ShiftedQueries(sem, ids.AsSpan(s, n), shifts, keys.device, c, translated?.narrow(0, s, n));  // (S, n, D)
            Tensor topScore, topKey, shiftOfTop;
            if (shifts.Length == 1)
            {
                (topScore, topKey) = Top(OpenBlas.TimesTransposed(q[0], keys), k); // (n, K) -> (n, k)
                shiftOfTop = torch.zeros_like(topKey);
            }
            else
            {
                var scores = OpenBlas.TimesTransposed(q, keys);                   // (S, n, K)
                // best over the shifts without the index of every key's best shift (max(0) with indices took
                // 87-98 ms on a full-preset chunk of 25 x 123 x 21,663 scores, amax 15-17 ms): the winning
                // shift is looked up for the chosen keys only
                (topScore, topKey) = Top(scores.amax([0L]), k);                   // (n, K) -> (n, k)
                shiftOfTop = scores.gather(2, topKey.unsqueeze(0).expand(shifts.Length, -1, -1)).argmax(0); // (n, k)
            }
            Collect(o, s, c, topScore, topKey, shiftOfTop, shifts);
            ChunkDone?.Invoke(n);
        }
        return o;
    }

    /// <summary>The <paramref name="k"/> best columns of each row, best first: (n, k) scores and columns. One is a
    /// max, which libtorch runs 2.5x faster than <c>topk(1)</c> (250 x 21,663 scores: 2.6-3.8 against 7.1-10.0 ms).</summary>
    static (Tensor Values, Tensor Indexes) Top(Tensor scores, int k)
    {
        if (k != 1) return scores.topk(k, 1);
        var (v, i) = scores.max(1, keepdim: true);
        return (v, i);
    }

    List<Match>[] Approximate(ImageSet sem, int[] ids, int c, Tensor? translated)
    {
        var keys = library.Keys(c);                        // (K, D)
        var index = library.Index(c);
        var shifts = Shifts();
        var o = new List<Match>[ids.Length];
        long dim = keys.shape[1];
        int cand = (int)Math.Min(O.Candidates, keys.shape[0]);
        int probes = Math.Min(O.Probes, index.Lists);
        // the bound holds for the shifted queries (S x n x D) and the gathered candidates (n x C x D), and
        // without lists for the subspace scores of every key (S x n x K)
        int chunk = Math.Min(ChunkSize(shifts.Length * dim, 1), ChunkSize(cand * dim, 1));
        if (probes == index.Lists) chunk = Math.Min(chunk, ChunkSize(keys.shape[0], shifts.Length));
        for (int s = 0; s < ids.Length; s += chunk)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.inference_mode();
            int n = Math.Min(chunk, ids.Length - s);
            var q = ShiftedQueries(sem, ids.AsSpan(s, n), shifts, keys.device, c, translated?.narrow(0, s, n)); // (S, n, D)
            var qp = q.matmul(index.Basis);                                          // (S, n, m): thin, libtorch's (see OpenBlas.Worth)
            var (candidates, valid) = probes == index.Lists ? ScanAll(qp, index, cand) : ScanLists(qp, index, probes, cand);
            var candKeys = keys.index_select(0, candidates.flatten()).reshape(n, cand, dim);
            var exact = torch.einsum("snp,ncp->snc", q, candKeys);                  // (S, n, C)
            var (bestOverShifts, whichShift) = exact.max(0);                        // (n, C)
            if (valid is not null) bestOverShifts = bestOverShifts.masked_fill(valid.logical_not(), float.NegativeInfinity);
            int k = Math.Min(O.TopK, cand);
            var (topScore, topPos) = bestOverShifts.topk(k, 1);
            var topKey = candidates.gather(1, topPos);
            var shiftOfTop = whichShift.gather(1, topPos);
            Collect(o, s, c, topScore, topKey, shiftOfTop, shifts);
            ChunkDone?.Invoke(n);
        }
        return o;
    }

    /// <summary>Every key scored in the subspace, best over the shifts: the top <paramref name="cand"/> key rows (n, C).</summary>
    static (Tensor Rows, Tensor? Valid) ScanAll(Tensor qp, ApproximateIndex index, int cand)
    {
        var approx = OpenBlas.TimesTransposed(qp, index.Projected);                // (S, n, K), list order: wide, OpenBLAS's
        var top = approx.amax([0L]).topk(cand, 1).indexes;                          // (n, C)
        using var row = torch.tensor(index.Row, device: qp.device);
        return (row.index_select(0, top.flatten()).reshape(top.shape), null);
    }

    /// <summary>The inverted-file scan: each query's best <paramref name="probes"/> lists (centre scores, best over
    /// the shifts), the keys of those lists scored in the subspace at every shift, the top <paramref name="cand"/>
    /// key rows (n, C) and which of them are real (a query whose lists hold fewer keys is padded).</summary>
    static (Tensor Rows, Tensor? Valid) ScanLists(Tensor qp, ApproximateIndex index, int probes, int cand)
    {
        int n = (int)qp.shape[1];
        var coarse = OpenBlas.TimesTransposed(qp, index.Centres).amax([0L]);        // (n, L)
        var probe = coarse.topk(probes, 1).indexes.cpu().data<long>().ToArray();    // (n, P)
        var byList = new List<int>[index.Lists];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < probes; t++) (byList[(int)probe[j * probes + t]] ??= []).Add(j);
        var found = new List<(float Score, long Row)>[n];
        for (int j = 0; j < n; j++) found[j] = new List<(float, long)>(probes * cand);
        for (int l = 0; l < index.Lists; l++)
        {
            int size = index.Start[l + 1] - index.Start[l];
            if (byList[l] is not { } who || size == 0) continue;
            using var scope = torch.NewDisposeScope();
            using var who_ = torch.tensor(who.Select(j => (long)j).ToArray(), device: qp.device);
            var members = index.Projected.narrow(0, index.Start[l], size);          // (|l|, m)
            var scores = OpenBlas.TimesTransposed(qp.index_select(1, who_), members).amax([0L]); // (|who|, |l|): values only, as in Exact
            int keep = Math.Min(cand, size);
            var (val, pos) = scores.topk(keep, 1);
            var v = val.cpu().data<float>().ToArray();
            var p = pos.cpu().data<long>().ToArray();
            for (int w = 0; w < who.Count; w++)
                for (int t = 0; t < keep; t++) found[who[w]].Add((v[w * keep + t], index.Row[index.Start[l] + p[w * keep + t]]));
        }
        var rows = new long[n * cand];
        var valid = new bool[n * cand];
        for (int j = 0; j < n; j++)
        {
            var best = found[j].OrderByDescending(f => f.Score).Take(cand).ToList();
            for (int t = 0; t < cand; t++)
            {
                valid[j * cand + t] = t < best.Count;
                rows[j * cand + t] = t < best.Count ? best[t].Row : best.Count > 0 ? best[0].Row : 0;
            }
        }
        return (torch.tensor(rows, [n, cand], device: qp.device), torch.tensor(valid, [n, cand], device: qp.device));
    }

    void Collect(List<Match>[] o, int start, int c, Tensor score, Tensor key, Tensor shift, (int Dy, int Dx)[] shifts)
    {
        var sc = score.cpu().data<float>().ToArray();
        var ky = key.cpu().data<long>().ToArray();
        var sh = shift.cpu().data<long>().ToArray();
        int n = (int)score.shape[0], k = (int)score.shape[1];
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
        var q = ShiftedQueries(sem, [query], Shifts(), keys.device, c);      // (S, 1, D)
        return q.matmul(keys[row].unsqueeze(1)).max().item<float>();
    }

    /// <summary>Share of queries whose approximate top-1 key equals the exact one.</summary>
    public double RecallAt1(ImageSet sem, IReadOnlyList<int> idx)
    {
        var exact = Search(sem, idx, "exact");
        var approx = Search(sem, idx, "approx");
        int same = 0;
        for (int q = 0; q < idx.Count; q++) if (exact[q][0].Key == approx[q][0].Key) same++;
        return same / (double)Math.Max(1, idx.Count);
    }
}
