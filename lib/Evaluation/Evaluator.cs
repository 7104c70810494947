using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Workspace;

namespace SemDepth.Evaluation;

/// <summary>One line of an evaluation table; <see cref="Suspect"/> says why its method's numbers are not to
/// be trusted (non-finite outputs, or worse than twice the constant mean map).</summary>
public sealed record EvalRow(string Method, string Metric, string Split, double Value, int Images)
{
    public string? Suspect { get; init; }
}

/// <summary>
/// The evaluation every method shares: RMSE (0-255) on the simulated validation split; on the
/// synthetic set's hidden truth, RMSE on real-domain train and test images; and the check a
/// real-data user can make: mean predicted depth per train site (with the plateau padding) against
/// average_depth.csv, MAE per Depth folder.
/// </summary>
public static class Evaluator
{
    public static List<EvalRow> Evaluate(IDepthPredictor p, SemData d, IReadOnlyList<int>? simValSemIdx = null)
    {
        var rows = Score(p, d, simValSemIdx);
        if (p is ConstantMapPredictor)
            return rows;
        string? why = p.Health?.Problem ?? WorseThanConstant(rows, Score(new ConstantMapPredictor(d), d, simValSemIdx));
        if (why is null)
            return rows;
        Workspace.RunWarnings.Record($"suspect: {p.Name}: {why}");
        return rows.Select(r => r with { Suspect = "suspect: " + why }).ToList();
    }

    /// <summary>The first headline figure (RMSE on a split, or the held-out site-average MAE) above <see
    /// cref="OutputHealth.SuspectFactor"/> times the constant mean map's on the same split, said in words; else
    /// null.</summary>
    public static string? WorseThanConstant(IReadOnlyList<EvalRow> rows, IReadOnlyList<EvalRow> constant)
    {
        // the headline real-domain figures only: a method may be poor on simulated images (the pipeline
        // translates them first) or on one case where the one constant map happens to fit
        var headline = rows.Where(r =>
            (r.Metric == "RMSE" && r.Split is TestSplit or TrainSplit)
            || (r.Metric == "site-average MAE" && r.Split == HeldOutSplit)
        );
        foreach (var r in headline)
        {
            var c = constant.FirstOrDefault(k => k.Metric == r.Metric && k.Split == r.Split);
            if (c is null || double.IsNaN(c.Value) || c.Value <= 0)
                continue;
            if (double.IsNaN(r.Value) || r.Value > OutputHealth.SuspectFactor * c.Value)
                return $"{r.Metric} {r.Value:F2} on {r.Split} is more than {OutputHealth.SuspectFactor:G} times "
                    + $"the constant mean map's {c.Value:F2}";
        }
        return null;
    }

    static List<EvalRow> Score(IDepthPredictor p, SemData d, IReadOnlyList<int>? simValSemIdx)
    {
        var rows = new List<EvalRow>();
        if (simValSemIdx is { Count: > 0 })
        {
            simValSemIdx = Batches.EvenSample(simValSemIdx, RunCaps.Current.EvalSimValImages);
            var pred = p.Predict(d.SimSem, simValSemIdx);
            var truth = Batches.Gather(d.SimDepth, simValSemIdx.Select(i => i / 2).ToList());
            rows.Add(new EvalRow(p.Name, "RMSE", SimValSplit, Metrics.Rmse(pred, truth), simValSemIdx.Count));
        }
        var trainIdx = TrainSample(d);
        var trainPred = p.Predict(d.Train, trainIdx);
        if (d.TrainTruth is { } tt)
            rows.Add(
                new EvalRow(
                    p.Name,
                    "RMSE",
                    TrainSplit,
                    Metrics.Rmse(trainPred, Batches.Gather(tt, trainIdx)),
                    trainIdx.Count
                )
            );
        if (d.TestTruth is { } testTruth)
            rows.AddRange(TestRows(p, d, testTruth));
        rows.AddRange(SiteRows(p, d, trainIdx, trainPred));
        return rows;
    }

    /// <summary>Real test RMSE against the hidden truth: overall, plateau and hole pixels, per-image quantiles and per
    /// case.</summary>
    static List<EvalRow> TestRows(IDepthPredictor p, SemData d, ImageSet testTruth)
    {
        var rows = new List<EvalRow>();
        var testIdx = TestSample(d);
        var testPred = p.Predict(d.Test, testIdx);
        var truth = Batches.Gather(testTruth, testIdx);
        rows.Add(new EvalRow(p.Name, "RMSE", TestSplit, Metrics.Rmse(testPred, truth), testIdx.Count));
        if (d.TestCases is { } cases)
        {
            var split = Metrics.Split(testPred, truth, testIdx.Select(q => cases[q]).ToList());
            rows.Add(new EvalRow(p.Name, "RMSE plateau pixels", TestSplit, split.Plateau, testIdx.Count));
            rows.Add(new EvalRow(p.Name, "RMSE hole pixels", TestSplit, split.Hole, testIdx.Count));
            rows.Add(new EvalRow(p.Name, "per-image RMSE median", TestSplit, split.MedianImage, testIdx.Count));
            rows.Add(new EvalRow(p.Name, "per-image RMSE p90", TestSplit, split.P90Image, testIdx.Count));
            foreach (int c in Cases.All)
            {
                // positions in the sample
                var at = Enumerable.Range(0, testIdx.Count).Where(k => cases[testIdx[k]] == c).ToList();
                if (at.Count == 0)
                    continue;
                var pc = Batches.Gather(new ImageSet(testPred), at);
                rows.Add(
                    new EvalRow(
                        p.Name,
                        "RMSE",
                        $"real test Case_{c} (hidden truth)",
                        Metrics.Rmse(pc, Batches.Gather(new ImageSet(truth), at)),
                        at.Count
                    )
                );
            }
        }
        return rows;
    }

    /// <summary>Site-average MAE against average_depth.csv: per train Depth folder, then on the held-out sites
    /// overall and per folder.</summary>
    static List<EvalRow> SiteRows(IDepthPredictor p, SemData d, List<int> trainIdx, byte[] trainPred)
    {
        var rows = new List<EvalRow>();
        var trainSites = SiteAverages.Of(d.DataSet, trainIdx, trainPred);
        foreach (var g in trainSites.GroupBy(e => e.Case).OrderBy(g => g.Key))
            rows.Add(
                new EvalRow(
                    p.Name,
                    "site-average MAE",
                    $"train Depth_{Cases.DepthFolder(g.Key)}",
                    g.Average(e => Math.Abs(e.Predicted - e.Csv)),
                    g.Count()
                )
            );
        var heldSites = Splits.HeldOutSites(d.DataSet);
        var heldSitesSeen = trainSites.Where(e => heldSites.Contains(e.Site)).ToList();
        if (heldSitesSeen.Count > 0)
        {
            rows.Add(
                new EvalRow(
                    p.Name,
                    "site-average MAE",
                    HeldOutSplit,
                    heldSitesSeen.Average(e => Math.Abs(e.Predicted - e.Csv)),
                    heldSitesSeen.Count
                )
            );
            foreach (var g in heldSitesSeen.GroupBy(e => e.Case).OrderBy(g => g.Key))
                rows.Add(
                    new EvalRow(
                        p.Name,
                        "site-average MAE",
                        HeldOutFolder(g.Key),
                        g.Average(e => Math.Abs(e.Predicted - e.Csv)),
                        g.Count()
                    )
                );
        }
        return rows;
    }

    /// <summary>The real test images every table scores: all of them, or the run's even sample
    /// (<see cref="RunCaps.EvalTestImages"/>); the submission always predicts them all.</summary>
    public static List<int> TestSample(SemData d, RunCaps? caps = null) =>
        [.. Batches.EvenSample(Enumerable.Range(0, d.Test.Count).ToArray(), (caps ?? RunCaps.Current).EvalTestImages)];

    /// <summary>The real train images every table scores: all of them, or whole sites up to the run's cap
    /// (<see cref="RunCaps.EvalTrainImages"/>), the held-out sites first (in a seeded order), then the others;
    /// sorted. Whole sites, so that every site-average figure is over all of a site's images.</summary>
    public static List<int> TrainSample(SemData d, RunCaps? caps = null)
    {
        int cap = (caps ?? RunCaps.Current).EvalTrainImages;
        if (cap <= 0 || cap >= d.Train.Count)
            return [.. Enumerable.Range(0, d.Train.Count)];
        var bySite = Enumerable
            .Range(0, d.Train.Count)
            .GroupBy(i => d.DataSet.Train[i].SiteKey, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var held = Splits.HeldOutSites(d.DataSet);
        var order = Batches
            .Shuffled(Enumerable.Range(0, bySite.Count).ToArray(), Splits.HeldOutSeed, -3)
            .OrderBy(s => held.Contains(bySite[s].Key) ? 0 : 1)
            .ToList(); // stable: held-out sites first
        var chosen = new List<int>();
        foreach (int s in order)
        {
            if (chosen.Count >= cap)
                break;
            chosen.AddRange(bySite[s]);
        }
        chosen.Sort();
        return chosen;
    }

    /// <summary>The split name of the held-out sites of one Depth folder.</summary>
    public static string HeldOutFolder(int c) => $"{HeldOutSplit}, Depth_{Cases.DepthFolder(c)}";

    /// <summary>The one line shown where a figure needs the synthetic set's hidden truth and the data root has
    /// none.</summary>
    public static string NoTruth(string what) =>
        $"no hidden truth in this data root: {what} is a synthetic-set measurement";

    /// <summary>The split name of the sim validation rows.</summary>
    public const string SimValSplit = "sim validation";

    /// <summary>The split name of real train rows.</summary>
    public const string TrainSplit = "real train (hidden truth)";

    /// <summary>The split name of real test rows.</summary>
    public const string TestSplit = "real test (hidden truth)";

    /// <summary>The split name of the site-average MAE over the held-out sites (every folder).</summary>
    public const string HeldOutSplit = "held-out train sites";
}
