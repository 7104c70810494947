using System.Globalization;

namespace SemDepth.Workspace;

/// <summary>
/// Warnings a run must not end silently over (a suspect method, a method <c>auto</c> skipped), appended
/// to <c>artifacts/warnings.log</c> (one tab-separated UTC time and line each) so that the main job, which
/// runs the notebooks in other processes, reads those written since it started and says so.
/// </summary>
public static class RunWarnings
{
    static readonly HashSet<string> Said = [];

    public static string File => Path.Combine(Paths.Artifacts, "warnings.log");

    /// <summary>Appends <paramref name="line"/> once per process.</summary>
    public static void Record(string line)
    {
        lock (Said)
        {
            if (!Said.Add(line))
                return;
            Directory.CreateDirectory(Path.GetDirectoryName(File)!);
            string stamp = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture);
            System.IO.File.AppendAllText(File, $"{stamp}\t{line.ReplaceLineEndings(" ")}\n");
        }
    }

    /// <summary>The distinct lines written at or after <paramref name="utc"/>, in order.</summary>
    public static List<string> Since(DateTime utc, string? file = null)
    {
        file ??= File;
        if (!System.IO.File.Exists(file))
            return [];
        var lines = new List<string>();
        foreach (var l in System.IO.File.ReadAllLines(file))
        {
            var parts = l.Split('\t', 2);
            if (
                parts.Length == 2
                && DateTime.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t)
                && t.ToUniversalTime() >= utc
                && !lines.Contains(parts[1])
            )
                lines.Add(parts[1]);
        }
        return lines;
    }
}
