using SemDepth.Data;
using SemDepth.Images;
using Xunit;

namespace SemDepth.Tests;

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
