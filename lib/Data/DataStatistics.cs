namespace SemDepth.Data;

/// <summary>Per-image SEM statistics of one domain and case.</summary>
public sealed record SemStats(
    string Domain,
    int Case,
    Summary ImageMean,
    Summary ImageSd,
    Summary NoiseSd,
    Summary Max
);

/// <summary>Per-map depth statistics of one case (simulated maps or real-domain truth).</summary>
public sealed record DepthStats(
    string Source,
    int Case,
    Summary MapMean,
    Summary MapSd,
    Summary MapMin,
    double PlateauFraction,
    double PaddedMean
);

/// <summary>Site averages of one train folder (average_depth.csv).</summary>
public sealed record SiteAverageStats(int Case, string Folder, Summary SiteAverage);

/// <summary>The statistics the published facts describe, measured on a data root.</summary>
public static class DataStatistics
{
    /// <summary>Per-image stats for each image of a set.</summary>
    public static ImageStat[] PerImage(ImageSet set, IEnumerable<int> indices) =>
        indices.Select(i => ImageStat.Of(set[i])).ToArray();

    /// <summary>SEM statistics: simulated per case, real train per Depth folder, test overall.</summary>
    public static List<SemStats> Sem(SemData d)
    {
        var list = new List<SemStats>();
        foreach (int c in Cases.All)
        {
            var simIdx = d
                .Layout.Sim.Select((p, i) => (p, i))
                .Where(t => t.p.Case == c)
                .SelectMany(t => new[] { 2 * t.i, 2 * t.i + 1 });
            list.Add(Make("Sim", c, PerImage(d.SimSem, simIdx)));
        }
        foreach (int c in Cases.All)
        {
            var idx = d.Layout.Train.Select((t, i) => (t, i)).Where(t => t.t.Case == c).Select(t => t.i);
            list.Add(Make("Real", c, PerImage(d.Train, idx)));
        }
        list.Add(Make("Real (test)", 0, PerImage(d.Test, Enumerable.Range(0, d.Test.Count))));
        return list;
    }

    static SemStats Make(string domain, int c, ImageStat[] s) =>
        new(
            domain,
            c,
            Summary.Of(s.Select(x => x.Mean)),
            Summary.Of(s.Select(x => x.Sd)),
            Summary.Of(s.Select(x => x.BackgroundSd)),
            Summary.Of(s.Select(x => (double)x.Max))
        );

    /// <summary>Depth-map statistics per case: simulated maps, and the real-domain truth when present.</summary>
    public static List<DepthStats> Depth(SemData d)
    {
        var list = new List<DepthStats>();
        foreach (int c in Cases.All)
            list.Add(
                MakeDepth(
                    "Sim",
                    c,
                    d.SimDepth,
                    d.Layout.Sim.Select((p, i) => (p, i)).Where(t => t.p.Case == c).Select(t => t.i)
                )
            );
        if (d.TrainTruth is { } truth)
            foreach (int c in Cases.All)
                list.Add(
                    MakeDepth(
                        "Real truth (train)",
                        c,
                        truth,
                        d.Layout.Train.Select((t, i) => (t, i)).Where(t => t.t.Case == c).Select(t => t.i)
                    )
                );
        return list;
    }

    static DepthStats MakeDepth(string source, int c, ImageSet set, IEnumerable<int> idx)
    {
        int p = Cases.Plateau(c);
        var means = new List<double>();
        var sds = new List<double>();
        var mins = new List<double>();
        long plateau = 0,
            total = 0;
        foreach (int i in idx)
        {
            var img = set[i];
            var s = ImageStat.Of(img);
            means.Add(s.Mean);
            sds.Add(s.Sd);
            mins.Add(s.Min);
            foreach (byte v in img)
                if (v == p)
                    plateau++;
            total += img.Length;
        }
        var m = Summary.Of(means);
        return new DepthStats(
            source,
            c,
            m,
            Summary.Of(sds),
            Summary.Of(mins),
            total == 0 ? 0 : plateau / (double)total,
            Cases.PaddedMean(c, m.Mean)
        );
    }

    /// <summary>average_depth.csv per Depth folder.</summary>
    public static List<SiteAverageStats> SiteAverages(DaconDataSet set) =>
        Cases
            .All.Select(c => new SiteAverageStats(
                c,
                $"Depth_{Cases.DepthFolder(c)}",
                Summary.Of(
                    set.AverageDepth.Where(kv =>
                            kv.Key.StartsWith($"depth_{Cases.DepthFolder(c)}_", StringComparison.Ordinal)
                        )
                        .Select(kv => kv.Value)
                )
            ))
            .ToList();
}
