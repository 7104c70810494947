using System.Globalization;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Synthetic;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>The data commands: generate, validate, summary, stats, config, bench data.</summary>
static partial class Commands
{
    public static int Generate(string preset, FileInfo? config, string? outDir, bool force, int? seed, ConsoleSink sink)
    {
        var cfg = config is not null ? SyntheticConfig.Load(config.FullName) : SyntheticConfig.FromPreset(preset);
        if (seed is { } s)
            cfg = cfg with { Seed = s };
        var summary = SyntheticGenerator.Generate(
            cfg,
            outDir ?? Paths.SyntheticDir(cfg.Preset),
            overwrite: force,
            log: sink
        );
        sink.Line(summary.ToString());
        return 0;
    }

    public static int Validate(string? data, int max)
    {
        string root = data ?? DataRoot.Resolve(null, generateIfMissing: false);
        var report = DaconDataSet.Validate(root);
        Console.WriteLine(report.Format(max));
        return report.Ok ? 0 : 1;
    }

    public static int Summary(string? data, ConsoleSink sink)
    {
        var set = DaconDataSet.Open(ResolveData(data, sink));
        Console.WriteLine($"data root: {set.Root}{(set.HasTruth ? " (synthetic, with hidden truth)" : "")}");
        Console.WriteLine($"{"split", -11} {"case", 4} {"folder", -14} {"images", 9} {"pairs/sites", 11}");
        foreach (var (split, c, folder, images, groups) in set.Counts())
            Console.WriteLine(
                $"{split, -11} {(c == 0 ? "-" : c.ToString(CultureInfo.InvariantCulture)), 4} {folder, -14} "
                    + $"{images, 9:N0} {groups, 11:N0}"
            );
        Console.WriteLine(
            $"totals: {set.Sim.Count * 2:N0} sim SEM, {set.Sim.Count:N0} depth maps, {set.Train.Count:N0} "
                + $"train SEM in {set.AverageDepth.Count:N0} sites, {set.Test.Count:N0} test SEM"
        );
        return 0;
    }

    public static int Stats(string? data, ConsoleSink sink)
    {
        using var d = SemData.Open(ResolveData(data, sink), sink);
        Console.WriteLine("SEM per image: mean | SD | background noise SD | max");
        foreach (var s in DataStatistics.Sem(d))
            Console.WriteLine(
                $"  {s.Domain, -12} case {s.Case}: mean {s.ImageMean.Mean, 6:F1} (sd {s.ImageMean.Sd:F2}) "
                    + $" SD {s.ImageSd.Mean, 5:F1} [{s.ImageSd.Min:F1},{s.ImageSd.Max:F1}]  noise "
                    + $"{s.NoiseSd.Mean, 5:F2}  max {s.Max.Mean:F1} [{s.Max.Min},{s.Max.Max}]"
            );
        Console.WriteLine("Depth maps: mean | SD | min | plateau fraction | padded mean");
        foreach (var s in DataStatistics.Depth(d))
            Console.WriteLine(
                $"  {s.Source, -18} case {s.Case}: mean {s.MapMean.Mean, 6:F1} SD {s.MapSd.Mean, 5:F1} "
                    + $"min [{s.MapMin.Min},{s.MapMin.Max}] plateau {s.PlateauFraction:P1} padded "
                    + $"{s.PaddedMean:F2}"
            );
        Console.WriteLine("average_depth.csv per folder:");
        foreach (var s in DataStatistics.SiteAverages(d.DataSet))
            Console.WriteLine($"  {s.Folder}: {s.SiteAverage}");
        Console.WriteLine(
            "Library shapes: RMSE to the nearest other map of the case (200 maps a case; real library about 2.0)"
        );
        foreach (var (c, near, shifted) in DataStatistics.NearestOtherMap(d))
            Console.WriteLine($"  Case_{c}: {near:F2}; the nearest 64 shifted by up to 2 px {shifted:F2}");
        var use = DataStatistics.LibraryUse(d);
        if (use.Count > 0)
        {
            Console.WriteLine("Library use (hidden truth; the real counts say one real image a map):");
            foreach (var u in use)
                Console.WriteLine($"  {u}");
        }
        return 0;
    }

    public static int Config(string preset)
    {
        Console.WriteLine(SyntheticConfig.FromPreset(preset).ToJson());
        return 0;
    }

    public static int BenchData(string preset, string? outDir, bool regenerate)
    {
        var cfg = SyntheticConfig.FromPreset(preset);
        string root = outDir ?? Paths.SyntheticDir(cfg.Preset);
        if (regenerate || !Directory.Exists(root))
        {
            var g = SyntheticGenerator.Generate(cfg, root, overwrite: true);
            Console.WriteLine(
                $"generation: {g.Files:N0} PNG files in {g.Elapsed.TotalSeconds:F1} s "
                    + $"({g.Files / g.Elapsed.TotalSeconds:N0} files/s)"
            );
        }
        string cache = Path.Combine(Paths.Artifacts, "bench-cache");
        if (Directory.Exists(cache))
            Directory.Delete(cache, true);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var set = DaconDataSet.Open(root);
        double scan = sw.Elapsed.TotalSeconds;
        sw.Restart();
        int images;
        using (var d = SemData.Open(root, cacheDir: cache))
        {
            d.WarmAll();
            images =
                d.SimSem.Count
                + d.SimDepth.Count
                + d.Train.Count
                + d.Test.Count
                + (d.TrainTruth?.Count ?? 0)
                + (d.TestTruth?.Count ?? 0);
        }
        double decode = sw.Elapsed.TotalSeconds;
        Console.WriteLine(
            $"layout open (the saved index when current, else a scan): {scan:F2} s; first decode into the "
                + $"cache: {images:N0} images in {decode:F1} s ({images / decode:N0} images/s)"
        );
        var reload = new List<double>();
        for (int rep = 0; rep < 5; rep++)
        {
            sw.Restart();
            long sum = 0;
            using (var d = SemData.Open(root, cacheDir: cache))
            {
                d.WarmAll();
                foreach (var s in new[] { d.SimSem, d.SimDepth, d.Train, d.Test })
                    for (int i = 0; i < s.Count; i += 1)
                        sum += s[i][Geometry.Pixels / 2]; // touch every image
            }
            reload.Add(images / sw.Elapsed.TotalSeconds);
            if (sum < 0)
                Console.WriteLine();
        }
        reload.Sort();
        Console.WriteLine(
            $"cached reload (layout index + fingerprint + map + touch every image), median of 5: "
                + $"{reload[2]:N0} images/s"
        );
        BatchAssembly(root, cache);
        return 0;
    }

    /// <summary>Batch assembly from the cache: 128 shuffled images, flips, to float; median of 5.</summary>
    static void BatchAssembly(string root, string cache)
    {
        using var d = SemData.Open(root, cacheDir: cache);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var idx = Batches.Shuffled(Enumerable.Range(0, d.SimSem.Count).ToArray(), 41, 1);
        var buf = new float[128 * Geometry.Pixels];
        var rates = new List<double>();
        for (int rep = 0; rep < 5; rep++)
        {
            sw.Restart();
            int nb = 0;
            for (int b = 0; b + 128 <= Math.Min(idx.Length, 128 * 400); b += 128, nb++)
                Batches.Fill(d.SimSem, idx.AsSpan(b, 128), PixelScale.Unit, Batches.RandomFlips(128, 41, rep, nb), buf);
            rates.Add(nb / sw.Elapsed.TotalSeconds);
        }
        rates.Sort();
        Console.WriteLine(
            $"batch assembly (128 images, shuffled, flips, to float): median {rates[2]:N0} batches/s "
                + $"({rates[2] * 128:N0} images/s)"
        );
    }
}
