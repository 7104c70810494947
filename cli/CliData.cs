using System.CommandLine;

namespace SemDepth.Cli;

/// <summary>The data commands: generate, validate, summary, stats and config.</summary>
public static partial class Cli
{
    /// <summary><c>generate</c>: a synthetic data set.</summary>
    static Command GenerateCommand()
    {
        var preset = PresetOption("quick", "preset to write");
        var config = new Option<FileInfo>("--config")
        {
            Description = "a config JSON (from 'semdepth config') instead of a preset",
            HelpName = "FILE",
        };
        config.AcceptExistingOnly(); // "File does not exist: ..." at parse time
        var outDir = new Option<string?>("--out")
        {
            Description = "output folder (default data/synthetic/<preset>)",
            HelpName = "DIR",
        };
        var force = Flag("--force", "overwrite an existing data set");
        var seed = new Option<int?>("--seed")
        {
            Description = "seed instead of the preset's",
            HelpName = "N",
            CustomParser = WholeNumber<int?>,
        };
        var cmd = new Command("generate", "write a synthetic data set in the Dacon layout")
        {
            preset,
            config,
            outDir,
            force,
            seed,
        };
        cmd.SetAction(p =>
            ConsoleSink.Run(s =>
                Commands.Generate(
                    p.GetValue(preset)!,
                    p.GetValue(config),
                    p.GetValue(outDir),
                    p.GetValue(force),
                    p.GetValue(seed),
                    s
                )
            )
        );
        return cmd;
    }

    /// <summary><c>validate</c>: every problem of a data root.</summary>
    static Command ValidateCommand()
    {
        var data = DataOption();
        var max = Positive("--max", 200, "problems listed at most");
        var cmd = new Command(
            "validate",
            "report every problem in a data root (decodes every image); exit 1 when there is one"
        )
        {
            data,
            max,
        };
        cmd.SetAction(p => Commands.Validate(p.GetValue(data), p.GetValue(max)));
        return cmd;
    }

    /// <summary><c>summary</c>: counts.</summary>
    static Command SummaryCommand()
    {
        var data = DataOption();
        var cmd = new Command("summary", "counts per split, case, folder and site") { data };
        cmd.SetAction(p => ConsoleSink.Run(s => Commands.Summary(p.GetValue(data), s)));
        return cmd;
    }

    /// <summary><c>stats</c>: statistics against the published figures.</summary>
    static Command StatsCommand()
    {
        var data = DataOption();
        var cmd = new Command("stats", "image and depth statistics against the published figures") { data };
        cmd.SetAction(p => ConsoleSink.Run(s => Commands.Stats(p.GetValue(data), s)));
        return cmd;
    }

    /// <summary><c>config</c>: a preset's config as JSON.</summary>
    static Command ConfigCommand()
    {
        var preset = PresetOption("quick", "preset to print");
        var cmd = new Command(
            "config",
            "print a preset's full synthetic config as JSON (edit it, then 'generate --config FILE')"
        )
        {
            preset,
        };
        cmd.SetAction(p => Commands.Config(p.GetValue(preset)!));
        return cmd;
    }
}
