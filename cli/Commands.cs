using SemDepth.Data;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>The console: thin wrappers over the library, one per command.</summary>
public static class Commands
{
    const string Usage = """
        semdepth <command> [options]

        Commands:
          run        the main job: generate the quick synthetic set if no data is configured, execute
                     notebooks 01-04 headless into artifacts/notebooks/, write the submission
                     [--data DIR] [--preset tiny|quick] [--notebooks 01,02,...]
          generate   write a synthetic data set   --preset tiny|quick|full | --config FILE  [--out DIR] [--force]
          validate   report every problem in a data root (decodes every image)   [--data DIR]
          summary    counts per split, case, folder and site   [--data DIR]
          stats      image and depth statistics against the published figures   [--data DIR]
          config     print a preset's full synthetic config as JSON   --preset NAME

        The data root is --data, else SEMDEPTH_DATA, else data/synthetic/<SEMDEPTH_PRESET or quick>.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help") { Console.WriteLine(Usage); return args.Length == 0 ? 2 : 0; }
        var opts = Options.Parse(args.Skip(1));
        var log = new Progress<string>(Console.WriteLine);
        try
        {
            switch (args[0])
            {
                case "generate": return Generate(opts);
                case "validate": return Validate(opts);
                case "summary": return Summary(opts);
                case "stats": return Stats(opts);
                case "config": Console.WriteLine(SyntheticConfig.FromPreset(opts.Get("preset") ?? "quick").ToJson()); return 0;
                default:
                    await Console.Error.WriteLineAsync($"unknown command '{args[0]}'\n\n{Usage}");
                    return 2;
            }
        }
        catch (Exception e) when (e is DataSetException or ImageFormatProblem or ArgumentException or IOException or InvalidDataException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return 1;
        }
    }

    static string DataRoot(Options o) => Paths.DataRoot(o.Get("data"), log: new SyncLog());

    static int Generate(Options o)
    {
        var cfg = o.Get("config") is { } file ? SyntheticConfig.Load(file) : SyntheticConfig.FromPreset(o.Get("preset") ?? "quick");
        if (o.Get("seed") is { } seed) cfg = cfg with { Seed = int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture) };
        string outDir = o.Get("out") ?? Paths.SyntheticDir(cfg.Preset);
        var s = SyntheticGenerator.Generate(cfg, outDir, overwrite: o.Has("force"), log: new SyncLog());
        Console.WriteLine(s);
        return 0;
    }

    static int Validate(Options o)
    {
        string root = o.Get("data") ?? Paths.DataRoot(null, generateIfMissing: false);
        var report = DaconDataSet.Validate(root);
        Console.WriteLine(report.Format(o.Get("max") is { } m ? int.Parse(m, System.Globalization.CultureInfo.InvariantCulture) : 200));
        return report.Ok ? 0 : 1;
    }

    static int Summary(Options o)
    {
        var set = DaconDataSet.Open(DataRoot(o));
        Console.WriteLine($"data root: {set.Root}{(set.HasTruth ? " (synthetic, with hidden truth)" : "")}");
        Console.WriteLine($"{"split",-11} {"case",4} {"folder",-14} {"images",9} {"pairs/sites",11}");
        foreach (var (split, c, folder, images, groups) in set.Counts())
            Console.WriteLine($"{split,-11} {(c == 0 ? "-" : c.ToString(System.Globalization.CultureInfo.InvariantCulture)),4} {folder,-14} {images,9:N0} {groups,11:N0}");
        Console.WriteLine($"totals: {set.Sim.Count * 2:N0} sim SEM, {set.Sim.Count:N0} depth maps, {set.Train.Count:N0} train SEM in {set.AverageDepth.Count:N0} sites, {set.Test.Count:N0} test SEM");
        return 0;
    }

    static int Stats(Options o)
    {
        using var d = SemData.Open(DataRoot(o), new SyncLog());
        Console.WriteLine("SEM per image: mean | SD | background noise SD | max");
        foreach (var s in DataStatistics.Sem(d))
            Console.WriteLine($"  {s.Domain,-12} case {s.Case}: mean {s.ImageMean.Mean,6:F1} (sd {s.ImageMean.Sd:F2})  SD {s.ImageSd.Mean,5:F1} [{s.ImageSd.Min:F1},{s.ImageSd.Max:F1}]  noise {s.NoiseSd.Mean,5:F2}  max {s.Max.Mean:F1} [{s.Max.Min},{s.Max.Max}]");
        Console.WriteLine("Depth maps: mean | SD | min | plateau fraction | padded mean");
        foreach (var s in DataStatistics.Depth(d))
            Console.WriteLine($"  {s.Source,-18} case {s.Case}: mean {s.MapMean.Mean,6:F1} SD {s.MapSd.Mean,5:F1} min [{s.MapMin.Min},{s.MapMin.Max}] plateau {s.PlateauFraction:P1} padded {s.PaddedMean:F2}");
        Console.WriteLine("average_depth.csv per folder:");
        foreach (var s in DataStatistics.SiteAverages(d.Set))
            Console.WriteLine($"  {s.Folder}: {s.SiteAverage}");
        return 0;
    }
}

/// <summary>Prints progress lines at once (Progress&lt;T&gt; posts them to the thread pool).</summary>
sealed class SyncLog : IProgress<string>
{
    public void Report(string value) => Console.WriteLine(value);
}

/// <summary>--name value and --flag options.</summary>
sealed class Options
{
    readonly Dictionary<string, string?> _v = new(StringComparer.Ordinal);

    public static Options Parse(IEnumerable<string> args)
    {
        var o = new Options();
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{list[i]}' (options are --name value)");
            string name = list[i][2..];
            string? value = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) ? list[++i] : null;
            o._v[name] = value;
        }
        return o;
    }

    public string? Get(string name) => _v.TryGetValue(name, out var v) ? v : null;
    public bool Has(string name) => _v.ContainsKey(name);
}
