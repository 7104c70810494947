using System.CommandLine;
using System.CommandLine.Parsing;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Synthetic;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>
/// The command line (System.CommandLine): every command with typed options, defaults and --help.
/// Exit codes: 0 ok, 1 failure (bad data, a failed run), 2 usage (an unknown command or option, a value
/// that does not parse or is out of range: one "error:" line per problem, no stack trace).
/// </summary>
public static partial class Cli
{
    /// <summary>Exit code of a usage error.</summary>
    public const int Usage = (int)SemDepth.Job.ExitCode.Usage;

    /// <summary>Old spellings of the nested commands, accepted for one release with a note.</summary>
    static readonly Dictionary<string, string[]> Renamed = new(StringComparer.Ordinal)
    {
        ["bench-data"] = ["bench", "data"],
        ["bench-nets"] = ["bench", "nets"],
        ["bench-ae"] = ["bench", "ae"],
        ["bench-cyclegan"] = ["bench", "cyclegan"],
        ["bench-retrieval"] = ["bench", "retrieval"],
        ["fault-check"] = ["dev", "fault-check"],
    };

    public static int Invoke(string[] args)
    {
        Settings settings;
        try
        {
            settings = Settings.Current; // the SEMDEPTH_* variables, read once: a bad value stops here
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return Usage;
        }
        var root = Build();
        if (args.Length > 0 && Renamed.TryGetValue(args[0], out var now))
        {
            Console.Error.WriteLine($"note: '{args[0]}' is now 'semdepth {string.Join(" ", now)}'");
            args = [.. now, .. args[1..]];
        }
        if (args.Length == 0)
        {
            root.Parse("--help").Invoke();
            return Usage;
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var errors = parse.Errors.Select(e => e.Message).ToList();
            if (errors.Count > 1)
                errors.RemoveAll(m => m.StartsWith("Required command was not provided", StringComparison.Ordinal));
            foreach (var e in errors)
                Console.Error.WriteLine("error: " + e);
            var path = new List<string>();
            for (SymbolResult? r = parse.CommandResult; r is CommandResult c && c.Command != root; r = r.Parent)
                path.Insert(0, c.Command.Name);
            string cmd = string.Join(" ", ["semdepth", .. path]);
            Console.Error.WriteLine($"run '{cmd} --help' for usage");
            return Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Failure(e) is { } message)
        {
            Console.Error.WriteLine("error: " + message);
            if (settings.Debug)
                Console.Error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>The one line a failure prints: the message of the errors users cause (bad data, a full
    /// disk, a damaged checkpoint), the type too for anything unexpected. Null for Ctrl+C.</summary>
    static string? Failure(Exception e)
    {
        if (e is OperationCanceledException)
            return null;
        if (e is AggregateException { InnerExceptions.Count: 1 } a)
            e = a.InnerException!;
        bool expected =
            e
            is DataSetException
                or ImageFormatProblem
                or ArgumentException
                or IOException
                or InvalidDataException
                or InvalidOperationException
                or FormatException
                or UnauthorizedAccessException
                or SemDepth.Training.CheckpointException
                or SemDepth.Submission.SubmissionException
                or System.Text.Json.JsonException;
        return expected
            ? e.Message
            : $"unexpected {e.GetType().Name}: {e.Message} (SEMDEPTH_DEBUG=1 prints the stack trace)";
    }

    /// <summary>The command tree: what users run at the top, the benchmarks under <c>bench</c> and the developer
    /// tools under <c>dev</c>.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "SemDepth: depth maps from SEM images (2022 Samsung AI Challenge, 3D Metrology) in .NET"
        );
        foreach (
            var c in new[]
            {
                RunCommand(),
                PlanCommand(),
                GenerateCommand(),
                ValidateCommand(),
                SummaryCommand(),
                StatsCommand(),
                ConfigCommand(),
                TrainAeCommand(),
                TrainCycleGanCommand(),
                DomainShiftCommand(),
                PredictCommand(),
                SubmitCommand(),
                ExportCommand(),
                NotebookCommand(),
                DoctorCommand(),
            }
        )
            root.Subcommands.Add(c);
        var bench = new Command(
            "bench",
            "figures beside the PyTorch peer (developers): data, nets, ae, cyclegan, retrieval"
        );
        var dev = new Command("dev", "developer tools: fault-check");
        foreach (
            var (make, name) in new (Func<string, Command>, string)[]
            {
                (BenchData, "data"),
                (BenchNets, "nets"),
                (BenchAe, "ae"),
                (BenchCycleGan, "cyclegan"),
                (BenchRetrieval, "retrieval"),
            }
        )
            bench.Subcommands.Add(make(name));
        dev.Subcommands.Add(FaultCheckCommand("fault-check"));
        root.Subcommands.Add(bench);
        root.Subcommands.Add(dev);
        return root;
    }

    /// <summary>Opens the data with progress bars, then runs a benchmark with plain output (its figures are
    /// lines).</summary>
    static int WithData(string? data, Func<SemData, int> work)
    {
        SemData? d = null;
        ConsoleSink.Run(s =>
        {
            d = SemData.Open(DataRoot.Resolve(data, log: s), s);
            return 0;
        });
        using (d)
            return work(d!);
    }
}
