using System.Globalization;
using System.IO.Compression;
using CsvHelper;
using SemDepth.Data;
using SemDepth.Images;

namespace SemDepth.Synthetic;

/// <summary>What a generation wrote.</summary>
public sealed record GenerationSummary(
    string Root,
    int DepthMaps,
    int SimSem,
    int TrainImages,
    int TrainSites,
    int TestImages,
    TimeSpan Elapsed
)
{
    public int Files => DepthMaps + SimSem + 2 * TrainImages + 2 * TestImages;

    public override string ToString() =>
        $"{Root}: {DepthMaps:N0} depth maps, {SimSem:N0} sim SEM, {TrainImages:N0} train SEM in "
        + $"{TrainSites:N0} sites, {TestImages:N0} test SEM (+ truth) in {Elapsed.TotalSeconds:F1} s";
}

/// <summary>
/// Writes a synthetic data set in the exact Dacon layout, plus the hidden truth the real set withholds
/// (truth/: depth maps of every train and test image, the test cases, the config). Deterministic for
/// a seed, whatever the thread count. Writes into a temporary sibling folder and renames it into place
/// at the end, so an interrupted run never leaves a half-written data root.
/// </summary>
public static partial class SyntheticGenerator
{
    const int H = Geometry.Height,
        W = Geometry.Width;

    public static GenerationSummary Generate(
        SyntheticConfig cfg,
        string root,
        bool overwrite = false,
        IProgress<string>? log = null
    )
    {
        cfg.Check();
        root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any() && !overwrite)
            throw new IOException(
                $"{root} exists and is not empty: choose another folder or pass overwrite (--force)."
            );
        var sw = System.Diagnostics.Stopwatch.StartNew();
        string tmp = root + ".partial-" + Environment.ProcessId;
        if (Directory.Exists(tmp))
            Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        try
        {
            var s = Write(cfg, tmp, log);
            if (Directory.Exists(root))
            {
                string old = root + ".old-" + Environment.ProcessId;
                Directory.Move(root, old);
                Directory.Move(tmp, root);
                Directory.Delete(old, true);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(root)!);
                Directory.Move(tmp, root);
            }
            return s with { Root = root, Elapsed = sw.Elapsed };
        }
        catch
        {
            try
            {
                Directory.Delete(tmp, true);
            }
            catch (IOException) { }
            throw;
        }
    }

    /// <summary>A plausible Dacon base name: date_time_lot_wafer_slot_site_image_hole.</summary>
    public static string BaseName(int seed, int index)
    {
        var r = Rng.For(seed, 2, index);
        var day = new DateTime(2020, 10, 1).AddDays(r.NextInt(120));
        int secs = r.NextInt(86400);
        // the draws in the order the name always took them (the names are part of the generated set)
        int ne = 140000 + r.NextInt(9999),
            rae = 1 + r.NextInt(25),
            s = 1 + r.NextInt(20);
        var ic = CultureInfo.InvariantCulture;
        string time = string.Create(ic, $"{day:yyyyMMdd}_{secs / 3600:D2}{secs / 60 % 60:D2}{secs % 60:D2}");
        return string.Create(ic, $"{time}_NE{ne:D6}C_RAE{rae:D2}_1_S{s:D2}_M{index / 9 + 1:D4}-01MS_{index % 9 + 1}");
    }

    static GenerationSummary Write(SyntheticConfig cfg, string root, IProgress<string>? log)
    {
        int n = cfg.SimMapsPerCase;
        var (bases, libraryMean) = WriteSimulation(cfg, root, log);
        var (train, siteEffects, siteNo) = TrainSites(cfg, root);
        log?.Report($"train: {train.Count:N0} real SEM in {siteNo:N0} sites");
        // library maps of each case from shallowest to deepest mean: sites draw near their own rank
        var byMean = Cases
            .All.Select(c => Enumerable.Range(0, n).OrderBy(b => libraryMean[(c - 1) * n + b]).ThenBy(b => b).ToArray())
            .ToArray();
        var (trainLibrary, testCase, testLibrary) = PlanLibrary(cfg, byMean);
        var padded = WriteTrain(cfg, root, train, siteEffects, trainLibrary, log);
        if (cfg.StrayCheckpointFile)
            WriteStrayCheckpoint(root, train.First(t => t.Case == 4));
        WriteAverageDepth(root, train, padded);
        WriteTest(cfg, root, testCase, testLibrary, log);
        WriteTestCases(root, testCase);
        WriteLibraryTruth(
            Path.Combine(root, DaconNames.Truth, "test_library.csv"),
            Enumerable.Range(0, testCase.Length).Select(i => ($"{i:D6}.png", testCase[i], testLibrary[i])),
            bases
        );
        WriteLibraryTruth(
            Path.Combine(root, DaconNames.Truth, "train_library.csv"),
            train.Select((t, i) => (t.Name, t.Case, trainLibrary[i])),
            bases
        );
        if (cfg.WriteSampleSubmission)
            WriteSampleSubmission(root, cfg.TestImages);
        File.WriteAllText(Path.Combine(root, DaconNames.Truth, "synthetic.json"), cfg.ToJson());
        return new GenerationSummary(root, 4 * n, 8 * n, train.Count, siteNo, cfg.TestImages, TimeSpan.Zero);
    }

    /// <summary>The simulation: the same hole shape (base) in every case, rescaled to its plateau; its depth maps and
    /// itr0/itr1 SEM. Returns the base names and each library map's mean depth, (case - 1) * n + b.</summary>
    static (string[] Bases, double[] LibraryMean) WriteSimulation(
        SyntheticConfig cfg,
        string root,
        IProgress<string>? log
    )
    {
        int seed = cfg.Seed;
        int n = cfg.SimMapsPerCase;
        var bases = new string[n];
        var subs = new string[n];
        for (int b = 0; b < n; b++)
        {
            bases[b] = BaseName(seed, b);
            subs[b] = DaconNames.SubFolders[b % 5];
        }
        foreach (int c in Cases.All)
        foreach (var sub in DaconNames.SubFolders)
        {
            Directory.CreateDirectory(DaconNames.SimSemDir(root, c, sub));
            Directory.CreateDirectory(DaconNames.SimDepthDir(root, c, sub));
        }
        log?.Report($"simulation: {4 * n:N0} depth maps, {8 * n:N0} SEM");
        var simCount = new Workspace.WorkCounter(log, "generate simulation", 4L * n, "pairs");
        var libraryMean = new double[4 * n];
        Parallel.For(
            0,
            4 * n,
            () => new Buffers(),
            (i, _, buf) =>
            {
                int c = i / n + 1,
                    b = i % n;
                var r = Rng.For(seed, 10 + c, b);
                var shape = LibraryShape(cfg, c, b, r);
                int p = Cases.Plateau(c);
                SemRenderer.RenderDepth(shape, p, buf.Depth);
                SemRenderer.Quantize(buf.Depth, buf.Bytes);
                libraryMean[i] = MeanOf(buf.Bytes);
                Png8.Write(Path.Combine(DaconNames.SimDepthDir(root, c, subs[b]), bases[b] + ".png"), buf.Bytes);
                SemRenderer.RenderSignal(buf.Depth, p, shape, cfg.SimRender, r, buf.Signal);
                for (int itr = 0; itr < 2; itr++)
                {
                    SemRenderer.AddNoise(buf.Signal, cfg.SimRender, r, buf.Bytes); // itr0/itr1 differ only in noise
                    Png8.Write(
                        Path.Combine(DaconNames.SimSemDir(root, c, subs[b]), $"{bases[b]}_itr{itr}.png"),
                        buf.Bytes
                    );
                }
                simCount.Add();
                return buf;
            },
            _ => { }
        );
        return (bases, libraryMean);
    }

    /// <summary>The train sites (real-domain images grouped in sites; a site shares size and bottom offsets), their
    /// folders created: every image's case, site, name and site index, each site's effects.</summary>
    static (
        List<(int Case, string Site, string Name, int SiteIdx)> Train,
        List<(double Scale, double Bottom)> SiteEffects,
        int Sites
    ) TrainSites(SyntheticConfig cfg, string root)
    {
        int seed = cfg.Seed;
        var train = new List<(int Case, string Site, string Name, int SiteIdx)>();
        var siteEffects = new List<(double Scale, double Bottom)>();
        int imgNo = 0;
        var siteCase = TrainSiteCases(cfg);
        int siteNo = siteCase.Length;
        for (int s = 0; s < siteNo; s++)
        {
            int c = siteCase[s];
            var r = Rng.For(seed, 20, s);
            siteEffects.Add((1 + r.Normal(0, cfg.Shape.SiteSizeSd), r.Normal(0, cfg.Shape.SiteBottomSd)));
            string site = $"site_{s:D5}";
            Directory.CreateDirectory(DaconNames.TrainSiteDir(root, c, site));
            Directory.CreateDirectory(Path.GetDirectoryName(DaconNames.TruthTrainPath(root, c, site, "x"))!);
            for (int k = 0; k < SiteImages(cfg, c, s - siteCase.Count(x => x < c)); k++)
                train.Add((c, site, $"SEM_{imgNo++:D6}.png", s));
        }
        return (train, siteEffects, siteNo);
    }

    /// <summary>Renders and writes every train image and its truth; returns each image's padded mean depth.</summary>
    static double[] WriteTrain(
        SyntheticConfig cfg,
        string root,
        List<(int Case, string Site, string Name, int SiteIdx)> train,
        List<(double Scale, double Bottom)> siteEffects,
        int[] trainLibrary,
        IProgress<string>? log
    )
    {
        int seed = cfg.Seed;
        var trainCount = new Workspace.WorkCounter(log, "generate train", train.Count);
        var padded = new double[train.Count];
        Parallel.For(
            0,
            train.Count,
            () => new Buffers(),
            (i, _, buf) =>
            {
                var t = train[i];
                var r = Rng.For(seed, 21, i);
                var eff = siteEffects[t.SiteIdx];
                var shape =
                    trainLibrary[i] >= 0
                        ? LibraryShape(cfg, t.Case, trainLibrary[i], Rng.For(seed, 10 + t.Case, trainLibrary[i]))
                        : HoleShape
                            .Sample(cfg.Shape, r)
                            .Jitter(eff.Scale, eff.Bottom + cfg.Shape.BottomPerCase * (t.Case - 1));
                padded[i] = RenderReal(
                    cfg,
                    shape,
                    t.Case,
                    r,
                    buf,
                    StoredAsRgb(cfg, 0, i),
                    CropOffset(cfg, 0, i),
                    DaconNames.TruthTrainPath(root, t.Case, t.Site, t.Name),
                    Path.Combine(DaconNames.TrainSiteDir(root, t.Case, t.Site), t.Name)
                );
                trainCount.Add();
                return buf;
            },
            _ => { }
        );
        return padded;
    }

    /// <summary>average_depth.csv: each site's mean of its images' padded mean depths, as the real download has
    /// it.</summary>
    static void WriteAverageDepth(
        string root,
        List<(int Case, string Site, string Name, int SiteIdx)> train,
        double[] padded
    )
    {
        using (var w = CsvWriter.ToFile(DaconNames.CsvPath(root), new CsvWriterOptions { HasHeader = false }))
        {
            w.WriteField("0");
            w.WriteField("1");
            w.EndRecord();
            foreach (
                var g in train
                    .Select((t, i) => (t, i))
                    .GroupBy(x => (x.t.Case, x.t.Site))
                    .OrderBy(g => g.Key.Site, StringComparer.Ordinal)
            )
            {
                w.WriteField(DaconNames.SiteKey(g.Key.Case, g.Key.Site));
                w.WriteField(g.Average(x => padded[x.i]).ToString("R", CultureInfo.InvariantCulture));
                w.EndRecord();
            }
        }
    }

    /// <summary>The test images: real-domain, cases mixed, one flat folder; truth and case kept apart.</summary>
    static void WriteTest(SyntheticConfig cfg, string root, int[] testCase, int[] testLibrary, IProgress<string>? log)
    {
        int seed = cfg.Seed;
        log?.Report($"test: {cfg.TestImages:N0} real SEM");
        Directory.CreateDirectory(DaconNames.TestDir(root));
        Directory.CreateDirectory(Path.Combine(root, DaconNames.Truth, "test"));
        var testCount = new Workspace.WorkCounter(log, "generate test", cfg.TestImages);
        Parallel.For(
            0,
            cfg.TestImages,
            () => new Buffers(),
            (i, _, buf) =>
            {
                var r = Rng.For(seed, 30, i);
                r.NextInt(4); // the case's draw, kept so that every later draw of the image stays where it was
                int c = testCase[i];
                double scale = 1 + r.Normal(0, cfg.Shape.SiteSizeSd);
                double bottom = r.Normal(0, cfg.Shape.SiteBottomSd) + cfg.Shape.BottomPerCase * (c - 1);
                var shape =
                    testLibrary[i] >= 0
                        ? LibraryShape(cfg, c, testLibrary[i], Rng.For(seed, 10 + c, testLibrary[i]))
                        : HoleShape.Sample(cfg.Shape, r).Jitter(scale, bottom);
                string name = $"{i:D6}.png";
                RenderReal(
                    cfg,
                    shape,
                    c,
                    r,
                    buf,
                    StoredAsRgb(cfg, 1, i),
                    CropOffset(cfg, 1, i),
                    DaconNames.TruthTestPath(root, name),
                    Path.Combine(DaconNames.TestDir(root), name)
                );
                testCount.Add();
                return buf;
            },
            _ => { }
        );
    }

    /// <summary>truth/test_cases.csv: each test image's case.</summary>
    static void WriteTestCases(string root, int[] testCase)
    {
        using (
            var w = CsvWriter.ToFile(
                Path.Combine(root, DaconNames.Truth, "test_cases.csv"),
                new CsvWriterOptions { HasHeader = false }
            )
        )
        {
            w.WriteField("name");
            w.WriteField("case");
            w.EndRecord();
            for (int i = 0; i < testCase.Length; i++)
            {
                w.WriteField($"{i:D6}.png");
                w.WriteField(testCase[i].ToString(CultureInfo.InvariantCulture));
                w.EndRecord();
            }
        }
    }

    /// <summary>
    /// A perfect restyle, for a ceiling only (it needs the generator's config, which real data does not have):
    /// library map <paramref name="b"/> of case <paramref name="c"/> rendered by the real-domain physics without
    /// noise, into <paramref name="signal"/>. Top level, rim peak and scan drift are drawn from a stream of their
    /// own, so they differ from those of any real image of the same hole, as a restyle's would.
    /// </summary>
    public static void RealStyleLibraryImage(SyntheticConfig cfg, int c, int b, Span<float> signal)
    {
        var shape = LibraryShape(cfg, c, b, Rng.For(cfg.Seed, 10 + c, b));
        int p = Cases.Plateau(c);
        var depth = new float[H * W];
        SemRenderer.RenderDepth(shape, p, depth);
        SemRenderer.RenderSignal(depth, p, shape, cfg.RealRender, Rng.For(cfg.Seed, 60 + c, b), signal);
    }

    /// <summary>The hole of library map <paramref name="b"/> (its index among the bases) of case <paramref name="c"/>,
    /// as the generator drew it: diagnostics of which shapes a search confuses.</summary>
    public static HoleShape ShapeOf(SyntheticConfig cfg, int c, int b) =>
        LibraryShape(cfg, c, b, Rng.For(cfg.Seed, 10 + c, b));

    /// <summary>The hole of simulated depth map <paramref name="b"/> of case <paramref name="c"/>: one shape per
    /// &lt;base&gt;, slightly rescaled per case. <paramref name="r"/> is the map's stream (seed, 10 + c, b); its
    /// first draw is the case jitter.</summary>
    static HoleShape LibraryShape(SyntheticConfig cfg, int c, int b, Rng r)
    {
        var shape = HoleShape.Sample(cfg.Shape, Rng.For(cfg.Seed, 1, b));
        return shape.Jitter(1 + r.Normal(0, cfg.Shape.CaseJitter), cfg.Shape.BottomPerCase * (c - 1));
    }

    /// <summary>The offset (rows, columns) of real-domain image <paramref name="i"/> of a split (0 train, 1 test)
    /// from its depth map: its own random stream, so the offset moves no other draw.</summary>
    internal static (int Dy, int Dx) CropOffset(SyntheticConfig cfg, int split, int i)
    {
        int j = cfg.RealSemJitterPx;
        if (j == 0 || cfg.RealSemJitterSd == 0)
            return (0, 0);
        var r = Rng.For(cfg.Seed, 54 + split, i);
        int Axis() => (int)Math.Clamp(Math.Round(r.Normal(0, cfg.RealSemJitterSd)), -j, j);
        return (Axis(), Axis());
    }

    static double MeanOf(ReadOnlySpan<byte> px)
    {
        double sum = 0;
        foreach (byte v in px)
            sum += v;
        return sum / px.Length;
    }

    /// <summary>truth/{train,test}_library.csv: name, case, library base of the reused map (empty for a new
    /// shape).</summary>
    static void WriteLibraryTruth(string path, IEnumerable<(string Name, int Case, int Library)> rows, string[] bases)
    {
        using var w = CsvWriter.ToFile(path, new CsvWriterOptions { HasHeader = false });
        w.WriteField("name");
        w.WriteField("case");
        w.WriteField("library_base");
        w.EndRecord();
        foreach (var (name, c, lib) in rows)
        {
            w.WriteField(name);
            w.WriteField(c.ToString(CultureInfo.InvariantCulture));
            w.WriteField(lib >= 0 ? bases[lib] : "");
            w.EndRecord();
        }
    }

    /// <summary>Whether real-domain image <paramref name="i"/> of a split (0 train, 1 test) is stored as RGB:
    /// its own random stream, so the share changes no pixel.</summary>
    static bool StoredAsRgb(SyntheticConfig cfg, int split, int i) =>
        cfg.RealRgbShare > 0 && Rng.For(cfg.Seed, 40 + split, i).NextDouble() < cfg.RealRgbShare;

    /// <summary>The real download's one stray file: a Jupyter checkpoint copy of a site image in a hidden
    /// folder of that site (train/SEM/Depth_140/site_00000/.ipynb_checkpoints/SEM_000165-checkpoint.png).</summary>
    static void WriteStrayCheckpoint(string root, (int Case, string Site, string Name, int SiteIdx) t)
    {
        string site = DaconNames.TrainSiteDir(root, t.Case, t.Site);
        string dir = Path.Combine(site, ".ipynb_checkpoints");
        Directory.CreateDirectory(dir);
        File.Copy(
            Path.Combine(site, t.Name),
            Path.Combine(dir, Path.GetFileNameWithoutExtension(t.Name) + "-checkpoint.png")
        );
    }

    /// <summary>Renders one real-domain image and its truth; the SEM image from the hole moved by
    /// <paramref name="offset"/> (the crop's offset from its map); returns the site-average contribution.</summary>
    static double RenderReal(
        SyntheticConfig cfg,
        HoleShape shape,
        int c,
        Rng r,
        Buffers buf,
        bool rgb,
        (int Dy, int Dx) offset,
        string truthPath,
        string semPath
    )
    {
        int p = Cases.Plateau(c);
        SemRenderer.RenderDepth(shape, p, buf.Depth);
        SemRenderer.Quantize(buf.Depth, buf.Bytes);
        Png8.Write(truthPath, buf.Bytes);
        double mean = 0;
        foreach (byte v in buf.Bytes)
            mean += v;
        mean /= Geometry.Pixels;
        if (offset != (0, 0))
        {
            shape = shape with { CenterRow = shape.CenterRow + offset.Dy, CenterCol = shape.CenterCol + offset.Dx };
            SemRenderer.RenderDepth(shape, p, buf.Depth); // the surface the beam saw: the same hole, off by the offset
        }
        SemRenderer.RenderSignal(buf.Depth, p, shape, cfg.RealRender, r, buf.Signal);
        SemRenderer.AddNoise(buf.Signal, cfg.RealRender, r, buf.Bytes);
        Png8.Write(semPath, buf.Bytes, rgb);
        return Cases.PaddedMean(c, mean);
    }

    static void WriteSampleSubmission(string root, int count)
    {
        var blank = Png8.Encode(new byte[Geometry.Pixels]);
        using var fs = File.Create(Path.Combine(root, DaconNames.SampleSubmission));
        using var zip = new ZipArchive(fs, ZipArchiveMode.Create);
        for (int i = 0; i < count; i++)
        {
            using var e = zip.CreateEntry($"{i:D6}.png", CompressionLevel.Fastest).Open();
            e.Write(blank);
        }
    }

    sealed class Buffers
    {
        public readonly float[] Depth = new float[H * W];
        public readonly float[] Signal = new float[H * W];
        public readonly byte[] Bytes = new byte[H * W];
    }
}
