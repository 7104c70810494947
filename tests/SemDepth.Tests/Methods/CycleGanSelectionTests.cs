using SemDepth.Data;
using SemDepth.Methods;
using Xunit;

namespace SemDepth.Tests;

[Collection("tiny")]
public class CycleGanSelectionTests(TinyData tiny)
{
    [Fact]
    public void KeepsTheCandidateWithTheLowestHeldOutSiteMaeAndInstallsIt()
    {
        using var d = SemData.Open(tiny.Root);
        var o = CycleGanTrainingTests.Small with { Name = "cg-choice", Epochs = 1, Seed = 7 };
        string target = Path.Combine(Workspace.Paths.Runs, "cg-choice");
        IReadOnlyList<CycleGanCandidate> rows;
        string chosenDir;
        var (chosen, candidates) = CycleGanSelection.TrainAndChoose(o, 3, d);
        using (chosen)
        {
            rows = candidates;
            chosenDir = chosen.RunDir;
            Assert.Equal([7, 8, 9], rows.Select(r => r.Seed));
            Assert.Equal(["cg-choice-seed7", "cg-choice-seed8", "cg-choice-seed9"], rows.Select(r => r.Run));
            Assert.All(rows, r => Assert.True(double.IsFinite(r.SiteMae) && r.SiteMae > 0, $"{r.Run}: {r.SiteMae}"));
            var kept = Assert.Single(rows, r => r.Chosen);
            Assert.Equal(rows.Min(r => r.SiteMae), kept.SiteMae);
            Assert.Equal(kept.Run, Path.GetFileName(chosenDir));
            // the score is the chosen generators' own: computed again from the returned trainer it is the same
            var sample = SavedMethods.SiteSample(d.DataSet, CycleGanSelection.SitesPerFolder);
            Assert.Equal(kept.SiteMae, CycleGanSelection.Score(chosen, d, sample), 9);
        }
        // runs/cg-choice is a copy of the chosen run, with the selection beside it
        var ck = (string dir) => File.ReadAllBytes(Path.Combine(Training.RunNames.CheckpointOf(dir), "model.bin"));
        Assert.Equal(ck(chosenDir), ck(target));
        Assert.Equal(rows, CycleGanSelection.Read(target));
        Assert.False(Directory.Exists($"{target}.installing-{Environment.ProcessId}"));
        // the seeds differ, so do the networks
        Assert.NotEqual(
            ck(Path.Combine(Workspace.Paths.Runs, rows[0].Run)),
            ck(Path.Combine(Workspace.Paths.Runs, rows[1].Run))
        );
        // a second call reuses every candidate and makes the same choice
        var (again, rows2) = CycleGanSelection.TrainAndChoose(o, 3, d);
        using (again)
        {
            Assert.Equal(rows, rows2);
            Assert.NotEqual("", again.Reuse);
        }
        // ...reading each candidate's kept score: one lowered under the same key is believed and chosen, one kept
        // under another key (another checkpoint, sample or build) is scored again
        string Cached(string run) => Path.Combine(Workspace.Paths.Runs, run, CycleGanSelection.ScoreFile);
        var loser = rows.First(r => !r.Chosen);
        var other = rows.Last(r => !r.Chosen);
        var key = System
            .Text.Json.JsonSerializer.Deserialize<CycleGanSelection.CachedScore>(File.ReadAllText(Cached(loser.Run)))!
            .Key;
        Assert.Equal(key, CycleGanSelection.ScoreKey(Path.Combine(Workspace.Paths.Runs, loser.Run), d, sample2()));
        File.WriteAllText(Cached(loser.Run), $"{{\"Key\": \"{key}\", \"SiteMae\": 0.001}}");
        File.WriteAllText(Cached(other.Run), "{\"Key\": \"stale\", \"SiteMae\": 0.0001}");
        var (third, rows3) = CycleGanSelection.TrainAndChoose(o, 3, d);
        using (third)
        {
            Assert.Equal(loser.Run, Assert.Single(rows3, r => r.Chosen).Run);
            Assert.Equal(0.001, rows3.Single(r => r.Run == loser.Run).SiteMae);
            Assert.Equal(other.SiteMae, rows3.Single(r => r.Run == other.Run).SiteMae, 9);
        }
        IReadOnlyList<int> sample2() => SavedMethods.SiteSample(d.DataSet, CycleGanSelection.SitesPerFolder);
    }

    [Fact]
    public void OneCandidateIsTrainedAloneAndNotScored()
    {
        using var d = SemData.Open(tiny.Root);
        var o = CycleGanTrainingTests.Small with { Name = "cg-alone", Epochs = 1 };
        var (chosen, rows) = CycleGanSelection.TrainAndChoose(o, 1, d);
        using var kept = chosen;
        var row = Assert.Single(rows);
        Assert.True(row.Chosen);
        Assert.True(double.IsNaN(row.SiteMae));
        Assert.True(File.Exists(Path.Combine(Workspace.Paths.Runs, "cg-alone", CycleGanSelection.FileName)));
        Assert.Throws<ArgumentOutOfRangeException>(() => CycleGanSelection.TrainAndChoose(o, 0, d));
    }
}
