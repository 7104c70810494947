using System.Globalization;
using SemDepth.Data;
using SemDepth.Synthetic;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>The console's commands: thin wrappers over the library, with typed arguments (parsed and
/// checked by <see cref="Cli"/>). Long work reports through a <see cref="ConsoleSink"/>.</summary>
static class Commands
{
    static string ResolveData(string? data, ConsoleSink sink) => DataRoot.Resolve(data, log: sink);

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
        foreach (var s in DataStatistics.SiteAverages(d.Layout))
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

    public static int TrainAe(string? data, int? epochs, string? name, bool resume, ConsoleSink sink)
    {
        using var d = SemData.Open(ResolveData(data, sink), sink);
        var opt = SemDepth.Training.DepthOptions.Default;
        if (epochs is { } e)
            opt = opt with { Epochs = e };
        if (name is not null)
            opt = opt with { Name = name };
        using var t = resume
            ? SemDepth.Training.DepthTrainer.Resume(Path.Combine(Paths.Runs, opt.Name), d, epochs)
            : new SemDepth.Training.DepthTrainer(opt, d);
        t.Fit(sink);
        sink.Line($"run folder: {t.RunDir}");
        return 0;
    }

    public static int TrainCycleGan(
        string? data,
        int? epochs,
        int? steps,
        int? batch,
        SemDepth.Training.GanKind? gan,
        bool perCase,
        string config,
        string? name,
        bool resume,
        ConsoleSink sink
    )
    {
        using var d = SemData.Open(ResolveData(data, sink), sink);
        var opt = config switch
        {
            "full" => SemDepth.Training.CycleGanOptions.Full,
            "winners" => SemDepth.Training.CycleGanOptions.Winners,
            _ => SemDepth.Training.CycleGanOptions.Default,
        };
        if (epochs is { } e)
            opt = opt with { Epochs = e };
        if (steps is { } st)
            opt = opt with { StepsPerEpoch = st };
        if (batch is { } b)
            opt = opt with { BatchSize = b };
        if (gan is { } g)
            opt = opt with
            {
                Gan = g,
                DiscNorm = g == SemDepth.Training.GanKind.WganGp ? SemDepth.Models.NormKind.None : opt.DiscNorm,
            };
        if (perCase)
            opt = opt with { PerCase = true };
        if (name is not null)
            opt = opt with { Name = name };
        using var t = resume
            ? SemDepth.Training.CycleGanTrainer.Resume(Path.Combine(Paths.Runs, opt.Name), d, epochs)
            : new SemDepth.Training.CycleGanTrainer(opt, d);
        t.Fit(sink);
        sink.Line($"run folder: {t.RunDir}");
        return 0;
    }

    public static int DomainShift(string? data, int? cycleGanEpochs, int? steps, ConsoleSink sink)
    {
        using var d = SemData.Open(ResolveData(data, sink), sink);
        var opt = new SemDepth.Training.DomainShiftOptions();
        if (cycleGanEpochs is { } e)
            opt = opt with { CycleGan = opt.CycleGan with { Epochs = e } };
        if (steps is { } st)
            opt = opt with { CycleGan = opt.CycleGan with { StepsPerEpoch = st } };
        using var x = new SemDepth.Evaluation.DomainShift(d);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        void Lap(string what)
        {
            sink.Line($"-- {what}: {sw.Elapsed.TotalSeconds:F1} s");
            sw.Restart();
        }
        x.Ae = new SemDepth.Training.DepthTrainer(opt.Ae, d);
        x.Ae.Fit(sink);
        Lap("AE");
        x.DepthNet = new SemDepth.Training.DepthTrainer(opt.DepthNet, d);
        x.DepthNet.Fit(sink);
        Lap("U-Net on sim");
        x.Classifier = new SemDepth.Training.ClassifierTrainer(opt.Classifier, d);
        x.Classifier.Fit(sink);
        Lap("classifier");
        x.CycleGan = new SemDepth.Training.CycleGanTrainer(opt.CycleGan, d);
        x.CycleGan.Fit(sink);
        Lap("CycleGAN");
        if (d.TrainTruth is not null)
        {
            x.Oracle = new SemDepth.Training.DepthTrainer(opt.Oracle, d);
            x.Oracle.Fit(sink);
            Lap("oracle");
        }
        var rows = x.Evaluate();
        Lap("evaluation");
        foreach (var r in rows)
            sink.Line($"{r.Method, -48} {r.Metric, -17} {r.Split, -28} {r.Value, 8:F3} {r.Images, 7}");
        sink.Line($"gap closed (real test): {SemDepth.Evaluation.DomainShift.GapClosed(rows):P1}");
        return 0;
    }

    /// <summary>`semdepth predict`: a saved method on the user's own images.</summary>
    public static int Predict(string? data, string method, string images, string? outDir, ConsoleSink sink)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var predictor = SemDepth.Notebooks.Predictor.Load(method, data);
        if (predictor.Method.Why.Length > 0)
            sink.Line(predictor.Method.Why);
        var result = predictor.Predict(images, sink);
        foreach (var skip in result.Skipped)
            Console.Error.WriteLine(skip.ToString());
        if (result.Count == 0)
        {
            Console.Error.WriteLine(
                $"error: none of the {result.Skipped.Count} files under {images} is a 72x48 gray SEM crop"
            );
            return 1;
        }
        outDir ??= Path.Combine(Paths.Artifacts, "predict", method);
        string csv = result.Write(outDir);
        sink.Line(
            $"{result.Method}: {result.Count:N0} images predicted in {sw.Elapsed.TotalSeconds:F1} "
                + $"s{(result.Skipped.Count > 0 ? $", {result.Skipped.Count} skipped (above)" : "")}"
        );
        sink.Line($"depth maps:   {Path.Combine(outDir, "depth")}");
        sink.Line($"measurements: {csv}");
        sink.Line($"overview:     {Path.Combine(outDir, "overview.png")}");
        return 0;
    }

    public static int Submit(string? data, string method, ConsoleSink sink)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var d = SemData.Open(ResolveData(data, sink), sink);
        _ = d.Test;
        double open = sw.Elapsed.TotalSeconds;
        var m = SemDepth.Methods.SavedMethods.Load(method, d);
        if (m.Why.Length > 0)
            sink.Line(m.Why);
        var r = SemDepth.Submission.Submit.Run(m, d, sink);
        sink.Line(
            $"{m.Predictor.Name}: {d.Test.Count:N0} test images predicted, written, zipped and validated "
                + $"in {r.Seconds:F1} s "
                + $"({d.Test.Count / r.Seconds:N0} images/s; opening the data and its cache {open:F1} s before that)"
        );
        sink.Line($"submission: {r.Zip}{(double.IsNaN(r.Score) ? "" : $", test RMSE {r.Score:F3} (hidden truth)")}");
        return 0;
    }

    /// <summary>`semdepth plan`: the main job's plan, without running it.</summary>
    public static int Plan(string? data, int? budgetMinutes, ConsoleSink sink)
    {
        string root = ResolveData(data, sink);
        var plan = SemDepth.Job.RunPlan.Make(root, budgetMinutes, SemDepth.Job.NotebookRunner.All());
        foreach (var line in plan.Lines())
            sink.Line(line);
        return 0;
    }

    /// <summary>The main job: data (generated if absent), then the notebooks headless, then the report. A job that
    /// stopped before it finished (killed, or a notebook failed) and is started again with the same request resumes
    /// (<see cref="SemDepth.Job.JobJournal"/>) unless <paramref name="fresh"/>.</summary>
    public static int Run(
        string? data,
        string? preset,
        string[]? notebooks,
        int? budgetMinutes,
        bool fresh,
        ConsoleSink sink
    )
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        // one main job a workspace: a second would overwrite the first's runs, notebooks and report
        using var job = RunLock.Acquire(Path.Combine(Paths.Artifacts, "main-job"), "semdepth run");
        if (preset is not null)
            Environment.SetEnvironmentVariable("SEMDEPTH_PRESET", preset);
        string root = ResolveData(data, sink);
        var report = DaconDataSet.Scan(root).Report;
        if (!report.Ok)
        {
            Console.Error.WriteLine(report.Format(30));
            return 1;
        }
        var env = new Dictionary<string, string> { ["SEMDEPTH_DATA"] = root };
        var chosen = SemDepth
            .Job.NotebookRunner.All()
            .Where(nb =>
                notebooks is null or []
                || notebooks.Any(w => Path.GetFileName(nb).StartsWith(w, StringComparison.Ordinal))
            )
            .ToList();
        if (chosen.Count == 0)
            throw new InvalidOperationException($"no notebooks in {SemDepth.Job.NotebookRunner.NotebookDir}");
        var (journal, plan) = StartOrResume(root, preset, budgetMinutes, chosen, fresh, sink);
        foreach (var line in plan.Lines())
            sink.Line(line);
        string planFile = Path.Combine(Paths.Artifacts, "plan.json");
        plan.Save(planFile + ".tmp"); // renamed into place: a kill never leaves half a plan to resume from
        File.Move(planFile + ".tmp", planFile, overwrite: true);
        env["SEMDEPTH_PLAN"] = planFile;
        string journalFile = SemDepth.Job.JobJournal.PathIn(Paths.Artifacts);
        journal.Save(journalFile);
        bool ok = true;
        var executed = new List<string>();
        var took = new List<(string Notebook, double Estimated, double Seconds)>();
        for (int k = 0; k < chosen.Count; k++)
        {
            string name = Path.GetFileName(chosen[k]);
            double estimated = plan.Notebooks[k].Seconds;
            string output = Path.Combine(SemDepth.Job.NotebookRunner.OutputDir, name);
            if (journal.Kept(chosen[k], output) is { } kept)
            {
                sink.Line($"kept {name}: it finished before the job stopped ({kept.Seconds:F0} s) -> {output}");
                executed.Add(output);
                took.Add((name, estimated, kept.Seconds));
                continue;
            }
            sink.Line($"running {name} ...");
            sink.Report(new WorkProgress($"notebooks ({name})", k, chosen.Count, "notebooks"));
            var nbWatch = System.Diagnostics.Stopwatch.StartNew();
            // a notebook is stopped only well past its estimate (the runner's own default is 20 minutes)
            var timeout = TimeSpan.FromSeconds(Math.Max(20 * 60, 2 * estimated + 10 * 60));
            var r = SemDepth.Job.NotebookRunner.RunHere(chosen[k], env, timeout: timeout);
            took.Add((name, estimated, nbWatch.Elapsed.TotalSeconds));
            string memory = r.Memory.Length > 0 ? "; " + r.Memory : "";
            sink.Line($"{r} (estimated {SemDepth.Job.RunPlan.Minutes(estimated)}{memory})");
            executed.Add(r.Output);
            ok &= r.Ok;
            if (!r.Ok)
                break;
            journal.MarkFinished(chosen[k], r.Output, nbWatch.Elapsed.TotalSeconds);
            journal.Save(journalFile);
        }
        sink.Report(
            new WorkProgress(
                ok ? "notebooks (done)" : "notebooks (stopped at a failure)",
                executed.Count,
                executed.Count,
                "notebooks"
            )
        );
        var warnings = SemDepth.Workspace.RunWarnings.Since(journal.Started);
        string reportPath = SemDepth.Job.RunReport.Write(
            Path.Combine(Paths.Artifacts, "report.html"),
            executed,
            new SemDepth.Job.RunFacts(root, journal.Started, DateTime.UtcNow - journal.Started, ok)
            {
                Warnings = warnings,
                Plan = plan,
                Took = took,
                Restarts = journal.Restarts,
            }
        );
        journal.Completed = ok; // after the report: a kill before this line resumes and writes the report again
        journal.Save(journalFile);
        sink.Line("");
        sink.Line($"data:               {root}");
        sink.Line($"executed notebooks: {SemDepth.Job.NotebookRunner.OutputDir}");
        sink.Line($"report:             {reportPath}");
        sink.Line($"submissions:        {Path.Combine(Paths.Artifacts, "submissions")}");
        sink.Line($"results summary:    {SemDepth.Submission.ResultsLog.Dir}");
        sink.Line($"training runs:      {Paths.Runs} (tensorboard --logdir runs)");
        foreach (var w in warnings)
            Console.Error.WriteLine($"warning: {w}");
        double planned = plan.Notebooks.Take(took.Count).Sum(e => e.Seconds);
        sink.Line(
            $"time: {SemDepth.Job.RunPlan.Minutes(took.Sum(t => t.Seconds))} for the notebooks "
                + $"against an estimate of {SemDepth.Job.RunPlan.Minutes(planned)}"
                + (plan.Caps.BudgetMinutes > 0 ? $" and a budget of {plan.Caps.BudgetMinutes:0.#} min" : "")
                + (journal.Restarts > 0 ? $" (over {journal.Restarts + 1} starts)" : "")
        );
        string status =
            !ok ? "FAILED"
            : warnings.Count > 0 ? $"COMPLETED WITH WARNINGS ({warnings.Count}, above)"
            : "done";
        sink.Line($"{status} in {sw.Elapsed.TotalMinutes:F1} min");
        return !ok ? 1
            : warnings.Count > 0 ? 3
            : 0; // 2 is a usage error
    }

    /// <summary>The journal and plan of this job: the stopped job's when it asked the same (its plan fitted again
    /// from the costs it measured), else a new journal and a plan measured now.</summary>
    static (SemDepth.Job.JobJournal, SemDepth.Job.RunPlan) StartOrResume(
        string root,
        string? preset,
        int? budgetMinutes,
        List<string> chosen,
        bool fresh,
        ConsoleSink sink
    )
    {
        string fingerprint;
        using (var d = SemData.Open(root))
            fingerprint = d.Fingerprint;
        string request = SemDepth.Job.JobJournal.RequestOf(root, fingerprint, preset, budgetMinutes, chosen);
        var last = SemDepth.Job.JobJournal.Read(SemDepth.Job.JobJournal.PathIn(Paths.Artifacts));
        string planFile = Path.Combine(Paths.Artifacts, "plan.json");
        if (!fresh && last is { Completed: false } && last.Request == request && File.Exists(planFile))
        {
            try
            {
                var plan = SemDepth.Job.RunPlan.Refit(planFile, chosen);
                last.Restarts++;
                sink.Line(
                    $"resuming the main job started {last.Started.ToLocalTime():yyyy-MM-dd HH:mm:ss}, which stopped "
                        + $"before it finished: {last.Finished.Count} notebook(s) done, the plan it measured, "
                        + "every training run from its last checkpoint (--fresh starts over)"
                );
                return (last, plan);
            }
            catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException)
            {
                sink.Line($"not resuming the stopped main job: {e.Message}");
            }
        }
        else if (!fresh && last is { Completed: false })
            sink.Line(
                "a stopped main job asked for something else (data, notebooks, preset, budget or build): starting over"
            );
        var made = SemDepth.Job.RunPlan.Make(root, budgetMinutes, chosen);
        return (new SemDepth.Job.JobJournal { Request = request, Started = DateTime.UtcNow }, made);
    }

    /// <summary>`semdepth notebook`: one notebook executed in this process; the result line, exit 1 on a failing
    /// cell.</summary>
    public static int Notebook(string notebook, string? output)
    {
        if (!File.Exists(notebook))
            throw new FileNotFoundException($"no notebook at {notebook}", notebook);
        output ??= Path.Combine(SemDepth.Job.NotebookRunner.OutputDir, Path.GetFileName(notebook));
        var r = SemDepth.Job.NotebookExecutor.Execute(notebook, output);
        (r.Ok ? Console.Out : Console.Error).WriteLine(r.ToString());
        return r.Ok ? 0 : 1;
    }

    /// <summary>Exports a run's networks for PyTorch; with <paramref name="check"/>, loads them in PyTorch
    /// (bench/exchange.py) and compares outputs on the same inputs.</summary>
    public static int Export(string run, string format, string? outDir, bool check, double tolerance)
    {
        string runDir = run.Contains('/') || run.Contains('\\') ? Path.GetFullPath(run) : Path.Combine(Paths.Runs, run);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(runDir));
        outDir ??= Path.Combine(Paths.Artifacts, "export", name);
        var nets = SemDepth.Training.RunExport.Export(runDir, outDir, format);
        foreach (var n in nets)
            Console.WriteLine(
                $"{n.Spec["network"]}: {n.WeightsFile} ({new FileInfo(n.WeightsFile).Length / 1024.0:N0} KiB; "
                    + $"spec {Path.GetFileName(n.SpecFile)})"
            );
        if (!check)
            return 0;
        foreach (var n in nets)
            SemDepth.Models.ModelExchange.WriteCheck(n);
        var (code, o, e) = Bench.Python(
            "exchange.py",
            [.. nets.Select(n => n.SpecFile), "--tolerance", tolerance.ToString("R", CultureInfo.InvariantCulture)]
        );
        if (code is null)
            return 1;
        foreach (var line in o.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Console.WriteLine("  " + line);
        if (code != 0)
            Console.Error.WriteLine(
                $"error: the PyTorch check failed{(e.Trim().Length > 0 ? ": " + e.Trim().Split('\n')[^1] : "")}"
            );
        else
            Console.WriteLine(
                $"PyTorch loads every exported network (strict) and matches TorchSharp within "
                    + $"{tolerance:G2} (float64 on both sides; the float32 difference is printed beside it)"
            );
        return code == 0 ? 0 : 1;
    }

    /// <summary>`semdepth doctor`: the environment, then every check; exit 1 with one error line a failure.</summary>
    public static int Doctor()
    {
        foreach (var line in SemDepth.Diagnostics.Doctor.Environment())
            Console.WriteLine(line);
        string notebookLib = Path.Combine(Paths.Root, "artifacts", "lib");
        Console.WriteLine(
            $"backend   this console: {Backend(AppContext.BaseDirectory)}; notebooks load {notebookLib}: "
                + $"{Backend(notebookLib)} (set with -p:TorchBackend, SEMDEPTH_TORCH_BACKEND or the file "
                + ".torch-backend; docs/dependencies.md)"
        );
        Console.WriteLine($"font      {SemDepth.Pictures.ChartPng.FontStatus}");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var results = SemDepth.Diagnostics.LayerCheck.RunAll(r =>
        {
            if (r.Passed)
                Console.WriteLine(r.ToString());
            else
                Console.Error.WriteLine(r.ToString());
        });
        int failed = results.Count(r => !r.Passed);
        string verdict =
            failed == 0
                ? $"doctor: all {results.Count} checks right in float32 against float64 "
                    + $"({sw.Elapsed.TotalSeconds:F1} s)"
                : $"doctor: {failed} of {results.Count} checks failed: this machine computes wrong numbers for them";
        (failed == 0 ? Console.Out : Console.Error).WriteLine(verdict);
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Which TorchSharp bundle the build in <paramref name="dir"/> carries, from its deps files.</summary>
    static string Backend(string dir)
    {
        if (!Directory.Exists(dir))
            return "not built (dotnet build SemDepth.Lib.csproj)";
        string deps = string.Concat(Directory.GetFiles(dir, "*.deps.json").Select(File.ReadAllText));
        return deps.Contains("\"TorchSharp-cuda-linux/", StringComparison.Ordinal) ? "cuda (TorchSharp-cuda-linux)"
            : deps.Contains("\"TorchSharp-cpu/", StringComparison.Ordinal) ? "cpu (TorchSharp-cpu)"
            : "unknown (no TorchSharp bundle in its deps files)";
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
                    Batches.Fill(
                        d.SimSem,
                        idx.AsSpan(b, 128),
                        PixelScale.Unit,
                        Batches.RandomFlips(128, 41, rep, nb),
                        buf
                    );
                rates.Add(nb / sw.Elapsed.TotalSeconds);
            }
            rates.Sort();
            Console.WriteLine(
                $"batch assembly (128 images, shuffled, flips, to float): median {rates[2]:N0} batches/s "
                    + $"({rates[2] * 128:N0} images/s)"
            );
        }
        return 0;
    }
}
