using System.Diagnostics;
using System.Text.Json;
using SemDepth.Workspace;

namespace SemDepth.Job;

/// <summary>Outcome of one headless notebook run.</summary>
public sealed record NotebookResult(
    string Notebook,
    string Output,
    bool Ok,
    int ExitCode,
    double Seconds,
    IReadOnlyList<string> Errors
)
{
    /// <summary>The process's memory after the notebook, where it ran in this process ("" otherwise); the main job
    /// prints it after the estimate.</summary>
    public string Memory { get; init; } = "";

    public override string ToString() =>
        $"{(Ok ? "ok  " : "FAIL")} {Path.GetFileName(Notebook)} in {Seconds:F0} s -> {Output}"
        + (Ok ? "" : "\n    " + string.Join("\n    ", Errors));
}

/// <summary>
/// Executes notebooks headless with <see cref="NotebookExecutor"/> (Roslyn scripting, in the library), in order,
/// each in a fresh script state whose working folder is notebooks/ (as in VS Code). Executed copies with outputs go
/// to artifacts/notebooks/, written under <c>*.running.ipynb</c> and renamed when the notebook has finished, so a
/// killed job never leaves half a notebook under the real name. A notebook fails when any cell fails; the failing
/// cell's error is returned. <see cref="RunHere"/> runs in this process (the main job: one process, no start-up per
/// notebook); <see cref="Run"/> in a process of its own (<c>semdepth notebook</c>), for callers that must not share
/// this process's environment and statics (the tests).
/// </summary>
public static class NotebookRunner
{
    public static string NotebookDir => Path.Combine(Workspace.Paths.Root, "notebooks");
    public static string OutputDir => Path.Combine(Workspace.Paths.Artifacts, "notebooks");

    /// <summary>The notebooks in order (01-..., 02-..., ...).</summary>
    public static IReadOnlyList<string> All() =>
        Directory.GetFiles(NotebookDir, "*.ipynb").Order(StringComparer.Ordinal).ToList();

    /// <summary>The settings every headless notebook gets: <paramref name="settings"/> (else the current ones) with
    /// the workspace root and the headless switch (LiveProgress: one summary per training cell instead of an update
    /// per batch).</summary>
    static Settings Headless(Settings? settings) =>
        (settings ?? Settings.Current) with
        {
            Root = Paths.Root,
            Headless = true,
        };

    /// <summary>Executes <paramref name="notebook"/> in this process with <paramref name="settings"/> in use for the
    /// duration (the run's caps are read from its plan).</summary>
    public static NotebookResult RunHere(
        string notebook,
        Settings? settings = null,
        string? outputDir = null,
        TimeSpan? timeout = null
    )
    {
        var (output, partial) = Outputs(notebook, outputDir);
        var use = Headless(settings);
        var scope = Settings.Use(use);
        RunCaps.Use(RunCaps.Load(use.Plan));
        NotebookResult r;
        try
        {
            r = NotebookExecutor.Execute(notebook, partial, timeout);
            File.Move(partial, output, overwrite: true);
        }
        finally
        {
            scope.Dispose();
            RunCaps.Use(RunCaps.Load(Settings.Current.Plan));
        }
        return r with { Output = output, Memory = Release() };
    }

    /// <summary>What the notebook's cells held (tensors, mapped images) goes before the next one starts: collected,
    /// finalised and the freed heap handed back; says the resident and peak memory after it.</summary>
    static string Release()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long trimmed = Torch.NativeHeap.Trim();
        static string Gb(long bytes) => $"{bytes / 1e9:F1} GB";
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return $"resident {Gb(Environment.WorkingSet)} after it, {Gb(trimmed)} handed back; "
            + $"peak {Gb(self.PeakWorkingSet64)}";
    }

    /// <summary>Executes <paramref name="notebook"/> in a process of its own: <c>semdepth notebook</c> from this
    /// program's folder (the console's, or a test run's that carries it).</summary>
    public static NotebookResult Run(
        string notebook,
        Settings? settings = null,
        string? outputDir = null,
        TimeSpan? timeout = null
    )
    {
        var (output, partial) = Outputs(notebook, outputDir);
        string host = Path.Combine(AppContext.BaseDirectory, "semdepth.dll");
        if (!File.Exists(host))
            throw new FileNotFoundException($"no semdepth console beside this program to run notebooks in ({host})");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { host, "notebook", Path.GetFullPath(notebook), "--out", partial })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        Headless(settings).ApplyTo(psi.Environment);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(20)))
        {
            p.Kill(entireProcessTree: true);
            File.Delete(partial);
            return new NotebookResult(
                notebook,
                output,
                false,
                -1,
                sw.Elapsed.TotalSeconds,
                [$"timed out after {sw.Elapsed.TotalMinutes:F0} min (stopped; its outputs are lost)"]
            );
        }
        if (File.Exists(partial))
            File.Move(partial, output, overwrite: true);
        else
            File.Delete(output); // an older copy must not stand for this run
        var errors = File.Exists(output) ? CellErrors(output) : [];
        if (p.ExitCode != 0 && errors.Count == 0)
            errors = ["semdepth notebook exited " + p.ExitCode + ": " + Tail(so.Result + se.Result)];
        return new NotebookResult(
            notebook,
            output,
            p.ExitCode == 0 && errors.Count == 0,
            p.ExitCode,
            sw.Elapsed.TotalSeconds,
            errors
        );
    }

    /// <summary>The executed copy's path and the name it is written under until the notebook has finished.</summary>
    static (string Output, string Partial) Outputs(string notebook, string? outputDir)
    {
        outputDir ??= OutputDir;
        Directory.CreateDirectory(outputDir);
        string partial = Path.Combine(outputDir, Path.GetFileNameWithoutExtension(notebook) + ".running.ipynb");
        File.Delete(partial);
        return (Path.Combine(outputDir, Path.GetFileName(notebook)), partial);
    }

    /// <summary>Error outputs of an executed notebook: "cell N: message".</summary>
    public static List<string> CellErrors(string executedNotebook)
    {
        var list = new List<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(executedNotebook));
        int n = 0;
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            n++;
            if (!cell.TryGetProperty("outputs", out var outs))
                continue;
            foreach (var o in outs.EnumerateArray())
            {
                string type = o.TryGetProperty("output_type", out var t) ? t.GetString() ?? "" : "";
                bool isErr =
                    type == "error"
                    || (
                        type == "stream"
                        && o.TryGetProperty("name", out var nm)
                        && nm.GetString() == "stderr"
                        && Text(o).Contains("error", StringComparison.OrdinalIgnoreCase)
                    );
                if (isErr)
                    list.Add($"cell {n}: {Tail(Text(o), 600)}");
            }
        }
        return list;
    }

    static string Text(JsonElement o)
    {
        foreach (var key in new[] { "text", "evalue", "traceback" })
            if (o.TryGetProperty(key, out var v))
                return v.ValueKind == JsonValueKind.Array
                    ? string.Concat(v.EnumerateArray().Select(x => x.GetString()))
                    : v.ToString();
        return o.ToString();
    }

    static string Tail(string s, int n = 2000) => s.Length <= n ? s.Trim() : "…" + s[^n..].Trim();
}
