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
          bench-data data-layer figures: generation, first decode, cached reload, batch assembly
                     [--preset full] [--out DIR] [--regenerate]
          train-ae   train the AE baseline in runs/<name>   [--data DIR] [--epochs N] [--name NAME] [--resume]
          train-cyclegan  train the Real<->Sim CycleGAN in runs/<name>   [--data DIR] [--epochs N] [--steps N]
                     [--batch N] [--gan lsgan|wgangp] [--per-case] [--full] [--name NAME] [--resume]
          domain-shift  train AE, U-Net, classifier, CycleGAN and oracle; print the evaluation table
                     [--data DIR] [--cyclegan-epochs N] [--steps N]
          bench-ae   AE training images/s, loading on/off, beside the PyTorch peer; RSS per epoch
                     [--data DIR] [--batches 20] [--reps 5] [--rss-epochs 6]
          bench-cyclegan  CycleGAN step images/s beside the PyTorch peer, FLOP/s vs matmul ceiling, RSS
                     [--data DIR] [--batch 16] [--steps 8] [--reps 5] [--chunks 4]
          bench-retrieval  restyle the library and search every test image (approximate), recall@1 against exact,
                     exact search beside the PyTorch peer, RSS per chunk
                     [--data DIR] [--recall-queries 1000] [--peer-queries 1000] [--reps 3] [--chunk-mib 256]
          submit     predict every test image with a saved method, write, validate and score the zip
                     [--data DIR] [--method auto|ae|cyclegan|retrieval] (auto: lowest site-average MAE)
          fault-check  kill train-ae and train-cyclegan (tiny preset) at random moments, resume each time and
                     compare the final weights with an uninterrupted run; then a full disk and a read-only
                     runs folder during a save (needs root for tmpfs)   [--kills 30] [--seed 1] [--data DIR]
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
                case "bench-data": return BenchData(opts);
                case "run": return RunMain(opts);
                case "train-ae": return TrainAe(opts);
                case "train-cyclegan": return TrainCycleGan(opts);
                case "domain-shift": return DomainShiftCmd(opts);
                case "submit": return Submit(opts);
                case "bench-ae":
                {
                    using var d = SemData.Open(DataRoot(opts), new SyncLog());
                    return Bench.Ae(d, Int(opts.Get("batches") ?? "20"), Int(opts.Get("reps") ?? "5"), Int(opts.Get("rss-epochs") ?? "6"));
                }
                case "bench-cyclegan":
                {
                    using var d = SemData.Open(DataRoot(opts), new SyncLog());
                    return Bench.CycleGan(d, Int(opts.Get("batch") ?? "16"), Int(opts.Get("steps") ?? "8"), Int(opts.Get("reps") ?? "5"), Int(opts.Get("chunks") ?? "4"));
                }
                case "bench-retrieval":
                {
                    using var d = SemData.Open(DataRoot(opts), new SyncLog());
                    return RetrievalBench.Run(d, Int(opts.Get("recall-queries") ?? "1000"), Int(opts.Get("peer-queries") ?? "1000"),
                        Int(opts.Get("reps") ?? "3"), Int(opts.Get("chunk-mib") ?? "256"));
                }
                case "fault-check":
                    return FaultCheck.Run(Int(opts.Get("kills") ?? "30"), Int(opts.Get("seed") ?? "1"), opts.Get("data"));
                case "config": Console.WriteLine(SyntheticConfig.FromPreset(opts.Get("preset") ?? "quick").ToJson()); return 0;
                default:
                    await Console.Error.WriteLineAsync($"unknown command '{args[0]}'\n\n{Usage}");
                    return 2;
            }
        }
        catch (Exception e) when (e is DataSetException or ImageFormatProblem or ArgumentException or IOException
                                       or InvalidDataException or InvalidOperationException or FormatException
                                       or SemDepth.Training.CheckpointException)
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

    static int BenchData(Options o)
    {
        var cfg = SyntheticConfig.FromPreset(o.Get("preset") ?? "full");
        string root = o.Get("out") ?? Paths.SyntheticDir(cfg.Preset);
        if (o.Has("regenerate") || !Directory.Exists(root))
        {
            var g = SyntheticGenerator.Generate(cfg, root, overwrite: true);
            Console.WriteLine($"generation: {g.Files:N0} PNG files in {g.Elapsed.TotalSeconds:F1} s ({g.Files / g.Elapsed.TotalSeconds:N0} files/s)");
        }
        string cache = Path.Combine(Paths.Artifacts, "bench-cache");
        if (Directory.Exists(cache)) Directory.Delete(cache, true);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var set = DaconDataSet.Open(root);
        double scan = sw.Elapsed.TotalSeconds;
        sw.Restart();
        int images;
        using (var d = SemData.Open(root, cacheDir: cache)) { d.WarmAll(); images = d.SimSem.Count + d.SimDepth.Count + d.Train.Count + d.Test.Count + (d.TrainTruth?.Count ?? 0) + (d.TestTruth?.Count ?? 0); }
        double decode = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"layout open (the saved index when current, else a scan): {scan:F2} s; first decode into the cache: {images:N0} images in {decode:F1} s ({images / decode:N0} images/s)");
        var reload = new List<double>();
        for (int rep = 0; rep < 5; rep++)
        {
            sw.Restart();
            long sum = 0;
            using (var d = SemData.Open(root, cacheDir: cache))
            {
                d.WarmAll();
                foreach (var s in new[] { d.SimSem, d.SimDepth, d.Train, d.Test })
                    for (int i = 0; i < s.Count; i += 1) sum += s[i][Geometry.Pixels / 2]; // touch every image
            }
            reload.Add(images / sw.Elapsed.TotalSeconds);
            if (sum < 0) Console.WriteLine();
        }
        reload.Sort();
        Console.WriteLine($"cached reload (layout index + fingerprint + map + touch every image), median of 5: {reload[2]:N0} images/s");
        using (var d = SemData.Open(root, cacheDir: cache))
        {
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
            Console.WriteLine($"batch assembly (128 images, shuffled, flips, to float): median {rates[2]:N0} batches/s ({rates[2] * 128:N0} images/s)");
        }
        return 0;
    }

    static int TrainAe(Options o)
    {
        using var d = SemData.Open(DataRoot(o), new SyncLog());
        var opt = SemDepth.Training.DepthOptions.Default;
        if (o.Get("epochs") is { } e) opt = opt with { Epochs = Int(e) };
        if (o.Get("name") is { } n) opt = opt with { Name = n };
        using var t = o.Has("resume")
            ? SemDepth.Training.DepthTrainer.Resume(Path.Combine(Paths.Runs, opt.Name), d, o.Get("epochs") is null ? null : opt.Epochs)
            : new SemDepth.Training.DepthTrainer(opt, d);
        t.Fit(new ConsoleProgress());
        Console.WriteLine($"run folder: {t.RunDir}");
        return 0;
    }

    static int TrainCycleGan(Options o)
    {
        using var d = SemData.Open(DataRoot(o), new SyncLog());
        var opt = o.Has("full") ? SemDepth.Training.CycleGanOptions.Full : SemDepth.Training.CycleGanOptions.Default;
        if (o.Get("epochs") is { } e) opt = opt with { Epochs = Int(e) };
        if (o.Get("steps") is { } st) opt = opt with { StepsPerEpoch = Int(st) };
        if (o.Get("batch") is { } b) opt = opt with { BatchSize = Int(b) };
        if (o.Get("gan") is { } g) opt = opt with { Gan = g, DiscNorm = g == "wgangp" ? "none" : opt.DiscNorm };
        if (o.Has("per-case")) opt = opt with { PerCase = true };
        if (o.Get("name") is { } n) opt = opt with { Name = n };
        using var t = o.Has("resume")
            ? SemDepth.Training.CycleGanTrainer.Resume(Path.Combine(Paths.Runs, opt.Name), d, o.Get("epochs") is null ? null : opt.Epochs)
            : new SemDepth.Training.CycleGanTrainer(opt, d);
        t.Fit(new ConsoleProgress());
        Console.WriteLine($"run folder: {t.RunDir}");
        return 0;
    }

    static int DomainShiftCmd(Options o)
    {
        using var d = SemData.Open(DataRoot(o), new SyncLog());
        var opt = new SemDepth.Training.DomainShiftOptions();
        if (o.Get("cyclegan-epochs") is { } e) opt = opt with { CycleGan = opt.CycleGan with { Epochs = Int(e) } };
        if (o.Get("steps") is { } st) opt = opt with { CycleGan = opt.CycleGan with { StepsPerEpoch = Int(st) } };
        using var x = new SemDepth.Training.DomainShift(d);
        var p = new ConsoleProgress();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        void Lap(string what) { Console.WriteLine($"-- {what}: {sw.Elapsed.TotalSeconds:F1} s"); sw.Restart(); }
        x.Ae = new SemDepth.Training.DepthTrainer(opt.Ae, d); x.Ae.Fit(p); Lap("AE");
        x.DepthNet = new SemDepth.Training.DepthTrainer(opt.DepthNet, d); x.DepthNet.Fit(p); Lap("U-Net on sim");
        x.Classifier = new SemDepth.Training.ClassifierTrainer(opt.Classifier, d); x.Classifier.Fit(p); Lap("classifier");
        x.CycleGan = new SemDepth.Training.CycleGanTrainer(opt.CycleGan, d); x.CycleGan.Fit(p); Lap("CycleGAN");
        if (d.TrainTruth is not null) { x.Oracle = new SemDepth.Training.DepthTrainer(opt.Oracle, d); x.Oracle.Fit(p); Lap("oracle"); }
        var rows = x.Evaluate();
        Lap("evaluation");
        foreach (var r in rows) Console.WriteLine($"{r.Method,-48} {r.Metric,-17} {r.Split,-28} {r.Value,8:F3} {r.Images,7}");
        Console.WriteLine($"gap closed (real test): {SemDepth.Training.DomainShift.GapClosed(rows):P1}");
        return 0;
    }

    static int Submit(Options o)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var d = SemData.Open(DataRoot(o), new SyncLog());
        _ = d.Test;
        double open = sw.Elapsed.TotalSeconds;
        var m = SemDepth.Methods.SavedMethods.Load(o.Get("method"), d);
        if (m.Why.Length > 0) Console.WriteLine(m.Why);
        sw.Restart();
        string zip = SemDepth.Submission.SubmissionWriter.Write(m.Predictor, d, Path.Combine(Paths.Artifacts, "submissions"));
        double write = sw.Elapsed.TotalSeconds;
        double score = d.TestTruth is null ? double.NaN : SemDepth.Submission.SubmissionValidator.Score(zip, d);
        SemDepth.Submission.ResultsLog.Append(new SemDepth.Submission.ResultEntry(DateTime.Now, m.Predictor.Name, d.Set.Root, string.Join("; ", m.Checkpoints), zip, score, double.NaN, m.OptionsJson));
        Console.WriteLine($"{m.Predictor.Name}: {d.Test.Count:N0} test images predicted, written, zipped and validated in {write:F1} s " +
            $"({d.Test.Count / write:N0} images/s; opening the data and its cache {open:F1} s before that)");
        Console.WriteLine($"submission: {zip}{(double.IsNaN(score) ? "" : $", test RMSE {score:F3} (hidden truth)")}");
        return 0;
    }

    internal static int Int(string s) => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    static int Validate(Options o)
    {
        string root = o.Get("data") ?? Paths.DataRoot(null, generateIfMissing: false);
        var report = DaconDataSet.Validate(root);
        Console.WriteLine(report.Format(o.Get("max") is { } m ? int.Parse(m, System.Globalization.CultureInfo.InvariantCulture) : 200));
        return report.Ok ? 0 : 1;
    }

    /// <summary>The main job: data (generated if absent), then notebooks 01-04 headless.</summary>
    static int RunMain(Options o)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        if (o.Get("preset") is { } preset) Environment.SetEnvironmentVariable("SEMDEPTH_PRESET", preset);
        string root = DataRoot(o);
        var report = DaconDataSet.Scan(root).Report;
        if (!report.Ok) { Console.Error.WriteLine(report.Format(30)); return 1; }
        var env = new Dictionary<string, string> { ["SEMDEPTH_DATA"] = root };
        var wanted = o.Get("notebooks")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool ok = true;
        var started = DateTime.UtcNow;
        var executed = new List<string>();
        foreach (var nb in SemDepth.Notebooks.NotebookRunner.All())
        {
            if (wanted is not null && !wanted.Any(w => Path.GetFileName(nb).StartsWith(w, StringComparison.Ordinal))) continue;
            Console.WriteLine($"running {Path.GetFileName(nb)} ...");
            var r = SemDepth.Notebooks.NotebookRunner.Run(nb, env);
            Console.WriteLine(r);
            executed.Add(r.Output);
            ok &= r.Ok;
            if (!r.Ok) break;
        }
        string reportPath = SemDepth.Notebooks.RunReport.Write(Path.Combine(Paths.Artifacts, "report.html"), executed,
            new SemDepth.Notebooks.RunFacts(root, started, DateTime.UtcNow - started, ok));
        Console.WriteLine();
        Console.WriteLine($"data:               {root}");
        Console.WriteLine($"executed notebooks: {SemDepth.Notebooks.NotebookRunner.OutputDir}");
        Console.WriteLine($"report:             {reportPath}");
        Console.WriteLine($"submissions:        {Path.Combine(Paths.Artifacts, "submissions")}");
        Console.WriteLine($"results summary:    {SemDepth.Submission.ResultsLog.Dir}");
        Console.WriteLine($"training runs:      {Paths.Runs} (tensorboard --logdir runs)");
        Console.WriteLine($"{(ok ? "done" : "FAILED")} in {sw.Elapsed.TotalMinutes:F1} min");
        return ok ? 0 : 1;
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

/// <summary>Training progress as plain lines: every finished epoch, a batch line every 5 s.</summary>
sealed class ConsoleProgress : IProgress<SemDepth.Training.TrainProgress>
{
    DateTime _last = DateTime.MinValue;
    public void Report(SemDepth.Training.TrainProgress p)
    {
        if (p.Finished is null && DateTime.UtcNow - _last < TimeSpan.FromSeconds(5)) return;
        _last = DateTime.UtcNow;
        Console.WriteLine(p);
    }
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
