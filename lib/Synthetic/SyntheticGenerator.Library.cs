using SemDepth.Data;

namespace SemDepth.Synthetic;

/// <summary>Which library map is the truth of which real image: train sites and their cases, the test cases, and
/// the library maps drawn for each (one-to-one by default, <see cref="SyntheticConfig.LibraryUse"/>).</summary>
public static partial class SyntheticGenerator
{
    /// <summary>The case of every train site, in site order (Depth_110's sites first).</summary>
    static int[] TrainSiteCases(SyntheticConfig cfg) =>
        Cases.All.SelectMany(c => Enumerable.Repeat(c, cfg.TrainSitesPerCase[c - 1])).ToArray();

    /// <summary>Images of the <paramref name="s"/>-th site of case <paramref name="c"/>: the case's train images
    /// spread evenly over its sites.</summary>
    static int SiteImages(SyntheticConfig cfg, int c, int s)
    {
        int sites = cfg.TrainSitesPerCase[c - 1];
        return cfg.TrainImagesPerCase / sites + (s < cfg.TrainImagesPerCase % sites ? 1 : 0);
    }

    /// <summary>
    /// Which library map every real-domain image reuses (-1: a new shape) and every test image's case, for maps of
    /// each case ranked from shallowest to deepest mean (<paramref name="byMean"/>, map indices per case); train
    /// images in file order. What <see cref="Generate"/> writes to truth/*_library.csv, without rendering.
    /// </summary>
    internal static (int[] TrainMap, int[] TestCase, int[] TestMap) PlanLibrary(SyntheticConfig cfg, int[][] byMean)
    {
        var siteCase = TrainSiteCases(cfg);
        var latents = SiteLatents(cfg, siteCase);
        var train = new List<(int Case, double Latent)>();
        for (int s = 0; s < siteCase.Length; s++)
        {
            int c = siteCase[s];
            for (int k = 0; k < SiteImages(cfg, c, s - siteCase.Count(x => x < c)); k++)
                train.Add((c, latents[s]));
        }
        var testCase = TestCases(cfg);
        var (trainMap, testMap) = AssignLibrary(cfg, train.ToArray(), testCase, byMean);
        return (trainMap, testCase, testMap);
    }

    /// <summary>
    /// The case of every test image. One-to-one: <see cref="SyntheticConfig.TestImagesOf"/> images of each case in
    /// a seeded random order (the names tell nothing); with replacement: each drawn uniformly, the first draw of the
    /// image's stream.
    /// </summary>
    static int[] TestCases(SyntheticConfig cfg)
    {
        int n = cfg.TestImages;
        if (cfg.LibraryUse == LibraryUse.WithReplacement)
            return Enumerable.Range(0, n).Select(i => 1 + Rng.For(cfg.Seed, 30, i).NextInt(4)).ToArray();
        var cases = Cases.All.SelectMany(c => Enumerable.Repeat(c, cfg.TestImagesOf(c))).ToArray();
        var r = Rng.For(cfg.Seed, 31, 0);
        for (int i = cases.Length - 1; i > 0; i--) // Fisher-Yates
        {
            int j = r.NextInt(i + 1);
            (cases[i], cases[j]) = (cases[j], cases[i]);
        }
        return cases;
    }

    /// <summary>
    /// The library map each real-domain image reuses (-1: a new shape), train and test. Whether an image is a new
    /// shape is the first draw of its own stream (seed, 50 + split, i). A train image's draw goes through a
    /// Gaussian copula shared with its site (correlation <see cref="SyntheticConfig.SiteLibraryCorrelation"/>) on
    /// the rank of the maps' mean depth (<paramref name="byMean"/>, per case), which gives the site averages their
    /// published spread; a test image's draw is its own. With replacement each draw picks its map independently.
    /// One-to-one the images of a case are ranked by their draws and take the maps of the same rank, each map at
    /// most once (exactly once when the case has as many images as maps): the site's images still take maps of
    /// similar depth, and no two images share a truth.
    /// </summary>
    static (int[] Train, int[] Test) AssignLibrary(
        SyntheticConfig cfg,
        (int Case, double Latent)[] train,
        int[] testCase,
        int[][] byMean
    )
    {
        var trainMap = new int[train.Length];
        var testMap = new int[testCase.Length];
        // (split, index, case, copula draw) of every image that reuses a map
        var reusers = new List<(int Split, int I, int Case, double Z)>();
        double rho = cfg.SiteLibraryCorrelation;
        for (int split = 0; split < 2; split++)
        {
            int count = split == 0 ? train.Length : testCase.Length;
            var map = split == 0 ? trainMap : testMap;
            for (int i = 0; i < count; i++)
            {
                var r = Rng.For(cfg.Seed, 50 + split, i);
                map[i] = -1;
                if (r.NextDouble() >= cfg.RealLibraryShare)
                    continue;
                int c = split == 0 ? train[i].Case : testCase[i];
                var ranks = byMean[c - 1];
                if (split == 1 && cfg.LibraryUse == LibraryUse.WithReplacement)
                {
                    map[i] = r.NextInt(ranks.Length);
                    continue;
                }
                double z = split == 0 ? Math.Sqrt(rho) * train[i].Latent + Math.Sqrt(1 - rho) * r.Normal() : r.Normal();
                if (cfg.LibraryUse == LibraryUse.WithReplacement)
                    map[i] = ranks[Math.Min(ranks.Length - 1, (int)(NormalCdf(z) * ranks.Length))];
                else
                    reusers.Add((split, i, c, z));
            }
        }
        foreach (var group in reusers.GroupBy(x => x.Case))
        {
            var ranks = byMean[group.Key - 1];
            var ordered = group.OrderBy(x => x.Z).ThenBy(x => x.Split).ThenBy(x => x.I).ToArray();
            for (int k = 0; k < ordered.Length; k++)
            {
                // k-th of m images -> map of rank (k + 1/2) n / m: every map when m = n, evenly spread otherwise
                int rank = (int)((k + 0.5) * ranks.Length / ordered.Length);
                var (split, i, _, _) = ordered[k];
                (split == 0 ? trainMap : testMap)[i] = ranks[rank];
            }
        }
        return (trainMap, testMap);
    }

    /// <summary>Every site's latent draw of the copula, standardised within its folder (mean 0, SD 1: a folder's
    /// few sites then do not move its average) and kept within <see cref="SyntheticConfig.SiteLatentBound"/>.</summary>
    static double[] SiteLatents(SyntheticConfig cfg, IReadOnlyList<int> siteCases)
    {
        var z = Enumerable.Range(0, siteCases.Count).Select(s => Rng.For(cfg.Seed, 52, s).Normal()).ToArray();
        foreach (int c in Cases.All)
        {
            var idx = Enumerable.Range(0, z.Length).Where(s => siteCases[s] == c).ToArray();
            if (idx.Length < 2)
                continue;
            double mean = idx.Average(s => z[s]);
            double sd = Math.Sqrt(idx.Sum(s => (z[s] - mean) * (z[s] - mean)) / (idx.Length - 1));
            foreach (int s in idx)
                z[s] = (z[s] - mean) / Math.Max(sd, 1e-9);
        }
        return z.Select(v => Math.Clamp(v, -cfg.SiteLatentBound, cfg.SiteLatentBound)).ToArray();
    }

    /// <summary>Standard normal CDF (Abramowitz and Stegun 7.1.26, error below 1.5e-7).</summary>
    static double NormalCdf(double x)
    {
        double t = 1 / (1 + 0.3275911 * Math.Abs(x) / Math.Sqrt(2));
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double erf = 1 - poly * Math.Exp(-x * x / 2);
        return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    }
}
