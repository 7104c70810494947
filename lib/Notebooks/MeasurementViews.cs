using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Pictures;
using SemDepth.Workspace;

namespace SemDepth.Notebooks;

/// <summary>Hole measurements of predictions against the hidden truth, and the 3D view of one hole.</summary>
public static class MeasurementViews
{
    /// <summary>For each saved method (<paramref name="chosen"/> reused, the others loaded): mean absolute error of
    /// each <see cref="HoleMeasurements"/> figure of its predictions against the same figure of the hidden truth, on
    /// an even sample of at most <paramref name="maxImages"/> test images (the case of both from the nearest plateau).
    /// Without hidden truth, the line that says so.</summary>
    public static object Errors(SemData d, SavedMethod chosen, int maxImages = 1000)
    {
        if (d.TestTruth is not { } truth)
            return Evaluator.NoTruth("a measurement's error against the truth");
        var idx = Batches.EvenSample(Evaluator.TestSample(d), maxImages).ToList();
        var tm = idx.Select(q => HoleMeasurements.Of(truth[q])).ToList();
        var methods = SavedMethods
            .Available()
            .Select(k => ModeNames.Of(k) == chosen.Key ? chosen.Predictor : SavedMethods.Load(k, d).Predictor)
            .ToList();
        var rows = methods
            .Select(p =>
            {
                var pred = p.Predict(d.Test, idx);
                var pm = Enumerable
                    .Range(0, idx.Count)
                    .Select(k => HoleMeasurements.Of(pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels)))
                    .ToList();
                double Mae(Func<HoleMeasurements, double> f) =>
                    Enumerable.Range(0, idx.Count).Average(k => Math.Abs(f(pm[k]) - f(tm[k])));
                return new MeasurementError(
                    p.Name,
                    idx.Count,
                    Mae(m => m.HoleDepth),
                    Mae(m => m.DiameterHalfDepth),
                    Mae(m => m.MeanDepth),
                    Mae(m => m.TopWidthX),
                    Mae(m => m.BottomWidthX),
                    Mae(m => m.Plateau),
                    Enumerable.Range(0, idx.Count).Count(k => pm[k].Case == tm[k].Case) / (double)idx.Count
                );
            })
            .ToList();
        return Tables.FromRecords(rows);
    }

    /// <summary>One row of <see cref="Errors"/>: mean absolute errors (levels or pixels) and the share of right
    /// cases.</summary>
    public sealed record MeasurementError(
        string Method,
        int Images,
        double HoleDepth,
        double DiameterPx,
        double MeanDepth,
        double TopWidthXPx,
        double BottomWidthXPx,
        double Plateau,
        double CaseRight
    );

    /// <summary>Test image <paramref name="q"/> in 3D: the hidden truth (when present) and the prediction.</summary>
    public static HoleView Hole(SemData d, IDepthPredictor p, int q)
    {
        var maps = new List<(string, byte[])>();
        if (d.TestTruth is { } truth)
            maps.Add(("truth", truth.ToArray(q)));
        maps.Add(("prediction", p.Predict(d.Test, [q])));
        return new HoleView($"test image {d.DataSet.Test[q].Name}: {p.Name}", maps);
    }
}
