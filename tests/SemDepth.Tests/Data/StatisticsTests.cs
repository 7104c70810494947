using System.Globalization;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Synthetic;
using Xunit;

namespace SemDepth.Tests;

/// <summary>The generated statistics against the published figures (shared/docs/dacon-dataset.md).</summary>
[Collection("tiny")]
public class StatisticsTests(TinyData tiny)
{
    [Fact]
    [Trait("Category", "Slow")]
    public void SyntheticStatisticsMatchThePublishedFacts()
    {
        // 29 images a site, as in the real set, so site averages spread as they do there.
        var cfg = SyntheticConfig.Quick with
        {
            SimMapsPerCase = 735, // one-to-one: 725 train + 10 test images a case
            TrainSitesPerCase = [25, 25, 25, 25],
            TrainImagesPerCase = 725,
            TestImages = 40,
            WriteSampleSubmission = false,
        };
        string root = Path.Combine(tiny.Scratch, "stats");
        SyntheticGenerator.Generate(cfg, root, overwrite: true);
        using var d = SemData.Open(root, cacheDir: Path.Combine(tiny.Scratch, "cache-stats"));
        var sem = DataStatistics.Sem(d);
        double[] simMean = [103, 101, 100, 98.5],
            realMean = [118.2, 116.4, 114.7, 113.0];
        foreach (int c in Cases.All)
        {
            var s = sem.Single(x => x.Domain == "Sim" && x.Case == c);
            Assert.InRange(s.ImageMean.Mean, simMean[c - 1] - 2, simMean[c - 1] + 2); // sim per-image mean
            Assert.InRange(s.ImageSd.Mean, 54, 61); // sim per-image SD 55-60
            Assert.InRange(s.NoiseSd.Mean, 10, 14); // sim background noise 10-14
            Assert.Equal(212, s.Max.Max); // rim maximum
            var r = sem.Single(x => x.Domain == "Real" && x.Case == c);
            Assert.InRange(r.ImageMean.Mean, realMean[c - 1] - 2.5, realMean[c - 1] + 2.5);
            Assert.InRange(r.ImageSd.Mean, 62, 69); // real SD 63-68
            Assert.InRange(r.NoiseSd.Mean, 3, 5); // real noise ~4
            Assert.InRange(r.Max.Mean, 208, 212);
        }
        // deeper folders are darker
        Assert.True(
            sem.Single(x => x.Domain == "Real" && x.Case == 1).ImageMean.Mean
                > sem.Single(x => x.Domain == "Real" && x.Case == 4).ImageMean.Mean + 2
        );
        double[] mapMean = [102, 108.5, 115, 122],
            mapSd = [47, 51.5, 55.5, 60];
        foreach (var s in DataStatistics.Depth(d).Where(s => s.Source == "Sim"))
        {
            Assert.InRange(s.MapMean.Mean, mapMean[s.Case - 1] - 2, mapMean[s.Case - 1] + 2);
            Assert.InRange(s.MapSd.Mean, mapSd[s.Case - 1] - 3, mapSd[s.Case - 1] + 3);
            Assert.InRange(s.MapMin.Min, 0, 30);
            Assert.InRange(s.PlateauFraction, 0.4, 0.6); // about half the pixels
        }
        // every simulated map is exactly the plateau at its corners
        for (int i = 0; i < d.SimDepth.Count; i++)
            Assert.Equal(Cases.Plateau(d.DataSet.Sim[i].Case), d.SimDepth[i][0]);
        double[] csvMean = [108.70, 118.56, 128.23, 138.22],
            lo = [105.33, 115.01, 124.67, 134.74],
            hi = [111.89, 121.68, 132.54, 142.16];
        foreach (var s in DataStatistics.SiteAverages(d.DataSet))
        {
            Assert.InRange(s.SiteAverage.Mean, csvMean[s.Case - 1] - 1.2, csvMean[s.Case - 1] + 1.2);
            Assert.InRange(s.SiteAverage.Min, lo[s.Case - 1] - 1.5, hi[s.Case - 1]);
            Assert.InRange(s.SiteAverage.Max, lo[s.Case - 1], hi[s.Case - 1] + 1.5);
            Assert.InRange(s.SiteAverage.Sd, 0.6, 2.5); // published 1.55
        }
    }

    [Fact]
    public void EveryPresetIsOneToOneAndTheTinySetSaysSo()
    {
        foreach (var cfg in new[] { SyntheticConfig.Tiny, SyntheticConfig.Quick, SyntheticConfig.Full })
        {
            cfg.Check();
            int n = cfg.SimMapsPerCase;
            var byMean = Cases.All.Select(_ => Enumerable.Range(0, n).ToArray()).ToArray();
            var (trainMap, testCase, testMap) = SyntheticGenerator.PlanLibrary(cfg, byMean);
            Assert.Equal(4 * cfg.TrainImagesPerCase, trainMap.Length);
            Assert.Equal(cfg.TestImages, testMap.Length);
            foreach (int c in Cases.All)
            {
                // train images are in case order: Depth_110's first
                var train = trainMap.Skip((c - 1) * cfg.TrainImagesPerCase).Take(cfg.TrainImagesPerCase);
                var test = testMap.Where((_, i) => testCase[i] == c).ToList();
                Assert.Equal(n, cfg.TrainImagesPerCase + test.Count); // real images a case = maps a case
                var all = train.Concat(test).Order().ToArray();
                Assert.Equal(Enumerable.Range(0, n), all); // every map exactly once
            }
        }
        Assert.Equal(6497, SyntheticConfig.Full.TestImagesOf(4)); // 21,663 - 15,166
        using var d = SemData.Open(tiny.Root);
        var stats = DataStatistics.LibraryUse(d);
        Assert.Equal(4, stats.Count);
        Assert.All(stats, s => Assert.True(s.OneToOne, s.ToString()));
        Assert.All(stats, s =>
            Assert.Equal((34, 24, 10, 0), (s.Maps, s.TrainImages, s.TestImages, s.MapsInTrainAndTest))
        );
        // the library's shapes: other maps a few levels away, nearer still when a search may shift them
        Assert.All(DataStatistics.NearestOtherMap(d, samples: 8), n =>
        {
            Assert.InRange(n.Nearest, 1.0, 15.0);
            Assert.InRange(n.NearestShifted, 0.1, n.Nearest);
        });
    }

    [Fact]
    public void ACountThatCannotBeOneToOneIsAnErrorNamingTheNumbersUnlessReuseIsAsked()
    {
        var tooMany = SyntheticConfig.Tiny with { TestImages = 60 }; // 24 + 15 a case for 34 maps
        var e = Assert.Throws<ArgumentException>(tooMany.Check);
        Assert.Contains("Case_1 has 39 (24 train + 15 test) for 34 maps", e.Message);
        Assert.Contains("with-replacement", e.Message);
        var reuse = tooMany with { LibraryUse = LibraryUse.WithReplacement, RealLibraryShare = 0.7 };
        reuse.Check();
        int n = reuse.SimMapsPerCase;
        var (trainMap, _, testMap) = SyntheticGenerator.PlanLibrary(
            reuse,
            Cases.All.Select(_ => Enumerable.Range(0, n).ToArray()).ToArray()
        );
        var all = trainMap.Concat(testMap).ToArray();
        double fresh = all.Count(m => m < 0) / (double)all.Length;
        Assert.InRange(fresh, 0.15, 0.45); // about 30 % new shapes
        Assert.Contains(all.Where(m => m >= 0).GroupBy(m => m), g => g.Count() > 1); // maps drawn with replacement
        Assert.Throws<ArgumentException>((SyntheticConfig.Tiny with { LibraryUse = (LibraryUse)7 }).Check);
    }

    [Fact]
    public void SummaryAndImageStatsAreRight()
    {
        var s = Summary.Of([1.0, 2.0, 3.0, 4.0]);
        Assert.Equal(2.5, s.Mean, 10);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), s.Sd, 10);
        var img = new byte[Geometry.Pixels];
        for (int i = 0; i < img.Length; i++)
            img[i] = (byte)(i % 2 == 0 ? 100 : 110);
        var st = ImageStat.Of(img);
        Assert.Equal(105, st.Mean, 10);
        Assert.Equal(5, st.Sd, 10);
        Assert.Equal(5, st.BackgroundSd, 10);
        Assert.Equal(108.8, Cases.PaddedMean(1, 102), 1);
        Assert.Equal(
            string.Create(CultureInfo.InvariantCulture, $"depth_120_site_00001"),
            DaconNames.SiteKey(2, "site_00001")
        );
    }
}
