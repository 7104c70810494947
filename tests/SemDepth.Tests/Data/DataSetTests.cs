using SemDepth.Data;
using SemDepth.Images;
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
            Assert.Equal(Png8.Read(d.DataSet.Test[3].Path), d.Test.ToArray(3));
            Assert.Equal(Png8.Read(d.DataSet.Sim[2].Itr1Path), d.SimSem.ToArray(5));
            Assert.Equal(Png8.Read(d.DataSet.Sim[2].DepthPath), d.SimDepth.ToArray(2));
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
