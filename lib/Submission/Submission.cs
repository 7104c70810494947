using System.Globalization;
using System.IO.Compression;
using SemDepth.Data;
using SemDepth.Methods;
using SemDepth.Workspace;

namespace SemDepth.Submission;

/// <summary>A submission that fails validation; the message lists every problem.</summary>
public sealed class SubmissionException(string zip, IReadOnlyList<string> problems)
    : Exception($"{zip}: {problems.Count} problem(s)\n  - " + string.Join("\n  - ", problems.Take(30)) + (problems.Count > 30 ? $"\n  ... and {problems.Count - 30} more" : ""))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Writes the competition's submission: one 72x48 8-bit gray PNG depth map per test image, named like
/// the test file, at the zip root. Predicts in streamed batches (bounded memory), writes to a temporary
/// file and renames it (never overwriting an earlier submission), then validates the result.
/// </summary>
public static class SubmissionWriter
{
    public static string Write(IDepthPredictor predictor, SemData d, string outDir, int batch = 2048, IProgress<WorkProgress>? progress = null)
    {
        var counter = new WorkCounter(progress, "predict and write", d.Test.Count);
        Directory.CreateDirectory(outDir);
        string stem = $"submission-{Slug(predictor.Name)}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        string path = Path.Combine(outDir, stem + ".zip");
        for (int k = 2; File.Exists(path); k++) path = Path.Combine(outDir, $"{stem}-{k}.zip"); // never overwrite
        string tmp = path + ".tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew))
            using (var zip = new ZipArchive(fs, ZipArchiveMode.Create))
            {
                for (int s = 0; s < d.Test.Count; s += batch)
                {
                    int n = Math.Min(batch, d.Test.Count - s);
                    var pred = predictor.Predict(d.Test, Enumerable.Range(s, n).ToList());
                    var pngs = new byte[n][];
                    Parallel.For(0, n, k => pngs[k] = Png8.Encode(pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels)));
                    for (int k = 0; k < n; k++)
                    {
                        using var e = zip.CreateEntry(d.Set.Test[s + k].Name, CompressionLevel.NoCompression).Open(); // PNG is compressed already
                        e.Write(pngs[k]);
                    }
                    counter.Add(n);
                }
            }
            SubmissionValidator.Validate(tmp, d.Set.Test.Select(t => t.Name).ToList(), d.Set.SampleSubmissionPath);
            File.Move(tmp, path, overwrite: false);
            return path;
        }
        finally { if (File.Exists(tmp)) File.Delete(tmp); }
    }

    static string Slug(string s) => new(s.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());
}

/// <summary>Checks a submission zip the way the competition would, reporting every problem.</summary>
public static class SubmissionValidator
{
    /// <summary>Throws <see cref="SubmissionException"/> unless the zip holds exactly one valid PNG per test name.</summary>
    public static void Validate(string zipPath, IReadOnlyList<string> testNames, string? sampleSubmission = null)
    {
        var problems = Check(zipPath, testNames, sampleSubmission);
        if (problems.Count > 0) throw new SubmissionException(zipPath, problems);
    }

    public static List<string> Check(string zipPath, IReadOnlyList<string> testNames, string? sampleSubmission = null)
    {
        var problems = new List<string>();
        if (!File.Exists(zipPath)) return [$"no such file {zipPath}"];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var zip = ZipFile.OpenRead(zipPath);
            var buf = new byte[Geometry.Pixels];
            string? folder = null;
            foreach (var e in zip.Entries)
            {
                string full = e.FullName.Replace('\\', '/');
                if (full.EndsWith('/')) continue; // a folder entry
                if (full.StartsWith('/') || full.Split('/').Any(p => p == "..") || (full.Length > 1 && full[1] == ':'))
                { problems.Add($"entry '{e.FullName}': path outside the zip root"); continue; }
                var parts = full.Split('/');
                if (parts.Length > 2) { problems.Add($"entry '{e.FullName}': nested deeper than one folder"); continue; }
                if (parts.Length == 2)
                {
                    folder ??= parts[0];
                    if (parts[0] != folder) { problems.Add($"entry '{e.FullName}': second folder '{parts[0]}' (files belong at the root or in one folder)"); continue; }
                }
                string name = parts[^1];
                if (!seen.Add(name)) { problems.Add($"entry '{e.FullName}': duplicate name"); continue; }
                if (e.Length > 1 << 20) { problems.Add($"entry '{e.FullName}': {e.Length} bytes, too large for a 72x48 PNG"); continue; }
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                try
                {
                    Png8.Decode(ms.ToArray(), buf, e.FullName);
                }
                catch (ImageFormatProblem p) { problems.Add($"entry '{p.FilePath}': {p.Problem}"); }
            }
        }
        catch (InvalidDataException e) { return [$"not a readable zip file ({e.Message})"]; }
        var expected = new HashSet<string>(testNames, StringComparer.Ordinal);
        foreach (var m in expected.Where(n => !seen.Contains(n)).Order(StringComparer.Ordinal).Take(50)) problems.Add($"missing prediction for test image {m}");
        int missing = expected.Count(n => !seen.Contains(n));
        if (missing > 50) problems.Add($"... {missing} test images missing in all");
        foreach (var x in seen.Where(n => !expected.Contains(n)).Order(StringComparer.Ordinal).Take(50)) problems.Add($"entry {x} is not the name of a test image");
        if (seen.Count != expected.Count) problems.Add($"{seen.Count} entries for {expected.Count} test images");
        if (sampleSubmission is not null && File.Exists(sampleSubmission))
        {
            using var sample = ZipFile.OpenRead(sampleSubmission);
            var names = sample.Entries.Where(e => !e.FullName.EndsWith('/')).Select(e => e.FullName.Split('/')[^1]).ToHashSet(StringComparer.Ordinal);
            if (!names.SetEquals(expected)) problems.Add("sample_submission.zip names differ from the test folder's names");
        }
        return problems;
    }

    /// <summary>Pixel RMSE (0-255) of a submission against the synthetic set's hidden test truth.</summary>
    public static double Score(string zipPath, SemData d)
    {
        var truth = d.TestTruth ?? throw new InvalidOperationException("no hidden truth in this data root (only the synthetic set has it)");
        var index = d.Set.Test.Select((t, i) => (t.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        var pred = new byte[d.Test.Count * Geometry.Pixels];
        var tru = new byte[pred.Length];
        using var zip = ZipFile.OpenRead(zipPath);
        var buf = new byte[Geometry.Pixels];
        foreach (var e in zip.Entries.Where(e => !e.FullName.EndsWith('/')))
        {
            int i = index[e.FullName.Split('/')[^1]];
            using var s = e.Open(); using var ms = new MemoryStream(); s.CopyTo(ms);
            Png8.Decode(ms.ToArray(), pred.AsSpan(i * Geometry.Pixels, Geometry.Pixels), e.FullName);
            truth[i].CopyTo(tru.AsSpan(i * Geometry.Pixels));
        }
        return Metrics.Rmse(pred, tru);
    }
}

/// <summary>One line of the results summary.</summary>
public sealed record ResultEntry(DateTime When, string Method, string Data, string Checkpoint, string Submission, double TestRmse, double SimValRmse, string Options);

/// <summary>The results summary: results.csv and results.md, appended to across runs, never overwritten.</summary>
public static class ResultsLog
{
    public static string Dir => Path.Combine(Workspace.Paths.Artifacts, "results");

    public static void Append(ResultEntry r, string? dir = null)
    {
        dir ??= Dir;
        Directory.CreateDirectory(dir);
        string csv = Path.Combine(dir, "results.csv"), md = Path.Combine(dir, "results.md");
        static string F(double v) => double.IsNaN(v) ? "" : v.ToString("F3", CultureInfo.InvariantCulture);
        static string Q(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
        if (!File.Exists(csv)) File.WriteAllText(csv, "when,method,data,checkpoint,submission,test_rmse,sim_val_rmse,options\n");
        File.AppendAllText(csv, string.Join(',', r.When.ToString("s", CultureInfo.InvariantCulture), Q(r.Method), Q(r.Data), Q(r.Checkpoint), Q(r.Submission), F(r.TestRmse), F(r.SimValRmse), Q(r.Options)) + "\n");
        if (!File.Exists(md)) File.WriteAllText(md, "# SemDepth results\n\n| when | method | data | test RMSE | sim val RMSE | checkpoint | submission |\n|---|---|---|---|---|---|---|\n");
        File.AppendAllText(md, $"| {r.When:yyyy-MM-dd HH:mm} | {r.Method} | {r.Data} | {F(r.TestRmse)} | {F(r.SimValRmse)} | {r.Checkpoint} | {r.Submission} |\n");
    }

    /// <summary>Every entry of results.csv, oldest first (quoted fields may hold commas and quotes).</summary>
    public static IReadOnlyList<ResultEntry> Read(string? dir = null)
    {
        string csv = Path.Combine(dir ?? Dir, "results.csv");
        if (!File.Exists(csv)) return [];
        static double D(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
        return File.ReadLines(csv).Skip(1).Where(l => l.Length > 0).Select(Fields).Where(f => f.Count >= 8)
            .Select(f => new ResultEntry(DateTime.Parse(f[0], CultureInfo.InvariantCulture), f[1], f[2], f[3], f[4], D(f[5]), D(f[6]), f[7])).ToList();
    }

    /// <summary>The fields of one CSV line ("" inside quotes is a quote).</summary>
    public static List<string> Fields(string line)
    {
        var fields = new List<string>();
        var sb = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else sb.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(ch);
        }
        fields.Add(sb.ToString());
        return fields;
    }
}

/// <summary>Writes predictions as loose PNG files named like the test images.</summary>
public static class PredictionWriter
{
    public static int WritePngs(IDepthPredictor p, SemData d, string dir, int batch = 2048)
    {
        Directory.CreateDirectory(dir);
        for (int s = 0; s < d.Test.Count; s += batch)
        {
            int n = Math.Min(batch, d.Test.Count - s);
            var pred = p.Predict(d.Test, Enumerable.Range(s, n).ToList());
            Parallel.For(0, n, k => Png8.Write(Path.Combine(dir, d.Set.Test[s + k].Name), pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels)));
        }
        return d.Test.Count;
    }
}
