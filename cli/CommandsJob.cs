using SemDepth.Job;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>The main job: plan and run (<see cref="MainJob"/>).</summary>
static partial class Commands
{
    /// <summary>`semdepth plan`: the main job's plan, without running it.</summary>
    public static int Plan(string? data, int? budgetMinutes, ConsoleSink sink)
    {
        foreach (var line in MainJob.Plan(data, budgetMinutes, sink).Lines())
            sink.Line(line);
        return (int)ExitCode.Done;
    }

    /// <summary>`semdepth run`: the main job.</summary>
    public static int Run(
        string? data,
        string? preset,
        string[]? notebooks,
        int? budgetMinutes,
        bool fresh,
        ConsoleSink sink
    ) =>
        (int)
            MainJob.Run(
                new MainJobRequest(
                    data,
                    preset is null ? null : ModeNames.Parse<Preset>(preset, "--preset"),
                    notebooks,
                    budgetMinutes,
                    fresh
                ),
                sink
            );
}
