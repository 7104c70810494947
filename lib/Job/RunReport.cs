using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Markdig;

namespace SemDepth.Job;

/// <summary>What the main job knows about its run, for <see cref="RunReport"/>.</summary>
public sealed record RunFacts(
    string DataRoot,
    DateTime Started,
    TimeSpan Elapsed,
    bool Ok,
    string? RunsDir = null,
    string? ResultsDir = null
)
{
    /// <summary>What the run must not end silently over (<see cref="Workspace.RunWarnings"/>): a suspect
    /// method, a method <c>auto</c> skipped.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The plan the run kept to: its caps and each notebook's estimate.</summary>
    public RunPlan? Plan { get; init; }

    /// <summary>How many times the job was started again after a stop (<see cref="JobJournal"/>).</summary>
    public int Restarts { get; init; }

    /// <summary>Each executed notebook's estimated and measured seconds.</summary>
    public IReadOnlyList<(string Notebook, double Estimated, double Seconds)> Took { get; init; } = [];

    /// <summary>The status line at the top of the report.</summary>
    public string Status =>
        !Ok ? "FAILED (see the notebook that stopped below)"
        : Warnings.Count > 0 ? $"completed with warnings ({Warnings.Count}, listed below)"
        : "completed";
}

/// <summary>
/// One self-contained results page for reviewers (artifacts/report.html): the submission's score, the
/// run's evaluation table, then every executed notebook in order (its narrative, its pictures and
/// tables, its code folded away), then the data root and the options of every trained part. Pictures
/// are inline PNG data, styles inline; the page has no script and loads nothing from the network.
/// </summary>
public static partial class RunReport
{
    static readonly MarkdownPipeline Md = new MarkdownPipelineBuilder().UsePipeTables().UseEmphasisExtras().Build();

    /// <summary>Writes the page to <paramref name="path"/> and returns it.</summary>
    public static string Write(string path, IReadOnlyList<string> executedNotebooks, RunFacts facts)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, Build(executedNotebooks, facts), new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    /// <summary>The page as a string.</summary>
    public static string Build(IReadOnlyList<string> executedNotebooks, RunFacts facts)
    {
        var notebooks = executedNotebooks
            .Where(File.Exists)
            .Select(p => (Path: p, Doc: JsonNode.Parse(File.ReadAllText(p))!))
            .ToList();
        var sb = new StringBuilder();
        sb.Append(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>SemDepth run "
                    + "report</title><style>"
            )
            .Append(Css)
            .Append("</style></head><body><main>");
        sb.Append("<h1>SemDepth run report</h1>");
        AppendFacts(sb, facts, notebooks);
        AppendSubmission(sb, facts);
        AppendEvaluation(sb, facts, notebooks);
        AppendNotebooks(sb, notebooks);
        AppendOptions(sb, facts);
        sb.Append("</section></main></body></html>");
        return sb.ToString();
    }

    /// <summary>The facts table: status, warnings, times, data root, plan and caps, scoring.</summary>
    static void AppendFacts(StringBuilder sb, RunFacts facts, List<(string Path, JsonNode Doc)> notebooks)
    {
        sb.Append("<table class=\"facts\">");
        Fact(sb, "status", facts.Status);
        if (facts.Warnings.Count > 0)
            sb.Append("<tr><th>warnings</th><td><ul>")
                .Append(string.Concat(facts.Warnings.Select(w => $"<li>{E(w)}</li>")))
                .Append("</ul></td></tr>");
        Fact(sb, "started", facts.Started.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        Fact(
            sb,
            "took",
            $"{facts.Elapsed.TotalMinutes:F1} min"
                + (
                    facts.Restarts > 0
                        ? $" (resumed {facts.Restarts} time(s) after a stop; the time includes the gaps)"
                        : ""
                )
        );
        Fact(sb, "data root", facts.DataRoot);
        if (facts.Plan is { } plan)
        {
            Fact(
                sb,
                "plan",
                plan.Caps.BudgetMinutes > 0
                    ? $"budget {plan.Caps.BudgetMinutes:0.#} min on {plan.Device}; "
                        + $"{(plan.Caps.Any ? "caps:" : "the published sizes fit, no caps")}"
                    : $"no budget on {plan.Device}: the published sizes"
            );
            if (plan.Caps.Any)
                sb.Append("<tr><th>caps</th><td><ul>")
                    .Append(string.Concat(plan.Caps.Lines.Select(l => $"<li>{E(l)}</li>")))
                    .Append("</ul></td></tr>");
            if (facts.Took.Count > 0)
                Fact(
                    sb,
                    "time per notebook",
                    string.Join(
                        "; ",
                        facts.Took.Select(t =>
                            $"{t.Notebook[..2]} {RunPlan.Minutes(t.Seconds)} (estimated {RunPlan.Minutes(t.Estimated)})"
                        )
                    )
                );
        }
        if (!Directory.Exists(Path.Combine(facts.DataRoot, Data.DaconNames.Truth)))
            Fact(
                sb,
                "scoring",
                "no hidden truth: methods ranked by held-out site-average MAE (the sites no method trained on)"
            );
        Fact(sb, "notebooks", string.Join(", ", notebooks.Select(n => Path.GetFileName(n.Path))));
        sb.Append("</table>");
    }

    /// <summary>The submission written by this run (results log rows since it started).</summary>
    static void AppendSubmission(StringBuilder sb, RunFacts facts)
    {
        sb.Append("<h2 id=\"submission\">Submission</h2>");
        // results.csv keeps local times to the second
        var rows = Submission
            .ResultsLog.Read(facts.ResultsDir)
            .Where(r => r.When >= facts.Started.ToLocalTime().AddSeconds(-1))
            .GroupBy(r => r.Method) // a job killed after a submission and resumed wrote that method twice
            .Select(g => g.Last())
            .OrderBy(r => r.When)
            .ToList();
        if (rows.Count == 0)
            sb.Append("<p>No submission was written by this run.</p>");
        else
        {
            sb.Append("<table><thead><tr>");
            sb.Append("<th>method</th><th>test RMSE</th><th>submission</th><th>checkpoint</th>");
            sb.Append("</tr></thead><tbody>");
            foreach (var r in rows)
            {
                string rmse = double.IsNaN(r.TestRmse)
                    ? "n/a (no hidden truth)"
                    : r.TestRmse.ToString("F3", CultureInfo.InvariantCulture);
                sb.Append($"<tr><td>{E(r.Method)}</td><td>{E(rmse)}</td>");
                sb.Append($"<td>{E(r.Submission)}</td><td>{E(r.Checkpoint)}</td></tr>");
            }
            sb.Append("</tbody></table>");
        }
    }

    /// <summary>The evaluation: the last one-row-a-method table (where the error lives), then the last long
    /// table.</summary>
    static void AppendEvaluation(StringBuilder sb, RunFacts facts, List<(string Path, JsonNode Doc)> notebooks)
    {
        sb.Append("<h2 id=\"evaluation\">Evaluation</h2>");
        bool any = false;
        bool truth = Directory.Exists(Path.Combine(facts.DataRoot, Data.DaconNames.Truth));
        string methodCaption = truth
            ? "one row a method: real test RMSE, plateau/hole pixels, per case, per-image quantiles, held-out site MAE"
            : "one row a method, best first: site-average MAE on the held-out sites, per Depth folder, and "
                + "sim validation RMSE";
        foreach (
            var (marker, caption) in new[] { ("MethodTable(", methodCaption), ("EvalTable(", "every metric and split") }
        )
        {
            var found = notebooks
                .SelectMany(n =>
                    Cells(n.Doc)
                        .Where(c => Source(c).Contains(marker, StringComparison.Ordinal))
                        .Select(c => (Notebook: Path.GetFileName(n.Path), Cell: c))
                )
                .ToList();
            if (found.Count == 0)
                continue;
            any = true;
            var (nb, cell) = found[^1];
            sb.Append($"<p class=\"note\">from {E(nb)}: {E(caption)}</p>");
            foreach (var o in Outputs(cell))
                AppendOutput(sb, o);
        }
        if (!any)
            sb.Append("<p>No evaluation table in the notebooks that ran.</p>");
    }

    /// <summary>The contents and every notebook: markdown, code folded, outputs.</summary>
    static void AppendNotebooks(StringBuilder sb, List<(string Path, JsonNode Doc)> notebooks)
    {
        sb.Append("<h2>Contents</h2><ol>");
        foreach (var (p, doc) in notebooks)
            sb.Append($"<li><a href=\"#{Anchor(p)}\">{E(Title(doc, p))}</a></li>");
        sb.Append("<li><a href=\"#options\">Data and options of every trained part</a></li></ol>");

        foreach (var (p, doc) in notebooks)
        {
            sb.Append($"<section id=\"{Anchor(p)}\"><div class=\"nbname\">{E(Path.GetFileName(p))}</div>");
            foreach (var cell in Cells(doc))
            {
                string type = cell["cell_type"]?.GetValue<string>() ?? "";
                if (type == "markdown")
                    sb.Append("<div class=\"md\">").Append(Markdown.ToHtml(Source(cell), Md)).Append("</div>");
                else if (type == "code")
                {
                    string count = cell["execution_count"] is JsonValue v ? v.ToString() : " ";
                    sb.Append(
                        $"<details class=\"code\"><summary>In "
                            + $"[{E(count)}]</summary><pre>{E(Source(cell))}</pre></details>"
                    );
                    foreach (var o in Outputs(cell))
                        AppendOutput(sb, o);
                }
            }
            sb.Append("</section>");
        }
    }

    /// <summary>The data root and every trained part's options and last metrics row (the section is closed by
    /// the caller).</summary>
    static void AppendOptions(StringBuilder sb, RunFacts facts)
    {
        sb.Append("<section id=\"options\"><h2>Data and options of every trained part</h2>");
        sb.Append($"<p>data root: <code>{E(facts.DataRoot)}</code></p>");
        string runs = facts.RunsDir ?? Workspace.Paths.Runs;
        var runDirs = Directory.Exists(runs)
            ? Directory
                .GetDirectories(runs)
                .Where(d => File.Exists(Path.Combine(d, "options.json")))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
        if (runDirs.Count == 0)
            sb.Append("<p>No trained parts in the runs folder.</p>");
        foreach (var d in runDirs)
        {
            string opts = Path.Combine(d, "options.json");
            var when = File.GetLastWriteTimeUtc(opts);
            string age =
                when >= facts.Started.AddSeconds(-1)
                    ? "trained in this run"
                    : $"from an earlier run ({when:yyyy-MM-dd HH:mm} UTC)";
            string json;
            try
            {
                json = JsonNode
                    .Parse(File.ReadAllText(opts))!
                    .ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            }
            catch (JsonException e)
            {
                json = "unreadable options.json: " + e.Message;
            }
            sb.Append($"<h3>{E(Path.GetFileName(d))} <span class=\"note\">{E(age)}</span></h3><pre>{E(json)}</pre>");
            string metrics = Path.Combine(d, "metrics.csv");
            if (File.Exists(metrics))
            {
                var lines = File.ReadAllLines(metrics);
                if (lines.Length > 1)
                    sb.Append(
                        $"<p class=\"note\">metrics.csv, last of {lines.Length - 1} "
                            + $"rows:</p><pre>{E(lines[0])}\n{E(lines[^1])}</pre>"
                    );
            }
        }
    }

    static void AppendOutput(StringBuilder sb, JsonNode o)
    {
        string type = o["output_type"]?.GetValue<string>() ?? "";
        if (type == "stream")
        {
            sb.Append($"<pre class=\"out\">{E(Text(o["text"]))}</pre>");
            return;
        }
        if (type == "error")
        {
            sb.Append($"<pre class=\"err\">{E(o["ename"] + ": " + o["evalue"])}</pre>");
            return;
        }
        if (o["data"] is not JsonObject data)
            return;
        if (data["image/png"] is { } png)
        {
            string alt = Text(data["text/plain"]).Split('\n')[0];
            sb.Append(
                $"<figure><img alt=\"{E(alt)}\" src=\"data:image/png;base64,{Text(png).Replace("\n", "")}\"/></figure>"
            );
        }
        else if (data["text/html"] is { } html)
            sb.Append("<div class=\"out\">").Append(NoScript(Text(html))).Append("</div>");
        else if (data["text/plain"] is { } text)
            sb.Append($"<pre class=\"out\">{E(Text(text))}</pre>");
    }

    /// <summary>HTML from a notebook output with every script, inline handler and external reference removed.</summary>
    public static string NoScript(string html)
    {
        html = ScriptRx().Replace(html, "");
        html = HandlerRx().Replace(html, "");
        return ExternalRx().Replace(html, "$1=\"#\"");
    }

    [GeneratedRegex(@"<script\b[^>]*>.*?</script\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ScriptRx();

    [GeneratedRegex(@"\son[a-z]+\s*=\s*(""[^""]*""|'[^']*'|[^\s>]+)", RegexOptions.IgnoreCase)]
    private static partial Regex HandlerRx();

    [GeneratedRegex(@"\b(src|href)\s*=\s*""(?:https?:)?//[^""]*""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalRx();

    static IEnumerable<JsonNode> Cells(JsonNode doc) => doc["cells"]?.AsArray().OfType<JsonNode>() ?? [];

    static IEnumerable<JsonNode> Outputs(JsonNode cell) => cell["outputs"]?.AsArray().OfType<JsonNode>() ?? [];

    static string Source(JsonNode cell) => Text(cell["source"]);

    static string Text(JsonNode? n) =>
        n switch
        {
            JsonArray a => string.Concat(a.Select(x => x?.GetValue<string>())),
            JsonValue v => v.ToString(),
            _ => "",
        };

    static string Title(JsonNode doc, string path)
    {
        foreach (var c in Cells(doc).Where(c => c["cell_type"]?.GetValue<string>() == "markdown"))
        foreach (var line in Source(c).Split('\n'))
            if (line.StartsWith("# ", StringComparison.Ordinal))
                return line[2..].Trim();
        return Path.GetFileNameWithoutExtension(path);
    }

    static string Anchor(string path) => "nb-" + Path.GetFileNameWithoutExtension(path);

    static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    static void Fact(StringBuilder sb, string k, string v) => sb.Append($"<tr><th>{E(k)}</th><td>{E(v)}</td></tr>");

    const string Css = """
        body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;color:#222;background:#fff;margin:0}
        main{max-width:1100px;margin:0 auto;padding:16px 24px}
        h1{font-size:26px}h2{font-size:21px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}
        section{margin-top:36px}
        .nbname{font-family:monospace;color:#666;font-size:12px;border-top:3px solid #1f77b4;padding-top:6px}
        .md{line-height:1.45}.md code,code{background:#f3f3f3;padding:1px 3px}
        table{border-collapse:collapse;font-size:13px;margin:8px 0}
        th,td{padding:3px 9px;border-bottom:1px solid #ddd;text-align:left}
        table.facts th{color:#555;font-weight:normal}
        pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:12px}pre.err{background:#fdecea;color:#a00}
        details.code summary{color:#777;font-family:monospace;font-size:12px;cursor:pointer}
        figure{margin:8px 0}img{max-width:100%;height:auto;border:1px solid #eee}
        .note{color:#666;font-size:13px;font-weight:normal}div.out{overflow-x:auto}
        """;
}
