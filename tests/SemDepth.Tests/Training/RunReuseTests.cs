using SemDepth.Data;
using SemDepth.Training;
using Xunit;

namespace SemDepth.Tests;

/// <summary>The trainers' LoadOrTrain: a stopped run resumes to the weights of an uninterrupted one, a finished run
/// is reused without training, other options or other data train afresh and say why.</summary>
[Collection("tiny")]
public class RunReuseTests(TinyData tiny)
{
    static byte[] Weights(string runDir) => File.ReadAllBytes(Path.Combine(runDir, "checkpoint", Checkpoint.ModelFile));

    [Fact]
    public void AStoppedDepthRunResumesToTheUninterruptedWeightsAndAFinishedOneIsReused()
    {
        using var d = SemData.Open(tiny.Root);
        var opts = DepthOptions.Default with { Epochs = 2, BatchSize = 32, MaxTrainImages = 64, Name = "reuse-depth" };
        string refDir;
        using (var reference = new DepthTrainer(opts with { Name = "reuse-depth-ref" }, d))
        {
            reference.Fit();
            refDir = reference.RunDir;
        }
        string csv;
        using (var stopped = new DepthTrainer(opts, d))
        {
            stopped.Fit(untilEpoch: 1); // what a kill after the first checkpoint leaves
            csv = Path.Combine(stopped.RunDir, "metrics.csv");
        }
        string firstRow = File.ReadAllLines(csv)[1];
        File.AppendAllText(csv, "2,0.1"); // and a row the kill cut short
        using (var resumed = DepthTrainer.LoadOrTrain(opts, d))
        {
            Assert.Equal("reuse-depth: resumed at epoch 1 of 2 from the checkpoint a stopped run left", resumed.Reuse);
            Assert.Equal(2, resumed.Epoch);
            Assert.Equal([1, 2], resumed.History.Select(h => h.Epoch));
            Assert.Equal(Weights(refDir), Weights(resumed.RunDir));
            var rows = File.ReadAllLines(csv);
            Assert.Equal(3, rows.Length);
            Assert.Equal(firstRow, rows[1]); // epoch 1 was not trained again
        }
        var stamp = File.GetLastWriteTimeUtc(csv);
        using (var reused = DepthTrainer.LoadOrTrain(opts, d))
        {
            Assert.StartsWith("reuse-depth: reused the finished run (2 epochs", reused.Reuse, StringComparison.Ordinal);
            Assert.Equal(2, reused.History.Count);
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(csv));
        }
        using (var other = DepthTrainer.LoadOrTrain(opts with { Seed = opts.Seed + 1 }, d))
            Assert.Contains("was trained with other options: trained afresh", other.Reuse, StringComparison.Ordinal);
        string copy = tiny.Copy("reuse-other-data");
        using var d2 = SemData.Open(copy);
        Assert.NotEqual(d.Fingerprint, d2.Fingerprint);
        using (var moved = DepthTrainer.LoadOrTrain(opts with { Seed = opts.Seed + 1 }, d2))
            Assert.Contains("was trained on other data", moved.Reuse, StringComparison.Ordinal);
    }

    [Fact]
    public void AStoppedClassifierRunResumesToTheUninterruptedWeights()
    {
        using var d = SemData.Open(tiny.Root);
        var opts = new ClassifierOptions
        {
            Epochs = 2,
            BatchSize = 16,
            MaxTrainImages = 64,
            Name = "reuse-classifier",
        };
        string refDir;
        using (var reference = new ClassifierTrainer(opts with { Name = "reuse-classifier-ref" }, d))
        {
            reference.Fit();
            refDir = reference.RunDir;
        }
        using (var stopped = new ClassifierTrainer(opts, d))
            stopped.Fit(untilEpoch: 1);
        using var resumed = ClassifierTrainer.LoadOrTrain(opts, d);
        Assert.Equal("reuse-classifier: resumed at epoch 1 of 2 from the checkpoint a stopped run left", resumed.Reuse);
        Assert.Equal([1, 2], resumed.History.Select(h => h.Epoch));
        Assert.Equal("accuracy", resumed.History[0].ValMetricName);
        Assert.Equal(Weights(refDir), Weights(resumed.RunDir));
    }

    [Fact]
    public void ACheckpointWithoutOriginIsNotContinued()
    {
        using var d = SemData.Open(tiny.Root);
        var opts = DepthOptions.Default with { Epochs = 1, BatchSize = 32, MaxTrainImages = 32, Name = "reuse-old" };
        using (var t = new DepthTrainer(opts, d))
        {
            t.Fit();
            File.Delete(Path.Combine(t.RunDir, RunReuse.OriginFile)); // as a run of an older build left it
        }
        using var again = DepthTrainer.LoadOrTrain(opts, d);
        Assert.Contains("has no origin.json (an older run): trained afresh", again.Reuse, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(again.RunDir, RunReuse.OriginFile)));
    }
}
