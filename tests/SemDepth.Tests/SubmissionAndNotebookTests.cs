using System.Diagnostics;
using System.IO.Compression;
using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Notebooks;
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
        string a = SubmissionWriter.Write(p, d, dir), b = SubmissionWriter.Write(p, d, dir);
        Assert.NotEqual(a, b);
        Assert.Empty(SubmissionValidator.Check(a, d.Set.Test.Select(t => t.Name).ToList(), d.Set.SampleSubmissionPath));
        using (var z = ZipFile.OpenRead(a)) Assert.Equal(d.Set.Test.Select(t => t.Name).Order(), z.Entries.Select(e => e.FullName).Order());
        double score = SubmissionValidator.Score(a, d);
        var expected = Metrics.Rmse(p.Predict(d.Test, Enumerable.Range(0, d.Test.Count).ToList()), Evaluator.Gather(d.TestTruth!, Enumerable.Range(0, d.Test.Count).ToList()));
        Assert.Equal(expected, score, 10);
    }

    [Fact]
    public void ValidatorNamesEveryPlantedProblem()
    {
        using var d = SemData.Open(tiny.Root);
        var names = d.Set.Test.Select(t => t.Name).ToList();
        string zip = Path.Combine(tiny.Scratch, "bad.zip");
        File.Delete(zip);
        using (var z = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            var good = Png8.Encode(new byte[Geometry.Pixels]);
            foreach (var n in names.Skip(1).Take(names.Count - 3)) { using var s = z.CreateEntry(n).Open(); s.Write(good); } // names[0] missing
            using (var s = z.CreateEntry("wrong_name.png").Open()) s.Write(good);
            using (var s = z.CreateEntry(names[^2]).Open())
            using (var img = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(50, 50)) SixLabors.ImageSharp.ImageExtensions.SaveAsPng(img, s); // wrong size
            using (var s = z.CreateEntry("../" + names[^1]).Open()) s.Write(good);          // outside the root
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
        ResultsLog.Append(new ResultEntry(DateTime.Now, "m2", "tiny", "ck", "b.zip", double.NaN, 4, "{}"), dir);
        var rows = ResultsLog.Read(dir);
        Assert.Equal(2, rows.Count);
        Assert.Equal("\"m2\"", rows[1][1]);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, "results.md")).Count(l => l.StartsWith("| 2", StringComparison.Ordinal)) + 2);
    }
}

/// <summary>Every notebook runs headless on the tiny preset; any cell error fails the test.</summary>
[Collection("tiny")]
public class NotebookTests(TinyData tiny)
{
    [Fact]
    public void EveryNotebookExecutesWithoutCellErrors()
    {
        var env = new Dictionary<string, string>
        {
            ["SEMDEPTH_DATA"] = tiny.Root, ["SEMDEPTH_EPOCHS"] = "1", ["SEMDEPTH_DEVICE"] = "cpu",
            ["SEMDEPTH_RUNS"] = Path.Combine(tiny.Scratch, "nb-runs"), ["SEMDEPTH_ARTIFACTS"] = Path.Combine(tiny.Scratch, "nb-artifacts"),
            ["SEMDEPTH_CACHE"] = Path.Combine(tiny.Scratch, "nb-cache"),
        };
        var notebooks = NotebookRunner.All();
        Assert.Contains(notebooks, n => n.EndsWith("01-data-exploration.ipynb", StringComparison.Ordinal));
        var failures = new List<string>();
        foreach (var nb in notebooks) // in order: 04 uses the checkpoint 02 wrote
        {
            var r = NotebookRunner.Run(nb, env, Path.Combine(tiny.Scratch, "nb-out"));
            if (!r.Ok) failures.Add(r.ToString());
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Single(Directory.GetFiles(Path.Combine(tiny.Scratch, "nb-artifacts", "submissions"), "*.zip"));
    }

    [Fact]
    public void RunnerReportsAFailingCell()
    {
        string nb = Path.Combine(NotebookRunner.NotebookDir, "..", "tests", "SemDepth.Tests", "failing.ipynb");
        var r = NotebookRunner.Run(Path.GetFullPath(nb), null, Path.Combine(tiny.Scratch, "nb-fail"));
        Assert.False(r.Ok);
        Assert.Contains(r.Errors, e => e.Contains("cell 2", StringComparison.Ordinal));
    }

    [Fact]
    public void CommittedNotebooksHaveNoOutputs()
    {
        foreach (var nb in NotebookRunner.All())
            Assert.DoesNotContain("\"output_type\"", File.ReadAllText(nb));
    }
}

public class BuildSwitchTests
{
    [Fact]
    public void CudaBackendSwapsTheTorchSharpBundle()
    {
        static string Items(string backend)
        {
            var psi = new ProcessStartInfo("dotnet", $"msbuild \"{Path.Combine(SemDepth.Workspace.Paths.Root, "SemDepth.Lib.csproj")}\" -getItem:PackageReference -p:TorchBackend={backend}")
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string o = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return o;
        }
        string cuda = Items("cuda"), cpu = Items("cpu");
        Assert.Contains("\"Identity\": \"TorchSharp-cuda-linux\"", cuda);
        Assert.DoesNotContain("TorchSharp-cpu", cuda);
        Assert.Contains("\"Identity\": \"TorchSharp-cpu\"", cpu);
        Assert.DoesNotContain("TorchSharp-cuda-linux", cpu);
    }
}
