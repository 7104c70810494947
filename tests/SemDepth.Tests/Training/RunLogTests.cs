using SemDepth.Training;
using Xunit;

namespace SemDepth.Tests;

public class RunLogTests
{
    static RunLog Fresh(string name) => new(TempFolders.Fresh("runlog", name));

    static Dictionary<string, double> Row(int epoch, double loss) => new() { ["epoch"] = epoch, ["loss"] = loss };

    [Fact]
    public void RowsAreWrittenOnceWithTheirHeaderAndReadBackExactly()
    {
        using var log = Fresh("rows");
        log.Append(Row(1, 0.1));
        log.Append(Row(2, 1.0 / 3));
        Assert.Equal(["epoch,loss", "1,0.1", "2,0.3333333333333333"], File.ReadAllLines(log.MetricsCsv));
        var rows = log.ReadRows().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(1.0 / 3, rows[1]["loss"]); // "R": the double comes back bit for bit
    }

    [Fact]
    public void TruncateDropsLaterRowsAndWhatAKillLeftButNotAFinishedRun()
    {
        using var log = Fresh("truncate");
        for (int e = 1; e <= 3; e++)
            log.Append(Row(e, e / 10.0));
        var stamp = File.GetLastWriteTimeUtc(log.MetricsCsv);
        log.TruncateAfter(3); // all kept: the file is not touched
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(log.MetricsCsv));

        File.AppendAllText(log.MetricsCsv, "2,0.2\nx,0.5\n4,0.4,7\n4,"); // repeated, not a number, too long, cut
        Assert.Equal([1.0, 2, 3], log.ReadRows().Select(r => r["epoch"]));
        log.TruncateAfter(2);
        Assert.Equal(["epoch,loss", "1,0.1", "2,0.2"], File.ReadAllLines(log.MetricsCsv));
        log.Append(Row(3, 0.25));
        Assert.Equal([0.1, 0.2, 0.25], log.ReadRows().Select(r => r["loss"]));
    }
}
