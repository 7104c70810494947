using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Synthetic;
using Xunit;

namespace SemDepth.Tests;

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
    [Trait("Category", "Slow")]
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
