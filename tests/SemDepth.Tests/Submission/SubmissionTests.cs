using System.IO.Compression;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Submission;
using Xunit;

namespace SemDepth.Tests;

[Collection("tiny")]
public class SubmissionTests(TinyData tiny)
{
    [Fact]
    public void WriterProducesAValidScoredZipAndNeverOverwrites()
    {
        using var d = SemData.Open(tiny.Root);
        var p = new ConstantMapPredictor(d);
        string dir = Path.Combine(tiny.Scratch, "subs");
        string a = SubmissionWriter.Write(p, d, dir),
            b = SubmissionWriter.Write(p, d, dir);
        Assert.NotEqual(a, b);
        Assert.Empty(
            SubmissionValidator.Check(a, d.DataSet.Test.Select(t => t.Name).ToList(), d.DataSet.SampleSubmissionPath)
        );
        using (var z = ZipFile.OpenRead(a))
            Assert.Equal(d.DataSet.Test.Select(t => t.Name).Order(), z.Entries.Select(e => e.FullName).Order());
        double score = SubmissionValidator.Score(a, d);
        var expected = Metrics.Rmse(
            p.Predict(d.Test, Enumerable.Range(0, d.Test.Count).ToList()),
            Batches.Gather(d.TestTruth!, Enumerable.Range(0, d.Test.Count).ToList())
        );
        Assert.Equal(expected, score, 10);
    }

    [Fact]
    public void ValidatorNamesEveryPlantedProblem()
    {
        using var d = SemData.Open(tiny.Root);
        var names = d.DataSet.Test.Select(t => t.Name).ToList();
        string zip = Path.Combine(tiny.Scratch, "bad.zip");
        File.Delete(zip);
        using (var z = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            var good = Png8.Encode(new byte[Geometry.Pixels]);
            foreach (var n in names.Skip(1).Take(names.Count - 3))
            {
                using var s = z.CreateEntry(n).Open();
                s.Write(good);
            } // names[0] missing
            using (var s = z.CreateEntry("wrong_name.png").Open())
                s.Write(good);
            using (var s = z.CreateEntry(names[^2]).Open())
            using (var img = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(50, 50))
                SixLabors.ImageSharp.ImageExtensions.SaveAsPng(img, s); // wrong size
            using (var s = z.CreateEntry("../" + names[^1]).Open())
                s.Write(good); // outside the root
        }
        var e = Assert.Throws<SubmissionException>(() => SubmissionValidator.Validate(zip, names));
        Assert.Contains($"missing prediction for test image {names[0]}", e.Message);
        Assert.Contains("entry wrong_name.png is not the name of a test image", e.Message);
        Assert.Contains($"entry '{names[^2]}': image is 50x50", e.Message);
        Assert.Contains($"entry '../{names[^1]}': path outside the zip root", e.Message);
    }

    [Fact]
    public void ResultsAreAppendedNotOverwritten()
    {
        string dir = Path.Combine(tiny.Scratch, "results");
        ResultsLog.Append(new ResultEntry(DateTime.Now, "m1", "tiny", "ck", "a.zip", 12.5, 3, "{}"), dir);
        ResultsLog.Append(
            new ResultEntry(
                DateTime.Now,
                "m2, \"quoted\"",
                "tiny",
                "ck1; ck2",
                "b.zip",
                double.NaN,
                4,
                "{\"a\":1,\"b\":[2,3]}"
            ),
            dir
        );
        var rows = ResultsLog.Read(dir);
        Assert.Equal(2, rows.Count);
        Assert.Equal(12.5, rows[0].TestRmse);
        Assert.Equal("m2, \"quoted\"", rows[1].Method);
        Assert.Equal("ck1; ck2", rows[1].Checkpoint);
        Assert.True(double.IsNaN(rows[1].TestRmse));
        Assert.Equal(4, rows[1].SimValRmse);
        Assert.Equal("{\"a\":1,\"b\":[2,3]}", rows[1].Options);
        Assert.Equal(
            4,
            File.ReadAllLines(Path.Combine(dir, "results.md")).Count(l => l.StartsWith("| 2", StringComparison.Ordinal))
                + 2
        );
    }
}
