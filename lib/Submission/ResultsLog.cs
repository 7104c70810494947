using System.Globalization;

namespace SemDepth.Submission;

/// <summary>One line of the results summary.</summary>
public sealed record ResultEntry(
    DateTime When,
    string Method,
    string Data,
    string Checkpoint,
    string Submission,
    double TestRmse,
    double SimValRmse,
    string Options
);

/// <summary>The results summary: results.csv and results.md, appended to across runs, never overwritten.</summary>
public static class ResultsLog
{
    public static string Dir => Path.Combine(Workspace.Paths.Artifacts, "results");

    public static void Append(ResultEntry r, string? dir = null)
    {
        dir ??= Dir;
        Directory.CreateDirectory(dir);
        string csv = Path.Combine(dir, "results.csv"),
            md = Path.Combine(dir, "results.md");
        static string F(double v) => double.IsNaN(v) ? "" : v.ToString("F3", CultureInfo.InvariantCulture);
        static string Q(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
        if (!File.Exists(csv))
            File.WriteAllText(csv, "when,method,data,checkpoint,submission,test_rmse,sim_val_rmse,options\n");
        File.AppendAllText(
            csv,
            string.Join(
                ',',
                r.When.ToString("s", CultureInfo.InvariantCulture),
                Q(r.Method),
                Q(r.Data),
                Q(r.Checkpoint),
                Q(r.Submission),
                F(r.TestRmse),
                F(r.SimValRmse),
                Q(r.Options)
            ) + "\n"
        );
        if (!File.Exists(md))
            File.WriteAllText(
                md,
                "# SemDepth results\n\n| when | method | data | test RMSE | sim val RMSE | checkpoint | "
                    + "submission |\n|---|---|---|---|---|---|---|\n"
            );
        File.AppendAllText(
            md,
            $"| {r.When:yyyy-MM-dd HH:mm} | {r.Method} | {r.Data} | {F(r.TestRmse)} | {F(r.SimValRmse)} | "
                + $"{r.Checkpoint} | {r.Submission} |\n"
        );
    }

    /// <summary>Every entry of results.csv, oldest first (quoted fields may hold commas and quotes).</summary>
    public static IReadOnlyList<ResultEntry> Read(string? dir = null)
    {
        string csv = Path.Combine(dir ?? Dir, "results.csv");
        if (!File.Exists(csv))
            return [];
        static double D(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
        return File.ReadLines(csv)
            .Skip(1)
            .Where(l => l.Length > 0)
            .Select(Fields)
            .Where(f => f.Count >= 8)
            .Select(f => new ResultEntry(
                DateTime.Parse(f[0], CultureInfo.InvariantCulture),
                f[1],
                f[2],
                f[3],
                f[4],
                D(f[5]),
                D(f[6]),
                f[7]
            ))
            .ToList();
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
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else if (ch == '"')
                    quoted = false;
                else
                    sb.Append(ch);
            }
            else if (ch == '"')
                quoted = true;
            else if (ch == ',')
            {
                fields.Add(sb.ToString());
                sb.Clear();
            }
            else
                sb.Append(ch);
        }
        fields.Add(sb.ToString());
        return fields;
    }
}
