using SemDepth.Data;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>The main job: plan and run.</summary>
static partial class Commands
{
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
        // the preset asked for is this job's setting, passed down (not written back into the environment)
        using var presetScope = Settings.Use(
            preset is null
                ? Settings.Current
                : Settings.Current with
                {
                    Preset = ModeNames.Parse<Preset>(preset, "--preset"),
                }
        );
        string root = ResolveData(data, sink);
        var report = DaconDataSet.Scan(root).Report;
        if (!report.Ok)
        {
            Console.Error.WriteLine(report.Format(30));
            return 1;
        }
        var settings = Settings.Current with { Data = root };
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
        settings = settings with { Plan = planFile };
        string journalFile = SemDepth.Job.JobJournal.PathIn(Paths.Artifacts);
        journal.Save(journalFile);
        var (ok, executed, took) = RunNotebooks(chosen, plan, journal, journalFile, settings, sink);
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
        return Summarize(root, reportPath, plan, journal, ok, took, warnings, sw, sink);
    }

    /// <summary>Runs the chosen notebooks in order, keeping those a stopped job finished; stops at the first
    /// failure. Returns whether all ran, the executed copies and each notebook's estimate and time.</summary>
    static (
        bool Ok,
        List<string> Executed,
        List<(string Notebook, double Estimated, double Seconds)> Took
    ) RunNotebooks(
        List<string> chosen,
        SemDepth.Job.RunPlan plan,
        SemDepth.Job.JobJournal journal,
        string journalFile,
        Settings settings,
        ConsoleSink sink
    )
    {
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
            var r = SemDepth.Job.NotebookRunner.RunHere(chosen[k], settings, timeout: timeout);
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
        return (ok, executed, took);
    }

    /// <summary>Where everything went, the time against the estimate, the warnings and the status line; the exit code
    /// (0 done, 1 failed, 3 completed with warnings; 2 is a usage error).</summary>
    static int Summarize(
        string root,
        string reportPath,
        SemDepth.Job.RunPlan plan,
        SemDepth.Job.JobJournal journal,
        bool ok,
        List<(string Notebook, double Estimated, double Seconds)> took,
        IReadOnlyList<string> warnings,
        System.Diagnostics.Stopwatch sw,
        ConsoleSink sink
    )
    {
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
}
