using SemDepth.Images;

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

/// <summary>How the real-domain images of one case use the simulated library (hidden truth of a synthetic set): the
/// real download's counts say each map is the truth of exactly one real image.</summary>
public sealed record LibraryUseStats(
    int Case,
    int Maps,
    int TrainImages,
    int TestImages,
    int NewShapes,
    int MapsUsed,
    int MostImagesOfOneMap,
    int MapsInTrainAndTest
)
{
    /// <summary>Every map the truth of exactly one real image.</summary>
    public bool OneToOne => NewShapes == 0 && MostImagesOfOneMap == 1 && MapsUsed == Maps;

    public override string ToString() =>
        $"Case_{Case}: {Maps:N0} maps, {TrainImages:N0} train + {TestImages:N0} test images, {NewShapes:N0} new "
        + $"shapes, {MapsUsed:N0} maps used, at most {MostImagesOfOneMap} "
        + (MostImagesOfOneMap == 1 ? "image" : "images")
        + $" a map, {MapsInTrainAndTest:N0} maps in train and test{(OneToOne ? ": one-to-one" : "")}";
}

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
                .DataSet.Sim.Select((p, i) => (p, i))
                .Where(t => t.p.Case == c)
                .SelectMany(t => new[] { 2 * t.i, 2 * t.i + 1 });
            list.Add(Make("Sim", c, PerImage(d.SimSem, simIdx)));
        }
        foreach (int c in Cases.All)
        {
            var idx = d.DataSet.Train.Select((t, i) => (t, i)).Where(t => t.t.Case == c).Select(t => t.i);
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
                    d.DataSet.Sim.Select((p, i) => (p, i)).Where(t => t.p.Case == c).Select(t => t.i)
                )
            );
        if (d.TrainTruth is { } truth)
            foreach (int c in Cases.All)
                list.Add(
                    MakeDepth(
                        "Real truth (train)",
                        c,
                        truth,
                        d.DataSet.Train.Select((t, i) => (t, i)).Where(t => t.t.Case == c).Select(t => t.i)
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

    /// <summary>Library use per case from truth/{train,test}_library.csv; empty without them (real data).</summary>
    public static List<LibraryUseStats> LibraryUse(SemData d)
    {
        if (d.TrainLibrary is not { } train || d.TestLibrary is not { } test || d.TestCases is not { } testCases)
            return [];
        var list = new List<LibraryUseStats>();
        foreach (int c in Cases.All)
        {
            var trainMaps = Enumerable
                .Range(0, train.Length)
                .Where(i => d.DataSet.Train[i].Case == c)
                .Select(i => train[i]);
            var testMaps = Enumerable.Range(0, test.Length).Where(i => testCases[i] == c).Select(i => test[i]);
            var tr = trainMaps.ToList();
            var te = testMaps.ToList();
            var used = tr.Concat(te).Where(m => m >= 0).GroupBy(m => m).ToList();
            list.Add(
                new LibraryUseStats(
                    c,
                    d.DataSet.Sim.Count(p => p.Case == c),
                    tr.Count,
                    te.Count,
                    tr.Concat(te).Count(m => m < 0),
                    used.Count,
                    used.Count == 0 ? 0 : used.Max(g => g.Count()),
                    tr.Where(m => m >= 0).Intersect(te).Count()
                )
            );
        }
        return list;
    }

    /// <summary>
    /// How far apart the library's shapes are: for an even sample of <paramref name="samples"/> maps a case, the RMSE
    /// to the nearest <i>other</i> map of the same case (a team with the real data measured about 2.0 on average), and
    /// the same with the other maps moved circularly by up to <paramref name="maxShift"/> px, what a shift-searching
    /// retrieval cannot tell apart. Per case: (mean nearest, mean nearest over shifts). Each sampled map is compared
    /// exactly with the 64 maps nearest to it on 6x6-pixel block means (a full-size library has 21,663 a case): the
    /// nearest is exact on the quick preset; the shifted figure is an upper bound (a map near only after a shift may
    /// not be among the 64: 2.11-2.61 on quick against 1.79-2.21 when every map is shifted).
    /// </summary>
    public static List<(int Case, double Nearest, double NearestShifted)> NearestOtherMap(
        SemData d,
        int samples = 200,
        int maxShift = 2
    )
    {
        var list = new List<(int, double, double)>();
        const int H = Geometry.Height,
            W = Geometry.Width,
            B = 6,
            Candidates = 64;
        foreach (int c in Cases.All)
        {
            var maps = Enumerable.Range(0, d.DataSet.Sim.Count).Where(i => d.DataSet.Sim[i].Case == c).ToArray();
            if (maps.Length < 2)
                continue;
            var pix = maps.Select(m => d.SimDepth[m].ToArray()).ToArray();
            var coarse = pix.Select(p =>
                {
                    var o = new float[H / B * (W / B)];
                    for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++)
                        o[y / B * (W / B) + x / B] += p[y * W + x] / (float)(B * B);
                    return o;
                })
                .ToArray();
            var sample = Batches.EvenSample(Enumerable.Range(0, maps.Length).ToArray(), samples);
            var near = new double[sample.Length];
            var nearShifted = new double[sample.Length];
            Parallel.For(0, sample.Length, k =>
            {
                int me = sample[k];
                var a = pix[me];
                var nearest = Enumerable
                    .Range(0, pix.Length)
                    .Where(o => o != me)
                    .Select(o => (o, Dist: Distance(coarse[me], coarse[o])))
                    .OrderBy(t => t.Dist)
                    .Take(Candidates)
                    .Select(t => t.o);
                long best = long.MaxValue,
                    bestShifted = long.MaxValue;
                foreach (int o in nearest)
                {
                    var b = pix[o];
                    for (int dy = -maxShift; dy <= maxShift; dy++)
                    for (int dx = -maxShift; dx <= maxShift; dx++)
                    {
                        long sum = 0,
                            bound = dy == 0 && dx == 0 ? best : bestShifted; // past it, this shift cannot win
                        for (int y = 0; y < H && sum < bound; y++)
                        {
                            int sy = ((y + dy) % H + H) % H;
                            for (int x = 0; x < W; x++)
                            {
                                int e = a[y * W + x] - b[sy * W + ((x + dx) % W + W) % W];
                                sum += e * e;
                            }
                        }
                        if (dy == 0 && dx == 0)
                            best = Math.Min(best, sum);
                        bestShifted = Math.Min(bestShifted, sum);
                    }
                }
                near[k] = Math.Sqrt(best / (double)Geometry.Pixels);
                nearShifted[k] = Math.Sqrt(bestShifted / (double)Geometry.Pixels);
            });
            list.Add((c, near.Average(), nearShifted.Average()));
        }
        return list;
    }

    static float Distance(float[] a, float[] b)
    {
        float s = 0;
        for (int i = 0; i < a.Length; i++)
            s += (a[i] - b[i]) * (a[i] - b[i]);
        return s;
    }
}
