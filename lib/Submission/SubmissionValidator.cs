using System.IO.Compression;
using SemDepth.Data;
using SemDepth.Images;

namespace SemDepth.Submission;

/// <summary>Checks a submission zip the way the competition would, reporting every problem.</summary>
public static class SubmissionValidator
{
    /// <summary>Throws <see cref="SubmissionException"/> unless the zip holds exactly one valid PNG per test
    /// name.</summary>
    public static void Validate(string zipPath, IReadOnlyList<string> testNames, string? sampleSubmission = null)
    {
        var problems = Check(zipPath, testNames, sampleSubmission);
        if (problems.Count > 0)
            throw new SubmissionException(zipPath, problems);
    }

    public static List<string> Check(string zipPath, IReadOnlyList<string> testNames, string? sampleSubmission = null)
    {
        var problems = new List<string>();
        if (!File.Exists(zipPath))
            return [$"no such file {zipPath}"];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var zip = ZipFile.OpenRead(zipPath);
            var buf = new byte[Geometry.Pixels];
            string? folder = null;
            foreach (var e in zip.Entries)
                if (CheckEntry(e, ref folder, seen, buf) is { } problem)
                    problems.Add(problem);
        }
        catch (InvalidDataException e)
        {
            return [$"not a readable zip file ({e.Message})"];
        }
        problems.AddRange(NameProblems(seen, testNames, sampleSubmission));
        return problems;
    }

    /// <summary>One entry's problem, or null: a path outside the root, nested too deep, a second folder, a duplicate
    /// name, too large, or not a 72x48 8-bit gray PNG. Adds its name to <paramref name="seen"/>.</summary>
    static string? CheckEntry(ZipArchiveEntry e, ref string? folder, HashSet<string> seen, byte[] buf)
    {
        string full = e.FullName.Replace('\\', '/');
        if (full.EndsWith('/'))
            return null; // a folder entry
        if (full.StartsWith('/') || full.Split('/').Any(p => p == "..") || (full.Length > 1 && full[1] == ':'))
            return $"entry '{e.FullName}': path outside the zip root";
        var parts = full.Split('/');
        if (parts.Length > 2)
            return $"entry '{e.FullName}': nested deeper than one folder";
        if (parts.Length == 2)
        {
            folder ??= parts[0];
            if (parts[0] != folder)
                return $"entry '{e.FullName}': second folder '{parts[0]}' (files belong at the root "
                    + $"or in one folder)";
        }
        string name = parts[^1];
        if (!seen.Add(name))
            return $"entry '{e.FullName}': duplicate name";
        if (e.Length > 1 << 20)
            return $"entry '{e.FullName}': {e.Length} bytes, too large for a 72x48 PNG";
        using var s = e.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        try
        {
            Png8.Decode(ms.ToArray(), buf, e.FullName);
        }
        catch (ImageFormatProblem p)
        {
            return $"entry '{p.FilePath}': {p.Problem}";
        }
        return null;
    }

    /// <summary>Test images without a prediction, entries that name no test image, the counts, and the sample
    /// submission's names against the test folder's.</summary>
    static List<string> NameProblems(HashSet<string> seen, IReadOnlyList<string> testNames, string? sampleSubmission)
    {
        var problems = new List<string>();
        var expected = new HashSet<string>(testNames, StringComparer.Ordinal);
        foreach (var m in expected.Where(n => !seen.Contains(n)).Order(StringComparer.Ordinal).Take(50))
            problems.Add($"missing prediction for test image {m}");
        int missing = expected.Count(n => !seen.Contains(n));
        if (missing > 50)
            problems.Add($"... {missing} test images missing in all");
        foreach (var x in seen.Where(n => !expected.Contains(n)).Order(StringComparer.Ordinal).Take(50))
            problems.Add($"entry {x} is not the name of a test image");
        if (seen.Count != expected.Count)
            problems.Add($"{seen.Count} entries for {expected.Count} test images");
        if (sampleSubmission is not null && File.Exists(sampleSubmission))
        {
            using var sample = ZipFile.OpenRead(sampleSubmission);
            var names = sample
                .Entries.Where(e => !e.FullName.EndsWith('/'))
                .Select(e => e.FullName.Split('/')[^1])
                .ToHashSet(StringComparer.Ordinal);
            if (!names.SetEquals(expected))
                problems.Add("sample_submission.zip names differ from the test folder's names");
        }
        return problems;
    }

    /// <summary>Pixel RMSE (0-255) of a submission against the synthetic set's hidden test truth.</summary>
    public static double Score(string zipPath, SemData d)
    {
        var truth = d.TestTruth
            ?? throw new InvalidOperationException("no hidden truth in this data root (only the synthetic set has it)");
        var index = d
            .DataSet.Test.Select((t, i) => (t.Name, i))
            .ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        var pred = new byte[d.Test.Count * Geometry.Pixels];
        var tru = new byte[pred.Length];
        using var zip = ZipFile.OpenRead(zipPath);
        var buf = new byte[Geometry.Pixels];
        foreach (var e in zip.Entries.Where(e => !e.FullName.EndsWith('/')))
        {
            int i = index[e.FullName.Split('/')[^1]];
            using var s = e.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            Png8.Decode(ms.ToArray(), pred.AsSpan(i * Geometry.Pixels, Geometry.Pixels), e.FullName);
            truth[i].CopyTo(tru.AsSpan(i * Geometry.Pixels));
        }
        return Metrics.Rmse(pred, tru);
    }
}
