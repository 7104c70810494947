using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Methods;
using SemDepth.Workspace;

namespace SemDepth.Submission;

/// <summary>A written submission: the zip (validated against test/SEM), its test RMSE on the hidden truth (NaN
/// without it) and the seconds writing took.</summary>
public sealed record SubmitResult(string Zip, int Images, double Score, double Seconds)
{
    public override string ToString() =>
        $"submission {Zip}: {Images} PNGs, validated against test/SEM; "
        + (double.IsNaN(Score) ? Evaluator.NoTruth("a test RMSE") : $"test RMSE {Score:F2}");
}

/// <summary>The submit sequence of notebook 05 and <c>semdepth submit</c>.</summary>
public static class Submit
{
    /// <summary>Predicts every test image with a saved method, writes and validates the zip under
    /// artifacts/submissions, scores it where the data root has the hidden truth and appends the results log.</summary>
    public static SubmitResult Run(SavedMethod method, SemData d, IProgress<WorkProgress>? progress = null)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        string zip = SubmissionWriter.Write(
            method.Predictor,
            d,
            Path.Combine(Paths.Artifacts, "submissions"),
            progress: progress
        );
        double seconds = sw.Elapsed.TotalSeconds;
        double score = d.TestTruth is null ? double.NaN : SubmissionValidator.Score(zip, d);
        ResultsLog.Append(
            new ResultEntry(
                DateTime.Now,
                method.Predictor.Name,
                d.DataSet.Root,
                string.Join("; ", method.Checkpoints),
                zip,
                score,
                double.NaN,
                method.OptionsJson
            )
        );
        return new SubmitResult(zip, d.Test.Count, score, seconds);
    }
}
