using System.CommandLine;

namespace SemDepth.Cli;

/// <summary>The main job's commands: run, plan and notebook.</summary>
public static partial class Cli
{
    /// <summary><c>run</c>: the main job.</summary>
    static Command RunCommand()
    {
        var data = DataOption();
        var preset = PresetOption(
            "quick",
            "synthetic preset generated when no data root is configured and for SEMDEPTH_PRESET"
        );
        var notebooks = new Option<string[]?>("--notebooks")
        {
            Description = "only these notebooks, by prefix, comma-separated (e.g. 01,02)",
            HelpName = "LIST",
            CustomParser = r =>
                r.Tokens.SelectMany(t =>
                        t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    )
                    .ToArray(),
            Validators =
            {
                r =>
                {
                    var all = SemDepth.Job.NotebookRunner.All().Select(Path.GetFileName).ToList();
                    foreach (var w in Value<string[]?>(r) ?? [])
                        if (!all.Any(n => n!.StartsWith(w, StringComparison.Ordinal)))
                            r.AddError(
                                $"--notebooks: no notebook starts with '{w}' (there are {string.Join(", ", all)})"
                            );
                },
            },
        };
        var budget = Budget(
            $"minutes the run keeps to by capping training images, steps and evaluation samples "
                + $"(default on a CPU {SemDepth.Job.RunPlan.DefaultCpuBudgetMinutes:0}, on a GPU "
                + $"none: the published sizes; 0: none)"
        );
        var fresh = new Option<bool>("--fresh")
        {
            Description =
                "start over even when the same job stopped before it finished (by default it resumes: "
                + "finished notebooks kept, training runs continued from their last checkpoint)",
        };
        var cmd = new Command(
            "run",
            "the main job: data (the quick synthetic set generated if none is configured), a plan "
                + "with each notebook's estimated time, every notebook executed headless into "
                + "artifacts/notebooks/, the submission, artifacts/report.html"
        )
        {
            data,
            preset,
            notebooks,
            budget,
            fresh,
        };
        cmd.SetAction(p =>
            ConsoleSink.Run(s =>
                Commands.Run(
                    p.GetValue(data),
                    p.GetResult(preset) is { Implicit: false } ? p.GetValue(preset) : null,
                    p.GetValue(notebooks),
                    p.GetValue(budget),
                    p.GetValue(fresh),
                    s
                )
            )
        );
        return cmd;
    }

    /// <summary><c>plan</c>: what run would do.</summary>
    static Command PlanCommand()
    {
        var data = DataOption();
        var budget = Budget("minutes, as for run");
        var cmd = new Command(
            "plan",
            "what run would do on this data root and device: the unit costs measured here, the caps "
                + "its budget needs and each notebook's estimated time"
        )
        {
            data,
            budget,
        };
        cmd.SetAction(p => ConsoleSink.Run(s => Commands.Plan(p.GetValue(data), p.GetValue(budget), s)));
        return cmd;
    }

    /// <summary><c>notebook</c>: one notebook headless.</summary>
    static Command NotebookCommand()
    {
        var file = new Argument<string>("notebook") { Description = "the .ipynb to execute" };
        var outPath = new Option<string>("--out")
        {
            Description = "where the executed copy goes (default artifacts/notebooks/<name>)",
            HelpName = "FILE",
        };
        var cmd = new Command(
            "notebook",
            "execute one notebook headless in this process (Roslyn scripting) and write the executed copy; "
                + "exit 1 naming the failing cell"
        )
        {
            file,
            outPath,
        };
        cmd.SetAction(p => Commands.Notebook(p.GetValue(file)!, p.GetValue(outPath)));
        return cmd;
    }
}
