using SemDepth.Data;
using SemDepth.Images;
using Xunit;

namespace SemDepth.Tests;

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
