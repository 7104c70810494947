using System.Globalization;
using SemDepth.Data;
using SemDepth.Models;
using SemDepth.Submission;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>What a saved method does: predict, submit, export; and one notebook run headless.</summary>
static partial class Commands
{
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
        var nets = RunExport.Export(runDir, outDir, ModeNames.Parse<ExportFormat>(format, "--format"));
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
}
