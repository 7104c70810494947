using SemDepth.Data;
using SemDepth.Images;
using Xunit;

namespace SemDepth.Tests;

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
