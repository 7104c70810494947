using SemDepth.Synthetic;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>The console's commands: thin wrappers over the library, with typed arguments (parsed and
/// checked by <see cref="Cli"/>). Long work reports through a <see cref="ConsoleSink"/>.</summary>
static partial class Commands
{
    static string ResolveData(string? data, ConsoleSink sink) => DataRoot.Resolve(data, log: sink);

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
}
