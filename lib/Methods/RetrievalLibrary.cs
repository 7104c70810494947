using System.Diagnostics;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Models;
using SemDepth.Synthetic;
using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Methods;

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
    readonly Dictionary<int, Tensor> _keys = []; // case -> (K_c, D) unit rows, D = parts x 3456
    readonly Dictionary<int, int[]> _maps = []; // case -> simulated depth-map index of each row
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
        if (
            search.Restyle != Options.Restyle
            || search.KeyInput != Options.KeyInput
            || search.TranslateQueries != Options.TranslateQueries
            || search.SmoothSigma != Options.SmoothSigma
        )
            throw new ArgumentException(
                "WithSearch changes how keys are searched, not how they are made: Restyle, KeyInput, "
                    + "TranslateQueries and SmoothSigma must match"
            );
        var view = new RetrievalLibrary(search)
        {
            QueryTranslator = QueryTranslator,
            RestyleSeconds = RestyleSeconds,
            _ownsKeys = false,
        };
        foreach (var (c, k) in _keys)
            view._keys[c] = k;
        foreach (var (c, m) in _maps)
            view._maps[c] = m;
        return view;
    }

    /// <summary>Builds the library from the simulated set. <paramref name="genSimToReal"/> (case -> generator)
    /// restyles the keys when <see cref="RetrievalOptions.Restyle"/>; it may be null for the raw library.</summary>
    public static RetrievalLibrary Build(
        SemData d,
        Func<int, ResnetGenerator>? genSimToReal,
        RetrievalOptions options,
        IProgress<string>? log = null,
        Func<int, ResnetGenerator>? genRealToSim = null
    )
    {
        options.Check();
        if (options.Restyle && genSimToReal is null)
            throw new ArgumentException("a restyled library needs the trained GenSimToReal (train the CycleGAN first)");
        if (options.TranslateQueries && genRealToSim is null)
            throw new ArgumentException("translated queries need the trained GenRealToSim (train the CycleGAN first)");
        var lib = new RetrievalLibrary(options) { QueryTranslator = options.TranslateQueries ? genRealToSim : null };
        lib.FillKeys(
            d,
            "library",
            (c, maps, device) =>
            {
                // (K_c, parts x 3456)
                var keys = torch.empty(maps.Length, options.Parts * Geometry.Pixels, device: device);
                for (int s = 0; s < maps.Length; s += options.RestyleBatch)
                {
                    using var scope = torch.NewDisposeScope();
                    using var noGrad = torch.inference_mode();
                    int n = Math.Min(options.RestyleBatch, maps.Length - s);
                    // (n, 1, 72, 48) in [-1, 1]
                    var simSem = KeyImages(d.SimSem, maps.AsSpan(s, n), options.KeyInput, device);
                    var parts = new List<Tensor>(2);
                    if (options.Restyle)
                    {
                        var gen = genSimToReal!(c);
                        gen.eval();
                        parts.Add(gen.forward(simSem)); // fakeReal, compared with the real query
                    }
                    if (options.TranslateQueries || !options.Restyle)
                        parts.Add(simSem); // raw, compared with the translated (or raw) query
                    keys[TensorIndex.Slice(s, s + n)] = Embed(parts, options.SmoothSigma);
                }
                return keys;
            },
            log
        );
        return lib;
    }

    /// <summary>Rows of one key or query: each part (n, 1, 72, 48) smoothed (<paramref name="sigma"/> px, 0: not),
    /// z-scored and scaled to length 1 / sqrt(parts), side by side: (n, parts x 3456), unit rows whose dot
    /// product is the mean of the parts' Pearson correlations.</summary>
    public static Tensor Embed(IReadOnlyList<Tensor> parts, double sigma)
    {
        var rows = parts.Select(p => Normalize(Smooth(p, sigma).reshape(p.shape[0], Geometry.Pixels))).ToList();
        // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        using Scalar root = Math.Sqrt(rows.Count);
        return rows.Count == 1 ? rows[0] : torch.cat(rows, 1) / root;
    }

    /// <summary><paramref name="src"/> (..., H, W) rolled circularly by <paramref name="dy"/> rows and <paramref
    /// name="dx"/> columns (as <c>roll([dy, dx], [-2, -1])</c>) into <paramref name="dst"/> of the same shape: four
    /// block copies.</summary>
    public static void RollInto(Tensor src, Tensor dst, long dy, long dx)
    {
        long h = src.shape[^2],
            w = src.shape[^1];
        dy = ((dy % h) + h) % h;
        dx = ((dx % w) + w) % w;
        int rd = (int)src.dim() - 2,
            cd = (int)src.dim() - 1;
        // destination rows [dy, h) take source rows [0, h - dy), rows [0, dy) take [h - dy, h); the same for columns
        foreach (var (rDst, rSrc, rLen) in new[] { (dy, 0L, h - dy), (0L, h - dy, dy) })
        foreach (var (cDst, cSrc, cLen) in new[] { (dx, 0L, w - dx), (0L, w - dx, dx) })
            if (rLen > 0 && cLen > 0)
                dst.narrow(rd, rDst, rLen)
                    .narrow(cd, cDst, cLen)
                    .copy_(src.narrow(rd, rSrc, rLen).narrow(cd, cSrc, cLen));
    }

    /// <summary>Gaussian blur of (n, 1, H, W) images, separable, with circular padding (so it commutes with
    /// the search's circular shifts); <paramref name="sigma"/> 0 returns the images.</summary>
    public static Tensor Smooth(Tensor images, double sigma)
    {
        if (sigma <= 0)
            return images;
        int r = (int)Math.Ceiling(3 * sigma);
        using Scalar from = -r,
            step = 1,
            to = r + 1,
            twoSigmaSquared = 2 * sigma * sigma; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        var k = torch.arange(from, to, step, dtype: ScalarType.Float32, device: images.device);
        k = (-(k * k) / twoSigmaSquared).exp();
        k = k / k.sum();
        var x = nn.functional.conv2d(
            nn.functional.pad(images, [r, r, 0, 0], PaddingModes.Circular),
            k.reshape(1, 1, 1, 2 * r + 1)
        );
        return nn.functional.conv2d(
            nn.functional.pad(x, [0, 0, r, r], PaddingModes.Circular),
            k.reshape(1, 1, 2 * r + 1, 1)
        );
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
            var maps = Enumerable.Range(0, d.DataSet.Sim.Count).Where(i => d.DataSet.Sim[i].Case == c).ToArray();
            if (maps.Length == 0)
                continue;
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
    public static RetrievalLibrary BuildPerfectRestyle(
        SemData d,
        RetrievalOptions options,
        IProgress<string>? log = null
    )
    {
        options.Check();
        string json = Path.Combine(d.DataSet.Root, DaconNames.Truth, "synthetic.json");
        if (!File.Exists(json))
            throw new InvalidOperationException(
                $"the perfect-restyle ceiling needs the synthetic set's config ({json}); real data has none"
            );
        var cfg = SyntheticConfig.Load(json);
        var baseIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < cfg.SimMapsPerCase; b++)
            baseIndex[SyntheticGenerator.BaseName(cfg.Seed, b)] = b;
        var lib = new RetrievalLibrary(options with { Restyle = false, TranslateQueries = false });
        lib.FillKeys(
            d,
            "perfect-restyle library",
            (c, maps, device) =>
            {
                var img = new float[maps.Length * Geometry.Pixels];
                Parallel.For(0, maps.Length, k =>
                    SyntheticGenerator.RealStyleLibraryImage(
                        cfg,
                        c,
                        baseIndex[d.DataSet.Sim[maps[k]].Base],
                        img.AsSpan(k * Geometry.Pixels, Geometry.Pixels)
                    )
                );
                using var images = torch.tensor(img, [maps.Length, 1, Geometry.Height, Geometry.Width], device: device);
                return Embed([images], options.SmoothSigma);
            },
            log
        );
        return lib;
    }

    /// <summary>The SEM a key is made from, (n, 1, 72, 48) in [-1, 1]: itr0, or the mean of itr0 and itr1.</summary>
    static Tensor KeyImages(ImageSet simSem, ReadOnlySpan<int> maps, KeyInput input, Device device)
    {
        var itr0 = new int[maps.Length];
        for (int k = 0; k < maps.Length; k++)
            itr0[k] = 2 * maps[k]; // SEM 2i, 2i+1 belong to depth map i
        var a = Batches.ToTensor(simSem, itr0, PixelScale.Symmetric, device);
        if (input == KeyInput.Itr0)
            return a;
        var itr1 = itr0.Select(i => i + 1).ToArray();
        using Scalar half = 0.5; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        return a.Plus(Batches.ToTensor(simSem, itr1, PixelScale.Symmetric, device)) * half;
    }

    /// <summary>Z-scores each row and scales it to unit length: row dot row = Pearson correlation.</summary>
    public static Tensor Normalize(Tensor rows)
    {
        using Scalar floor = 1e-6; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        var centred = rows - rows.mean([1], keepdim: true);
        return centred / centred.norm(1, keepdim: true).clamp_min(floor);
    }

    /// <summary>Case -> GenRealToSim when queries are translated (<see
    /// cref="RetrievalOptions.TranslateQueries"/>).</summary>
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
            foreach (var (cc, keys) in _keys)
                _index[cc] = ApproximateIndex.Build(keys, Options);
            IndexSeconds = sw.Elapsed.TotalSeconds;
        }
        return _index[c];
    }

    /// <summary>Seconds spent building the approximate search's subspaces and lists (0 until first used).</summary>
    public double IndexSeconds { get; private set; }

    public void Dispose()
    {
        if (_ownsKeys)
            foreach (var t in _keys.Values)
                t.Dispose();
        foreach (var t in _index.Values)
            t.Dispose();
    }
}
