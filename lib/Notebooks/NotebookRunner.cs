using System.Diagnostics;
using System.Text.Json;

namespace SemDepth.Notebooks;

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
    public override string ToString() =>
        $"{(Ok ? "ok  " : "FAIL")} {Path.GetFileName(Notebook)} in {Seconds:F0} s -> {Output}"
        + (Ok ? "" : "\n    " + string.Join("\n    ", Errors));
}

/// <summary>
/// Executes notebooks headless with dotnet-repl (pinned in the local tool manifest), in order, each in
/// a fresh kernel whose working folder is notebooks/ (as in VS Code). Executed copies with outputs go
/// to artifacts/notebooks/. A notebook fails when any cell fails; the failing cells' errors are returned.
/// </summary>
public static class NotebookRunner
{
    public static string NotebookDir => Path.Combine(Workspace.Paths.Root, "notebooks");
    public static string OutputDir => Path.Combine(Workspace.Paths.Artifacts, "notebooks");

    /// <summary>The notebooks in order (01-..., 02-..., ...).</summary>
    public static IReadOnlyList<string> All() =>
        Directory.GetFiles(NotebookDir, "*.ipynb").Order(StringComparer.Ordinal).ToList();

    public static NotebookResult Run(
        string notebook,
        IReadOnlyDictionary<string, string>? env = null,
        string? outputDir = null,
        TimeSpan? timeout = null
    )
    {
        outputDir ??= OutputDir;
        Directory.CreateDirectory(outputDir);
        string output = Path.Combine(outputDir, Path.GetFileName(notebook));
        // written under another name and moved into place when the kernel has exited: a job killed mid-notebook
        // never leaves a half-written copy under the real name
        string partial = Path.Combine(outputDir, Path.GetFileNameWithoutExtension(notebook) + ".running.ipynb");
        File.Delete(partial);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(notebook))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (
            var a in new[]
            {
                "tool",
                "run",
                "dotnet-repl",
                "--",
                "--run",
                Path.GetFullPath(notebook),
                "--exit-after-run",
                "--output-path",
                partial,
            }
        )
            psi.ArgumentList.Add(a);
        psi.Environment["SEMDEPTH_ROOT"] = Workspace.Paths.Root;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // LiveProgress: one summary per training cell instead of an output per update
        psi.Environment["SEMDEPTH_HEADLESS"] = "1";
        if (env is not null)
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
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
        {
            NumberCells(partial);
            File.Move(partial, output, overwrite: true);
        }
        else
            File.Delete(output); // an older copy must not stand for this run
        var errors = File.Exists(output) ? CellErrors(output) : [];
        if (p.ExitCode != 0 && errors.Count == 0)
            errors = ["dotnet-repl exited " + p.ExitCode + ": " + Tail(so.Result + se.Result)];
        return new NotebookResult(
            notebook,
            output,
            p.ExitCode == 0 && errors.Count == 0,
            p.ExitCode,
            sw.Elapsed.TotalSeconds,
            errors
        );
    }

    /// <summary>
    /// Writes execution counts into an executed copy (dotnet-repl leaves them null): the runner executes
    /// the code cells in order, one each, so code cell k gets k, up to the first cell with an error;
    /// cells after it did not run and keep null. Outputs of kind execute_result get the same count.
    /// </summary>
    public static void NumberCells(string executedNotebook)
    {
        var doc = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(executedNotebook))!;
        int count = 0;
        bool stopped = false;
        foreach (var cell in doc["cells"]!.AsArray())
        {
            if (cell?["cell_type"]?.GetValue<string>() != "code")
                continue;
            if (stopped)
            {
                cell["execution_count"] = null;
                continue;
            }
            cell["execution_count"] = ++count;
            if (cell["outputs"] is System.Text.Json.Nodes.JsonArray outs)
                foreach (var o in outs)
                {
                    string type = o?["output_type"]?.GetValue<string>() ?? "";
                    if (type == "execute_result")
                        o!["execution_count"] = count;
                    if (type == "error")
                        stopped = true;
                }
        }
        File.WriteAllText(
            executedNotebook,
            doc.ToJsonString(
                new JsonSerializerOptions
                {
                    WriteIndented = true,
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                }
            )
        );
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
