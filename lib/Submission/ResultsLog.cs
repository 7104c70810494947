using System.Globalization;
using CsvHelper;

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
        bool header = !File.Exists(csv);
        using (var w = new StreamWriter(csv, append: true))
        using (var c = CsvWriter.Create(w, Lines, leaveOpen: true))
        {
            if (header)
            {
                foreach (var name in Columns)
                    c.WriteField(name);
                c.EndRecord();
            }
            c.WriteField(r.When.ToString("s", CultureInfo.InvariantCulture));
            foreach (var text in new[] { r.Method, r.Data, r.Checkpoint, r.Submission })
                c.WriteField(text, CsvQuoting.Always);
            c.WriteField(F(r.TestRmse));
            c.WriteField(F(r.SimValRmse));
            c.WriteField(r.Options, CsvQuoting.Always);
            c.EndRecord();
        }
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

    /// <summary>results.csv's columns.</summary>
    static readonly string[] Columns =
    [
        "when",
        "method",
        "data",
        "checkpoint",
        "submission",
        "test_rmse",
        "sim_val_rmse",
        "options",
    ];

    /// <summary>One line a row ending in \n, as results.csv always had; text quoted.</summary>
    static readonly CsvWriterOptions Lines = new() { HasHeader = false, NewLine = "\n" };

    /// <summary>Every entry of results.csv, oldest first (CsvHelper: quoted fields may hold commas, quotes and line
    /// breaks); a row with fewer fields than the columns, as a kill may leave, is left out.</summary>
    public static IReadOnlyList<ResultEntry> Read(string? dir = null)
    {
        string csv = Path.Combine(dir ?? Dir, "results.csv");
        var entries = new List<ResultEntry>();
        if (!File.Exists(csv))
            return entries;
        static double D(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
        using var r = CsvReader.FromFile(csv, new CsvReaderOptions { HasHeader = true });
        while (r.Read())
        {
            if (r.FieldCount < Columns.Length)
                continue;
            entries.Add(
                new ResultEntry(
                    DateTime.Parse(r.GetString(0), CultureInfo.InvariantCulture),
                    r.GetString(1),
                    r.GetString(2),
                    r.GetString(3),
                    r.GetString(4),
                    D(r.GetString(5)),
                    D(r.GetString(6)),
                    r.GetString(7)
                )
            );
        }
        return entries;
    }
}
