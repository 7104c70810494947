using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Models;
using SemDepth.Training;
using TorchSharp;
using Xunit;

namespace SemDepth.Tests;

[Collection("tiny")]
public class AutoencoderTests(TinyData tiny)
{
    [Fact]
    public void ShapesAndParameterCountMatchTheOrganisersModel()
    {
        torch.manual_seed(1);
        using var m = new DepthAutoencoder();
        m.eval();
        var y = m.forward(torch.rand(3, 1, 72, 48));
        Assert.Equal(new long[] { 3, 1, 72, 48 }, y.shape);
        long linear = 0;
        for (int i = 0; i < 8; i++)
            linear +=
                (long)DepthAutoencoder.Widths[i] * DepthAutoencoder.Widths[i + 1] + DepthAutoencoder.Widths[i + 1];
        long bn = DepthAutoencoder.Widths[1..8].Sum(w => 2L * w);
        Assert.Equal(linear + bn, m.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void LossFallsWithinAFewSteps()
    {
        using var d = SemData.Open(tiny.Root);
        using var t = new DepthTrainer(
            DepthOptions.Default with
            {
                Name = "falls",
                Epochs = 6,
                BatchSize = 32,
                MaxTrainImages = 64,
            },
            d
        );
        var h = t.Fit();
        Assert.True(h[^1].TrainL1 < h[0].TrainL1 * 0.8, $"L1 {h[0].TrainL1} -> {h[^1].TrainL1}");
        Assert.True(File.Exists(Path.Combine(t.RunDir, "metrics.csv")));
        Assert.Equal(7, File.ReadAllLines(Path.Combine(t.RunDir, "metrics.csv")).Length);
        Assert.NotEmpty(
            Directory.GetFiles(Path.Combine(t.RunDir, "tb"), "events.out.tfevents*", SearchOption.AllDirectories)
        );
    }

    [Fact]
    public void SaveLoadGivesIdenticalOutputsAndResumeIsExact()
    {
        using var d = SemData.Open(tiny.Root);
        var opts = DepthOptions.Default with { Epochs = 2, BatchSize = 32, MaxTrainImages = 64 };
        string full = Path.Combine(tiny.Scratch, "runs-resume", "full"),
            split = Path.Combine(tiny.Scratch, "runs-resume", "split");
        byte[] fullPred,
            splitPred;
        var idx = Enumerable.Range(0, 8).ToList();
        using (var a = new DepthTrainer(opts with { Name = "full" }, d, full))
        {
            a.Fit();
            fullPred = a.AsMethod().Predict(d.Test, idx);
            // the checkpoint reproduces the model exactly
            Assert.Equal(fullPred, TorchPredictor.Load(Path.Combine(full, "checkpoint")).Predict(d.Test, idx));
        }
        using (var b = new DepthTrainer(opts with { Name = "split" }, d, split))
            b.Fit(untilEpoch: 1);
        using (var c = DepthTrainer.Resume(split, d))
        {
            Assert.Equal(1, c.Epoch);
            c.Fit();
            Assert.Equal(2, c.Epoch);
            splitPred = c.AsMethod().Predict(d.Test, idx);
        }
        Assert.Equal(fullPred, splitPred);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(split, "metrics.csv")).Length);
    }

    [Fact]
    public void EvaluationCoversEverySplitAndTheSiteCheck()
    {
        using var d = SemData.Open(tiny.Root);
        var (_, val) = Splits.SimByBase(d.DataSet, 0.2, 41);
        var rows = Evaluator.Evaluate(new ConstantMapPredictor(d), d, val);
        Assert.Contains(rows, r => r.Split == "sim validation" && r.Value > 10 && r.Value < 80);
        Assert.Contains(rows, r => r.Split == "real test (hidden truth)");
        Assert.Equal(
            4,
            rows.Count(r =>
                r.Metric == "site-average MAE" && r.Split.StartsWith("train Depth_", StringComparison.Ordinal)
            )
        );
        Assert.Single(rows, r => r.Metric == "site-average MAE" && r.Split == Evaluator.HeldOutSplit);
        // a perfect predictor (the truth itself) scores 0 on real train and a near-0 site MAE
        var perfect = new TruthPredictor(d);
        var pr = Evaluator.Evaluate(perfect, d);
        Assert.Equal(0, pr.Single(r => r.Split == "real train (hidden truth)").Value, 10);
        Assert.All(pr.Where(r => r.Metric == "site-average MAE"), r => Assert.True(r.Value < 0.01, r.ToString()));
    }

    sealed class TruthPredictor(SemData d) : IDepthPredictor
    {
        public string Name => "truth";

        public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx) =>
            Batches.Gather(sem == d.Train ? d.TrainTruth! : d.TestTruth!, idx);
    }
}
