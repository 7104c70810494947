using System.Globalization;
using System.IO.Compression;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Workspace;

namespace SemDepth.Submission;

/// <summary>A submission that fails validation; the message lists every problem.</summary>
public sealed class SubmissionException(string zip, IReadOnlyList<string> problems)
    : Exception(
        $"{zip}: {problems.Count} problem(s)\n  - "
            + string.Join("\n  - ", problems.Take(30))
            + (problems.Count > 30 ? $"\n  ... and {problems.Count - 30} more" : "")
    )
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
    public static string Write(
        IDepthPredictor predictor,
        SemData d,
        string outDir,
        int batch = 2048,
        IProgress<WorkProgress>? progress = null
    )
    {
        var counter = new WorkCounter(progress, "predict and write", d.Test.Count);
        Directory.CreateDirectory(outDir);
        string when = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string stem = $"submission-{Slug(predictor.Name)}-{when}";
        string path = Path.Combine(outDir, stem + ".zip");
        for (int k = 2; File.Exists(path); k++)
            path = Path.Combine(outDir, $"{stem}-{k}.zip"); // never overwrite
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
                        // PNG is compressed already
                        using var e = zip.CreateEntry(d.DataSet.Test[s + k].Name, CompressionLevel.NoCompression)
                            .Open();
                        e.Write(pngs[k]);
                    }
                    counter.Add(n);
                }
            }
            SubmissionValidator.Validate(
                tmp,
                d.DataSet.Test.Select(t => t.Name).ToList(),
                d.DataSet.SampleSubmissionPath
            );
            File.Move(tmp, path, overwrite: false);
            return path;
        }
        finally
        {
            if (File.Exists(tmp))
                File.Delete(tmp);
        }
    }

    static string Slug(string s) => new(s.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());
}
