using SemDepth.Images;

namespace SemDepth.Data;

/// <summary>Site averages of predicted maps against average_depth.csv: the one check a real-data user can make
/// (each map's mean padded with its case's plateau, as the CSV was computed).</summary>
public static class SiteAverages
{
    /// <summary>Per Depth folder: MAE between the predicted site averages (each map's mean, padded
    /// with the folder's plateau) and average_depth.csv, and the number of sites.</summary>
    public static List<(int Case, double Mae, int Sites)> PerFolder(
        DaconDataSet set,
        byte[] trainPred,
        IReadOnlySet<string>? onlySites = null
    )
    {
        var idx = Enumerable
            .Range(0, set.Train.Count)
            .Where(i => onlySites is null || onlySites.Contains(set.Train[i].SiteKey))
            .ToList();
        var pred = idx.Count == set.Train.Count ? trainPred : Batches.Gather(new ImageSet(trainPred), idx);
        return Errors(set, idx, pred)
            .GroupBy(e => e.Case)
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, g.Average(e => e.Error), g.Count()))
            .ToList();
    }

    /// <summary>MAE over every site among images <paramref name="idx"/> of the train split (predictions
    /// <paramref name="pred"/> in the same order) that has an average_depth.csv value; NaN when none has.</summary>
    public static double Mae(DaconDataSet set, IReadOnlyList<int> idx, byte[] pred)
    {
        var errors = Errors(set, idx, pred);
        return errors.Count == 0 ? double.NaN : errors.Average(e => e.Error);
    }

    /// <summary>For each site among images <paramref name="idx"/> with a CSV value: |mean padded predicted depth
    /// of its images - average_depth.csv|, the one check a real-data user can make.</summary>
    static List<(int Case, double Error)> Errors(DaconDataSet set, IReadOnlyList<int> idx, byte[] pred) =>
        Of(set, idx, pred).Select(s => (s.Case, Math.Abs(s.Predicted - s.Csv))).ToList();

    /// <summary>Each site among images <paramref name="idx"/> of the train split (predictions <paramref name="pred"/>
    /// in the same order) that has an average_depth.csv value: its case, CSV value, the mean of its images' padded
    /// predicted depths (as the CSV is defined) and the positions in <paramref name="idx"/> of its images.</summary>
    public static List<(string Site, int Case, double Csv, double Predicted, List<int> Positions)> Of(
        DaconDataSet set,
        IReadOnlyList<int> idx,
        byte[] pred
    )
    {
        var sums = new Dictionary<string, (int Case, double Sum, int N)>(StringComparer.Ordinal);
        var positions = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int k = 0; k < idx.Count; k++)
        {
            var t = set.Train[idx[k]];
            double mean = 0;
            foreach (byte v in pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels))
                mean += v;
            var (_, sum, n) = sums.GetValueOrDefault(t.SiteKey);
            sums[t.SiteKey] = (t.Case, sum + Cases.PaddedMean(t.Case, mean / Geometry.Pixels), n + 1);
            (positions.TryGetValue(t.SiteKey, out var list) ? list : positions[t.SiteKey] = []).Add(k);
        }
        return sums.Where(kv => set.AverageDepth.ContainsKey(kv.Key))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv =>
                (kv.Key, kv.Value.Case, set.AverageDepth[kv.Key], kv.Value.Sum / kv.Value.N, positions[kv.Key])
            )
            .ToList();
    }
}
