using System.Globalization;
using SemDepth.Data;
using SemDepth.Synthetic;
using Xunit;

namespace SemDepth.Tests;

[Collection("tiny")]
public class DataSetTests(TinyData tiny)
{
    [Fact]
    public void TinySetHasTheExactLayoutAndCounts()
    {
        var set = DaconDataSet.Open(tiny.Root);
        Assert.Equal(4 * 34, set.Sim.Count); // 24 train + 10 test images a case: one real image a map
        Assert.Equal(4 * 24, set.Train.Count);
        Assert.Equal(16, set.AverageDepth.Count);
        Assert.Equal(40, set.Test.Count);
        Assert.True(set.HasTruth);
        Assert.Null(set.SampleSubmissionPath); // absent by default, as in the real download
        var p = set.Sim[0];
        Assert.Matches(@"^\d{8}_\d{6}_NE\d{6}C_RAE\d{2}_1_S\d{2}_M\d{4}-01MS_\d$", p.Base);
        Assert.EndsWith(
            Path.Combine("simulation_data", "SEM", "Case_1", p.SubFolder, p.Base + "_itr0.png"),
            p.Itr0Path
        );
        Assert.Equal("0,1", File.ReadLines(DaconNames.CsvPath(tiny.Root)).First());
        Assert.Matches(
            @"^depth_1[1-4]0_site_\d{5},\d+\.\d+$",
            File.ReadLines(DaconNames.CsvPath(tiny.Root)).Skip(1).First()
        );
        Assert.True(DaconDataSet.Validate(tiny.Root).Ok);
    }

    [Fact]
    public void GenerationIsDeterministicForASeed()
    {
        string a = Path.Combine(tiny.Scratch, "det-a"),
            b = Path.Combine(tiny.Scratch, "det-b");
        var small = SyntheticConfig.Tiny with
        {
            SimMapsPerCase = 5,
            TrainSitesPerCase = [1, 1, 1, 1],
            TrainImagesPerCase = 2,
            TestImages = 3,
        };
        SyntheticGenerator.Generate(small, a, overwrite: true);
        SyntheticGenerator.Generate(small, b, overwrite: true);
        var fa = Directory.GetFiles(a, "*.png", SearchOption.AllDirectories).Order().ToList();
        Assert.Equal(fa.Count, Directory.GetFiles(b, "*.png", SearchOption.AllDirectories).Length);
        foreach (var f in fa)
            Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(b, Path.GetRelativePath(a, f))));
        SyntheticGenerator.Generate(small with { Seed = 7 }, b, overwrite: true);
        var testA = File.ReadAllBytes(Path.Combine(a, "test", "SEM", "000000.png"));
        Assert.NotEqual(testA, File.ReadAllBytes(Path.Combine(b, "test", "SEM", "000000.png")));
        Assert.Throws<IOException>(() => SyntheticGenerator.Generate(small, b)); // never overwrite silently
    }

    [Fact]
    public void SplitsNeverLeakBasesOrSites()
    {
        var set = DaconDataSet.Open(tiny.Root);
        var (tr, va) = Splits.SimByBase(set, 0.2, 41);
        Assert.Equal(2 * set.Sim.Count, tr.Length + va.Length);
        var trBases = tr.Select(i => set.Sim[i / 2].Base).ToHashSet();
        Assert.DoesNotContain(va, i => trBases.Contains(set.Sim[i / 2].Base));
        Assert.InRange(va.Length / (double)(tr.Length + va.Length), 0.1, 0.3);
        var (ttr, tva) = Splits.TrainBySite(set, 0.25, 41);
        var sites = ttr.Select(i => set.Train[i].SiteKey).ToHashSet();
        Assert.DoesNotContain(tva, i => sites.Contains(set.Train[i].SiteKey));
    }

    [Fact]
    public void CacheReloadsIdenticallyAndRebuildsWhenFilesChange()
    {
        string root = tiny.Copy("cache-copy");
        string cache = Path.Combine(tiny.Scratch, "cache-test");
        using (var d = SemData.Open(root, cacheDir: cache))
        {
            Assert.Equal(Png8.Read(d.Layout.Test[3].Path), d.Test.ToArray(3));
            Assert.Equal(Png8.Read(d.Layout.Sim[2].Itr1Path), d.SimSem.ToArray(5));
            Assert.Equal(Png8.Read(d.Layout.Sim[2].DepthPath), d.SimDepth.ToArray(2));
        }
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(cache, "test.u8"));
        using (var d = SemData.Open(root, cacheDir: cache))
            Assert.Equal(40, d.Test.Count);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(cache, "test.u8"))); // reused
        File.Delete(Path.Combine(DaconNames.TestDir(root), "000000.png"));
        using (var d = SemData.Open(root, cacheDir: cache))
            Assert.Equal(39, d.Test.Count); // rebuilt
    }

    [Fact]
    public void BatchesHaveTheRightShapeScaleAndFlips()
    {
        using var d = SemData.Open(tiny.Root);
        var t = Batches.ToTensor(
            d.Test,
            new[] { 0, 1 },
            PixelScale.Unit,
            TorchSharp.torch.CPU,
            new[] { Flip.None, Flip.Rotate180 }
        );
        Assert.Equal(new long[] { 2, 1, 72, 48 }, t.shape);
        var img = d.Test[1];
        Assert.Equal(img[0] / 255f, t[1, 0, 71, 47].item<float>(), 5);
        Assert.Equal(d.Test[0][47] / 255f, t[0, 0, 0, 47].item<float>(), 5);
        var s = Batches.ToTensor(d.Test, new[] { 0 }, PixelScale.Symmetric, TorchSharp.torch.CPU);
        Assert.Equal(d.Test[0][0] / 127.5f - 1, s[0, 0, 0, 0].item<float>(), 5);
    }
}

/// <summary>Each planted fault gives a clear error naming the file; the validator reports them all at once.</summary>
[Collection("tiny")]
public class LayoutIndexTests(TinyData tiny)
{
    static void SameLayout(DaconDataSet a, DaconDataSet b)
    {
        Assert.Equal(a.Sim, b.Sim);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Test, b.Test);
        Assert.Equal(a.AverageDepth.OrderBy(kv => kv.Key), b.AverageDepth.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void ReopeningUsesTheIndexAndAnyChangeInvalidatesIt()
    {
        string root = tiny.Copy("layout-index");
        var scanned = DaconDataSet.Scan(root).DataSet!;
        var first = DaconDataSet.Open(root); // scans and writes the index
        Assert.True(File.Exists(Path.Combine(ImageCache.DirFor(root), "layout.idx")));
        SameLayout(scanned, first);
        SameLayout(scanned, DaconDataSet.Open(root)); // read from the index: the same records, paths included

        var site = Path.GetDirectoryName(first.Train[0].Path)!;
        File.Copy(first.Train[0].Path, Path.Combine(site, "SEM_999999.png"));
        Assert.Equal(first.Train.Count + 1, DaconDataSet.Open(root).Train.Count); // a new file in a site folder
        File.Delete(first.Test[0].Path);
        Assert.Equal(first.Test.Count - 1, DaconDataSet.Open(root).Test.Count); // a removed test file
        File.WriteAllText(Path.Combine(ImageCache.DirFor(root), "layout.idx"), "damaged");
        Assert.Equal(first.Test.Count - 1, DaconDataSet.Open(root).Test.Count); // a damaged index is rescanned
        File.AppendAllText(DaconNames.CsvPath(root), "depth_110_site_99999,1.0\n");
        Assert.Throws<DataSetException>(() => DaconDataSet.Open(root)); // CSV edits are seen (key without folder)
    }
}

[Collection("tiny")]
public class BadInputTests(TinyData tiny)
{
    static string FirstPng(string dir) => Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal).First();

    [Fact]
    public void EveryPlantedFaultIsReportedWithItsFile()
    {
        string r = tiny.Copy("faults");
        var set = DaconDataSet.Open(r);
        var pairs = set.Sim;
        File.Delete(pairs[0].Itr1Path); // missing itr
        File.Copy(pairs[1].Itr0Path, pairs[1].Itr0Path.Replace("_itr0", "_itr2")); // extra itr
        File.Delete(pairs[2].Itr0Path);
        File.Delete(pairs[2].Itr1Path); // depth map with no SEM
        File.Delete(pairs[3].DepthPath); // SEM with no depth map
        using (var i = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(64, 64))
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(i, pairs[4].Itr0Path); // wrong size
        using (var i = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(48, 72))
        {
            i[7, 5] = new SixLabors.ImageSharp.PixelFormats.Rgb24(10, 20, 10);
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(i, set.Train[0].Path); // real colour
        }
        var bytes = File.ReadAllBytes(set.Test[0].Path);
        File.WriteAllBytes(set.Test[0].Path, bytes[..30]); // truncated
        File.WriteAllText(Path.Combine(DaconNames.TestDir(r), "notes.txt"), "x"); // non-PNG file
        string csv = DaconNames.CsvPath(r);
        var lines = File.ReadAllLines(csv).ToList();
        lines[1] = lines[1].Split(',')[0] + ",NaN"; // NaN depth
        lines[2] = lines[2].Split(',')[0] + ",deep"; // non-numeric
        lines.Add("depth_110_site_99999,108.5"); // key with no folder
        lines.Add("this,is,malformed"); // malformed row
        string orphanSite = set.Train.Last().SiteKey;
        lines.RemoveAll(l => l.StartsWith(orphanSite + ",", StringComparison.Ordinal)); // folder with no key
        File.WriteAllLines(csv, lines);
        Directory.CreateDirectory(Path.Combine(r, "train", "SEM", "Depth_110", "site_77777")); // empty folder

        var e = Assert.Throws<DataSetException>(() => DaconDataSet.Open(r));
        Assert.Contains("missing", e.Message);
        var report = DaconDataSet.Validate(r);
        string all = string.Join("\n", report.Problems.Select(p => p.ToString()));
        Assert.Contains($"{pairs[0].Base}_itr1.png: missing {pairs[0].Base}_itr1.png", all);
        Assert.Contains($"{pairs[1].Base}_itr2.png: unexpected file", all);
        Assert.Contains($"{pairs[2].Base}.png: depth map has no SEM images", all);
        Assert.Contains($"no depth map {pairs[3].Base}.png", all);
        Assert.Contains($"{pairs[4].Itr0Path}: image is 64x64 (width x height); expected 48x72", all);
        Assert.Contains(
            $"{set.Train[0].Path}: colour (RGB) PNG (8-bit) with channels that differ at row 5, column 7 "
                + $"(R,G,B = 10,20,10)",
            all
        );
        Assert.Contains($"{set.Test[0].Path}: truncated PNG", all);
        Assert.Contains("notes.txt: not a PNG file", all);
        Assert.Contains("is NaN (not finite)", all);
        Assert.Contains("depth 'deep'", all);
        Assert.Contains("key depth_110_site_99999 has no folder train/SEM/Depth_110/site_99999", all);
        Assert.Contains("expected 2 fields (key,depth), found 3", all);
        Assert.Contains($"site folder has no row {orphanSite}", all);
        Assert.Contains("site_77777: empty folder", all);
        var counts = report.Counts.ToDictionary(c => c.Kind, c => c.Count);
        Assert.Equal(1, counts["wrong image size"]);
        Assert.Equal(2, counts["bad depth value"]);
        Assert.True(report.Problems.Count >= 14);
        Assert.Contains("problem(s)", report.Format());
    }

    [Fact]
    public void WrongDataRootsAreExplained()
    {
        var missing = Assert.Throws<DataSetException>(() => DaconDataSet.Open(Path.Combine(tiny.Scratch, "nope")));
        Assert.Contains("data root does not exist", missing.Message);
        string empty = Path.Combine(tiny.Scratch, "empty-root");
        Directory.CreateDirectory(empty);
        Assert.Contains(
            "not a Dacon data root",
            Assert.Throws<DataSetException>(() => DaconDataSet.Open(empty)).Message
        );
    }

    [Fact]
    public void ACorruptImageFailsTheCacheNamingTheFile()
    {
        string r = tiny.Copy("corrupt-cache");
        var set = DaconDataSet.Open(r);
        File.WriteAllBytes(set.Test[5].Path, new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0 });
        using var d = SemData.Open(r, cacheDir: Path.Combine(tiny.Scratch, "cache-corrupt"));
        var e = Assert.Throws<ImageFormatProblem>(() => d.Test.Count);
        Assert.Equal(set.Test[5].Path, e.FilePath);
        Assert.False(File.Exists(Path.Combine(tiny.Scratch, "cache-corrupt", "test.u8"))); // nothing half-written
    }
}

/// <summary>The generated statistics against the published figures (shared/docs/dacon-dataset.md).</summary>
[Collection("tiny")]
public class StatisticsTests(TinyData tiny)
{
    [Fact]
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
            Assert.Equal(Cases.Plateau(d.Layout.Sim[i].Case), d.SimDepth[i][0]);
        double[] csvMean = [108.70, 118.56, 128.23, 138.22],
            lo = [105.33, 115.01, 124.67, 134.74],
            hi = [111.89, 121.68, 132.54, 142.16];
        foreach (var s in DataStatistics.SiteAverages(d.Layout))
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

/// <summary>The real download's geometry: crops offset from their maps, site averages in the published
/// ranges.</summary>
public class SyntheticRealismTests
{
    static string Fresh(string name)
    {
        string d = Path.Combine(Path.GetTempPath(), $"semdepth-realism-{Environment.ProcessId}", name);
        if (Directory.Exists(d))
            Directory.Delete(d, true);
        return d;
    }

    [Fact]
    public void CropOffsetsMoveTheSemOnlyMostlyByAPixelAtMostTwo()
    {
        var cfg = SyntheticConfig.Tiny;
        var offsets = Enumerable.Range(0, 4000).Select(i => SyntheticGenerator.CropOffset(cfg, 0, i)).ToList();
        Assert.All(offsets, o => Assert.True(Math.Abs(o.Dy) <= 2 && Math.Abs(o.Dx) <= 2, o.ToString()));
        double aligned = offsets.Count(o => o == (0, 0)) / 4000.0; // P(|N(0, 0.5)| < 0.5)^2 = 0.683^2 = 0.466
        Assert.InRange(aligned, 0.43, 0.50);
        Assert.Contains(offsets, o => Math.Abs(o.Dy) == 2 || Math.Abs(o.Dx) == 2);
        Assert.All(Enumerable.Range(0, 100), i =>
            Assert.Equal((0, 0), SyntheticGenerator.CropOffset(cfg with { RealSemJitterPx = 0 }, 0, i))
        );

        string a = Fresh("offset"),
            b = Fresh("aligned");
        SyntheticGenerator.Generate(cfg, a, overwrite: true);
        SyntheticGenerator.Generate(cfg with { RealSemJitterPx = 0 }, b, overwrite: true);
        var set = DaconDataSet.Open(a);
        Assert.Equal(File.ReadAllBytes(DaconNames.CsvPath(b)), File.ReadAllBytes(DaconNames.CsvPath(a)));
        int moved = 0;
        for (int i = 0; i < set.Train.Count; i++)
        {
            var t = set.Train[i];
            string rel = Path.GetRelativePath(a, t.Path);
            string truthA = DaconNames.TruthTrainPath(
                a,
                t.Case,
                Path.GetFileName(Path.GetDirectoryName(t.Path))!,
                Path.GetFileName(t.Path)
            );
            string truthB = DaconNames.TruthTrainPath(
                b,
                t.Case,
                Path.GetFileName(Path.GetDirectoryName(t.Path))!,
                Path.GetFileName(t.Path)
            );
            Assert.Equal(Png8.Read(truthB), Png8.Read(truthA)); // the depth map stays where it was
            bool same = Png8.Read(t.Path).AsSpan().SequenceEqual(Png8.Read(Path.Combine(b, rel)));
            var o = SyntheticGenerator.CropOffset(cfg, 0, i);
            Assert.Equal(o == (0, 0), same); // only an offset crop's SEM differs
            if (!same)
                moved++;
        }
        Assert.InRange(moved, set.Train.Count / 3, set.Train.Count * 2 / 3);
    }

    [Fact]
    public void QuickSiteAveragesStayInsideThePublishedRanges()
    {
        string root = Fresh("quick");
        SyntheticGenerator.Generate(SyntheticConfig.Quick, root, overwrite: true);
        var byFolder = File.ReadAllLines(DaconNames.CsvPath(root))
            .Skip(1)
            .Select(l => l.Split(','))
            .GroupBy(
                p => p[0].Split('_')[1],
                p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)
            )
            .ToDictionary(g => g.Key, g => g.ToList());
        // dacon-dataset.md: every site 105.334-142.156; Depth_110 105.33-111.89, Depth_140 134.74-142.16
        Assert.All(byFolder.Values.SelectMany(v => v), v => Assert.InRange(v, 105.334, 142.156));
        Assert.InRange(byFolder["110"].Min(), 105.33, 111.89);
        Assert.InRange(byFolder["110"].Max(), 105.33, 111.89);
        Assert.InRange(byFolder["140"].Min(), 134.74, 142.16);
        Assert.InRange(byFolder["140"].Max(), 134.74, 142.16);
        foreach (var (folder, v) in byFolder)
        {
            double mean = v.Average(),
                sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
            Assert.True(sd is > 1.2 and < 1.9, $"Depth_{folder}: SD {sd:F2}, published about 1.55");
        }
        Directory.Delete(root, true);
    }
}

/// <summary>Roots our generator did not write: symbolic links and names outside the layout's patterns, each named
/// once (data/README.md, "Links" and "Names").</summary>
[Collection("tiny")]
public class LinkAndNameTests(TinyData tiny)
{
    [Fact]
    public void LoopsDanglingAndEscapingLinksAndOddNamesAreEachNamedOnce()
    {
        string r = tiny.Copy("hostile");
        var set = DaconDataSet.Open(tiny.Root);
        string site = Path.GetDirectoryName(set.Train[0].Path)!,
            other = Path.GetDirectoryName(set.Train[^1].Path)!;
        site = Path.Combine(r, Path.GetRelativePath(tiny.Root, site));
        other = Path.Combine(r, Path.GetRelativePath(tiny.Root, other));
        File.CreateSymbolicLink(Path.Combine(site, "loop"), ".."); // a careless ln -s: the Depth folder
        File.CreateSymbolicLink(Path.Combine(site, "self"), "."); // the site itself
        File.CreateSymbolicLink(Path.Combine(site, "gone.png"), "nothing-here.png");
        string outside = Path.Combine(tiny.Scratch, "outside-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(outside);
        File.Copy(set.Train[1].Path, Path.Combine(outside, "SEM_999999.png"));
        File.CreateSymbolicLink(Path.Combine(other, "SEM_999999.png"), Path.Combine(outside, "SEM_999999.png"));
        string inRoot = Path.Combine(r, Path.GetRelativePath(tiny.Root, set.Train[2].Path));
        File.CreateSymbolicLink(Path.Combine(other, "copy of one.png"), inRoot); // a link to a PNG inside the root
        File.Copy(set.Test[0].Path, Path.Combine(DaconNames.TestDir(r), "holes 1.png"));

        var sw = System.Diagnostics.Stopwatch.StartNew();
        var report = DaconDataSet.Validate(r);
        Assert.True(sw.Elapsed < TimeSpan.FromMinutes(1), "validate walked into a loop");
        Assert.False(report.Ok);
        var kinds = report.Problems.GroupBy(p => p.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, kinds["symlink loop"]); // loop and self, once each
        Assert.Equal(1, kinds["dangling link"]);
        Assert.Equal(1, kinds["not a test image name"]);
        Assert.Equal(3, kinds.Keys.Count); // nothing else: no path through the loop
        Assert.Single(report.Problems, p => p.Path.EndsWith("holes 1.png", StringComparison.Ordinal));
        Assert.Single(report.Notes, n => n.Contains("a link out of the data root", StringComparison.Ordinal));
        Assert.Single(report.Notes, n =>
            n.Contains("copy of one.png: not named SEM_NNNNNN.png", StringComparison.Ordinal)
        );
        Assert.DoesNotContain(report.Ignored, p =>
            p.Contains("loop" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        );
        // every image is still decoded: the link out of the root and the link inside it are read as images
        Assert.Equal(set.Sim.Count * 3 + set.Train.Count + 2 + set.Test.Count, report.ImagesChecked);

        // mended, the root opens; the escaping link and the odd train name stay information
        File.Delete(Path.Combine(site, "loop"));
        File.Delete(Path.Combine(site, "self"));
        File.Delete(Path.Combine(site, "gone.png"));
        File.Delete(Path.Combine(DaconNames.TestDir(r), "holes 1.png"));
        var mended = DaconDataSet.Open(r);
        Assert.Equal(set.Train.Count + 2, mended.Train.Count);
        Assert.Equal(set.Test.Count, mended.Test.Count);
    }

    [Fact]
    public void PredictingAFolderSkipsADanglingLinkWithItsReason()
    {
        string dir = Path.Combine(tiny.Scratch, "own-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var set = DaconDataSet.Open(tiny.Root);
        File.Copy(set.Test[0].Path, Path.Combine(dir, "a.png"));
        File.CreateSymbolicLink(Path.Combine(dir, "b.png"), "missing.png");
        var read = ImageFiles.Read(dir);
        Assert.Single(read.Paths);
        var skipped = Assert.Single(read.Skipped);
        Assert.EndsWith("b.png", skipped.Path);
        Assert.Contains("does not exist", skipped.Why);
    }
}
