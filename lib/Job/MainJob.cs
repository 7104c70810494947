using SemDepth.Data;
using SemDepth.Synthetic;
using SemDepth.Workspace;

namespace SemDepth.Job;

/// <summary>How the main job (and the console) ends: the process's exit code.</summary>
public enum ExitCode
{
    /// <summary>Everything ran and nothing looked wrong.</summary>
    Done = 0,

    /// <summary>Bad data, a failed notebook or command.</summary>
    Failed = 1,

    /// <summary>An unknown command or option, a value that does not parse or is out of range.</summary>
    Usage = 2,

    /// <summary>Everything ran, but a warning was recorded (a suspect method, a left-out part): the status line and
    /// the report say which.</summary>
    CompletedWithWarnings = 3,
}

/// <summary>Where the main job reports: log lines, counted work and error lines (the console's sink, a test's
/// recorder).</summary>
public interface IJobConsole : IProgress<string>, IProgress<WorkProgress>
{
    /// <summary>A line of the report on the work (stdout).</summary>
    void Line(string text);

    /// <summary>An error or warning line (stderr).</summary>
    void Error(string text);
}

/// <summary>What the main job is asked for: the data root (else SEMDEPTH_DATA, else the synthetic preset), the preset
/// (else the settings'), the notebooks by prefix (all when empty), the CPU budget in minutes (else the default) and
/// whether a stopped job is started over instead of resumed.</summary>
public sealed record MainJobRequest(
    string? Data = null,
    Preset? Preset = null,
    string[]? Notebooks = null,
    int? BudgetMinutes = null,
    bool Fresh = false
);

/// <summary>
/// The main job (<c>semdepth run</c>): the data (the synthetic preset generated when no root is configured), the plan
/// under the CPU budget, the notebooks headless in this process in order, the report, and a summary of where
/// everything went. A job that stopped before it finished (killed, or a notebook failed) and is started again with
/// the same request resumes (<see cref="JobJournal"/>) unless asked for a fresh start.
/// </summary>
public static class MainJob
{
    /// <summary>The main job's plan, without running it (<c>semdepth plan</c>).</summary>
    public static RunPlan Plan(string? data, int? budgetMinutes, IProgress<string>? log = null) =>
        RunPlan.Make(DataRoot.Resolve(data, log: log), budgetMinutes, NotebookRunner.All());

    /// <summary>The main job: data (generated if absent), then the notebooks headless, then the report. A job that
    /// stopped before it finished (killed, or a notebook failed) and is started again with the same request resumes
    /// (<see cref="JobJournal"/>) unless the request asks for a fresh start.</summary>
    public static ExitCode Run(MainJobRequest request, IJobConsole sink)
    {
        var (data, preset, notebooks, budgetMinutes, fresh) = request;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        // one main job a workspace: a second would overwrite the first's runs, notebooks and report
        using var job = RunLock.Acquire(Path.Combine(Paths.Artifacts, "main-job"), "semdepth run");
        // the preset asked for is this job's setting, passed down (not written back into the environment)
        using var presetScope = Settings.Use(Settings.Current with { Preset = preset ?? Settings.Current.Preset });
        string root = DataRoot.Resolve(data, log: sink);
        var report = DaconDataSet.Scan(root).Report;
        if (!report.Ok)
        {
            sink.Error(report.Format(30));
            return ExitCode.Failed;
        }
        var settings = Settings.Current with { Data = root };
        var chosen = NotebookRunner
            .All()
            .Where(nb =>
                notebooks is null or []
                || notebooks.Any(w => Path.GetFileName(nb).StartsWith(w, StringComparison.Ordinal))
            )
            .ToList();
        if (chosen.Count == 0)
            throw new InvalidOperationException($"no notebooks in {NotebookRunner.NotebookDir}");
        var (journal, plan) = StartOrResume(root, preset, budgetMinutes, chosen, fresh, sink);
        foreach (var line in plan.Lines())
            sink.Line(line);
        string planFile = Path.Combine(Paths.Artifacts, "plan.json");
        plan.Save(planFile + ".tmp"); // renamed into place: a kill never leaves half a plan to resume from
        File.Move(planFile + ".tmp", planFile, overwrite: true);
        settings = settings with { Plan = planFile };
        string journalFile = JobJournal.PathIn(Paths.Artifacts);
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
        var warnings = RunWarnings.Since(journal.Started);
        string reportPath = RunReport.Write(
            Path.Combine(Paths.Artifacts, "report.html"),
            executed,
            new RunFacts(root, journal.Started, DateTime.UtcNow - journal.Started, ok)
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
        RunPlan plan,
        JobJournal journal,
        string journalFile,
        Settings settings,
        IJobConsole sink
    )
    {
        bool ok = true;
        var executed = new List<string>();
        var took = new List<(string Notebook, double Estimated, double Seconds)>();
        for (int k = 0; k < chosen.Count; k++)
        {
            string name = Path.GetFileName(chosen[k]);
            double estimated = plan.Notebooks[k].Seconds;
            string output = Path.Combine(NotebookRunner.OutputDir, name);
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
            var r = NotebookRunner.RunHere(chosen[k], settings, timeout: timeout);
            took.Add((name, estimated, nbWatch.Elapsed.TotalSeconds));
            string memory = r.Memory.Length > 0 ? "; " + r.Memory : "";
            sink.Line($"{r} (estimated {RunPlan.Minutes(estimated)}{memory})");
            executed.Add(r.Output);
            ok &= r.Ok;
            if (!r.Ok)
                break;
            journal.MarkFinished(chosen[k], r.Output, nbWatch.Elapsed.TotalSeconds);
            journal.Save(journalFile);
        }
        return (ok, executed, took);
    }

    /// <summary>Where everything went, the time against the estimate, the warnings and the status line; the exit
    /// code.</summary>
    static ExitCode Summarize(
        string root,
        string reportPath,
        RunPlan plan,
        JobJournal journal,
        bool ok,
        List<(string Notebook, double Estimated, double Seconds)> took,
        IReadOnlyList<string> warnings,
        System.Diagnostics.Stopwatch sw,
        IJobConsole sink
    )
    {
        sink.Line("");
        sink.Line($"data:               {root}");
        sink.Line($"executed notebooks: {NotebookRunner.OutputDir}");
        sink.Line($"report:             {reportPath}");
        sink.Line($"submissions:        {Path.Combine(Paths.Artifacts, "submissions")}");
        sink.Line($"results summary:    {Submission.ResultsLog.Dir}");
        sink.Line($"training runs:      {Paths.Runs} (tensorboard --logdir runs)");
        foreach (var w in warnings)
            sink.Error($"warning: {w}");
        double planned = plan.Notebooks.Take(took.Count).Sum(e => e.Seconds);
        sink.Line(
            $"time: {RunPlan.Minutes(took.Sum(t => t.Seconds))} for the notebooks "
                + $"against an estimate of {RunPlan.Minutes(planned)}"
                + (plan.Caps.BudgetMinutes > 0 ? $" and a budget of {plan.Caps.BudgetMinutes:0.#} min" : "")
                + (journal.Restarts > 0 ? $" (over {journal.Restarts + 1} starts)" : "")
        );
        string status =
            !ok ? "FAILED"
            : warnings.Count > 0 ? $"COMPLETED WITH WARNINGS ({warnings.Count}, above)"
            : "done";
        sink.Line($"{status} in {sw.Elapsed.TotalMinutes:F1} min");
        return !ok ? ExitCode.Failed
            : warnings.Count > 0 ? ExitCode.CompletedWithWarnings
            : ExitCode.Done;
    }

    /// <summary>The journal and plan of this job: the stopped job's when it asked the same (its plan fitted again
    /// from the costs it measured), else a new journal and a plan measured now.</summary>
    static (JobJournal, RunPlan) StartOrResume(
        string root,
        Preset? preset,
        int? budgetMinutes,
        List<string> chosen,
        bool fresh,
        IJobConsole sink
    )
    {
        string fingerprint;
        using (var d = SemData.Open(root))
            fingerprint = d.Fingerprint;
        string request = JobJournal.RequestOf(
            root,
            fingerprint,
            preset is { } p ? ModeNames.Of(p) : null,
            budgetMinutes,
            chosen
        );
        var last = JobJournal.Read(JobJournal.PathIn(Paths.Artifacts));
        string planFile = Path.Combine(Paths.Artifacts, "plan.json");
        if (!fresh && last is { Completed: false } && last.Request == request && File.Exists(planFile))
        {
            try
            {
                var plan = RunPlan.Refit(planFile, chosen);
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
        var made = RunPlan.Make(root, budgetMinutes, chosen);
        return (new JobJournal { Request = request, Started = DateTime.UtcNow }, made);
    }
}
