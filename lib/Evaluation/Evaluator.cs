using SemDepth.Data;
using SemDepth.Methods;

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
        if (p is ConstantMapPredictor) return rows;
        string? why = p.Health?.Problem ?? WorseThanConstant(rows, Score(new ConstantMapPredictor(d), d, simValSemIdx));
        if (why is null) return rows;
        Workspace.RunWarnings.Record($"suspect: {p.Name}: {why}");
        return rows.Select(r => r with { Suspect = "suspect: " + why }).ToList();
    }

    /// <summary>How many times the constant mean map's error a method may reach before it is marked suspect.</summary>
    public const double SuspectFactor = 2;

    /// <summary>The first headline figure (RMSE on a split, or the held-out site-average MAE) above
    /// <see cref="SuspectFactor"/> times the constant mean map's on the same split, said in words; else null.</summary>
    public static string? WorseThanConstant(IReadOnlyList<EvalRow> rows, IReadOnlyList<EvalRow> constant)
    {
        // the headline real-domain figures only: a method may be poor on simulated images (the pipeline
        // translates them first) or on one case where the one constant map happens to fit
        var headline = rows.Where(r => (r.Metric == "RMSE" && r.Split is TestSplit or TrainSplit)
            || (r.Metric == "site-average MAE" && r.Split == HeldOutSplit));
        foreach (var r in headline)
        {
            var c = constant.FirstOrDefault(k => k.Metric == r.Metric && k.Split == r.Split);
            if (c is null || double.IsNaN(c.Value) || c.Value <= 0) continue;
            if (double.IsNaN(r.Value) || r.Value > SuspectFactor * c.Value)
                return $"{r.Metric} {r.Value:F2} on {r.Split} is more than {SuspectFactor:G} times the constant mean map's {c.Value:F2}";
        }
        return null;
    }

    static List<EvalRow> Score(IDepthPredictor p, SemData d, IReadOnlyList<int>? simValSemIdx)
    {
        var rows = new List<EvalRow>();
        if (simValSemIdx is { Count: > 0 })
        {
            var pred = p.Predict(d.SimSem, simValSemIdx);
            var truth = Gather(d.SimDepth, simValSemIdx.Select(i => i / 2).ToList());
            rows.Add(new EvalRow(p.Name, "RMSE", SimValSplit, Metrics.Rmse(pred, truth), simValSemIdx.Count));
        }
        var trainIdx = Enumerable.Range(0, d.Train.Count).ToList();
        var trainPred = p.Predict(d.Train, trainIdx);
        if (d.TrainTruth is { } tt)
            rows.Add(new EvalRow(p.Name, "RMSE", TrainSplit, Metrics.Rmse(trainPred, Gather(tt, trainIdx)), trainIdx.Count));
        if (d.TestTruth is { } testTruth)
        {
            var testIdx = Enumerable.Range(0, d.Test.Count).ToList();
            var testPred = p.Predict(d.Test, testIdx);
            var truth = Gather(testTruth, testIdx);
            rows.Add(new EvalRow(p.Name, "RMSE", TestSplit, Metrics.Rmse(testPred, truth), testIdx.Count));
            if (d.TestCases is { } cases)
            {
                var split = Metrics.Split(testPred, truth, cases);
                rows.Add(new EvalRow(p.Name, "RMSE plateau pixels", TestSplit, split.Plateau, testIdx.Count));
                rows.Add(new EvalRow(p.Name, "RMSE hole pixels", TestSplit, split.Hole, testIdx.Count));
                rows.Add(new EvalRow(p.Name, "per-image RMSE median", TestSplit, split.MedianImage, testIdx.Count));
                rows.Add(new EvalRow(p.Name, "per-image RMSE p90", TestSplit, split.P90Image, testIdx.Count));
                foreach (int c in Cases.All)
                {
                    var ids = testIdx.Where(q => cases[q] == c).ToList();
                    if (ids.Count == 0) continue;
                    var pc = ids.SelectMany(q => testPred.AsSpan(q * Geometry.Pixels, Geometry.Pixels).ToArray()).ToArray();
                    rows.Add(new EvalRow(p.Name, "RMSE", $"real test Case_{c} (hidden truth)", Metrics.Rmse(pc, Gather(testTruth, ids)), ids.Count));
                }
            }
        }
        foreach (var (c, mae, n) in SiteAverageMae(d.Set, trainPred))
            rows.Add(new EvalRow(p.Name, "site-average MAE", $"train Depth_{Cases.DepthFolder(c)}", mae, n));
        var (_, held) = Splits.TrainBySite(d.Set, HeldOutFraction, HeldOutSeed);
        var heldPred = Gather(new ImageSet(trainPred), held);
        double heldMae = SiteMae(d.Set, held, heldPred);
        if (!double.IsNaN(heldMae))
            rows.Add(new EvalRow(p.Name, "site-average MAE", HeldOutSplit, heldMae, held.Select(i => d.Set.Train[i].SiteKey).Distinct().Count(k => d.Set.AverageDepth.ContainsKey(k))));
        foreach (var (c, mae, n) in SiteAverageMae(d.Set, trainPred, held.Select(i => d.Set.Train[i].SiteKey).ToHashSet(StringComparer.Ordinal)))
            rows.Add(new EvalRow(p.Name, "site-average MAE", HeldOutFolder(c), mae, n));
        return rows;
    }

    /// <summary>The split name of the held-out sites of one Depth folder.</summary>
    public static string HeldOutFolder(int c) => $"{HeldOutSplit}, Depth_{Cases.DepthFolder(c)}";

    /// <summary>The one line shown where a figure needs the synthetic set's hidden truth and the data root has none.</summary>
    public static string NoTruth(string what) => $"no hidden truth in this data root: {what} is a synthetic-set measurement";

    /// <summary>The split name of the sim validation rows.</summary>
    public const string SimValSplit = "sim validation";

    /// <summary>The split name of real train rows.</summary>
    public const string TrainSplit = "real train (hidden truth)";

    /// <summary>The split name of real test rows.</summary>
    public const string TestSplit = "real test (hidden truth)";
    /// <summary>The split name of the site-average MAE over the held-out sites (every folder).</summary>
    public const string HeldOutSplit = "held-out train sites";
    /// <summary>The held-out sites every trainer that learns from real train images leaves out
    /// (<see cref="Splits.TrainBySite"/> with this fraction and seed: the classifier's, the oracle's and the
    /// weakly supervised network's defaults).</summary>
    public const double HeldOutFraction = 0.2;
    public const int HeldOutSeed = 41;

    /// <summary>Concatenates images <paramref name="idx"/> of a set.</summary>
    public static byte[] Gather(ImageSet set, IReadOnlyList<int> idx)
    {
        var o = new byte[idx.Count * Geometry.Pixels];
        for (int k = 0; k < idx.Count; k++) set[idx[k]].CopyTo(o.AsSpan(k * Geometry.Pixels));
        return o;
    }

    /// <summary>Per Depth folder: MAE between the predicted site averages (each map's mean, padded
    /// with the folder's plateau) and average_depth.csv, and the number of sites.</summary>
    public static List<(int Case, double Mae, int Sites)> SiteAverageMae(DaconDataSet set, byte[] trainPred, IReadOnlySet<string>? onlySites = null)
    {
        var idx = Enumerable.Range(0, set.Train.Count).Where(i => onlySites is null || onlySites.Contains(set.Train[i].SiteKey)).ToList();
        var pred = idx.Count == set.Train.Count ? trainPred : Gather(new ImageSet(trainPred), idx);
        return SiteErrors(set, idx, pred).GroupBy(e => e.Case).OrderBy(g => g.Key)
            .Select(g => (g.Key, g.Average(e => e.Error), g.Count())).ToList();
    }

    /// <summary>MAE over every site among images <paramref name="idx"/> of the train split (predictions
    /// <paramref name="pred"/> in the same order) that has an average_depth.csv value; NaN when none has.</summary>
    public static double SiteMae(DaconDataSet set, IReadOnlyList<int> idx, byte[] pred)
    {
        var errors = SiteErrors(set, idx, pred);
        return errors.Count == 0 ? double.NaN : errors.Average(e => e.Error);
    }

    /// <summary>For each site among images <paramref name="idx"/> with a CSV value: |mean padded predicted depth
    /// of its images - average_depth.csv|, the one check a real-data user can make.</summary>
    static List<(int Case, double Error)> SiteErrors(DaconDataSet set, IReadOnlyList<int> idx, byte[] pred) =>
        SitePredictions(set, idx, pred).Select(s => (s.Case, Math.Abs(s.Predicted - s.Csv))).ToList();

    /// <summary>Each site among images <paramref name="idx"/> of the train split (predictions <paramref name="pred"/>
    /// in the same order) that has an average_depth.csv value: its case, CSV value, the mean of its images' padded
    /// predicted depths (as the CSV is defined) and the positions in <paramref name="idx"/> of its images.</summary>
    public static List<(string Site, int Case, double Csv, double Predicted, List<int> Positions)> SitePredictions(
        DaconDataSet set, IReadOnlyList<int> idx, byte[] pred)
    {
        var sums = new Dictionary<string, (int Case, double Sum, int N)>(StringComparer.Ordinal);
        var positions = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int k = 0; k < idx.Count; k++)
        {
            var t = set.Train[idx[k]];
            double mean = 0;
            foreach (byte v in pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels)) mean += v;
            var (_, sum, n) = sums.GetValueOrDefault(t.SiteKey);
            sums[t.SiteKey] = (t.Case, sum + Cases.PaddedMean(t.Case, mean / Geometry.Pixels), n + 1);
            (positions.TryGetValue(t.SiteKey, out var list) ? list : positions[t.SiteKey] = []).Add(k);
        }
        return sums.Where(kv => set.AverageDepth.ContainsKey(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, kv.Value.Case, set.AverageDepth[kv.Key], kv.Value.Sum / kv.Value.N, positions[kv.Key])).ToList();
    }
}
