using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Methods;
using SemDepth.Models;
using SemDepth.Training;
using TorchSharp;
using Xunit;

namespace SemDepth.Tests;

public class MetricTests
{
    [Fact]
    public void RmseMatchesHandComputedValues()
    {
        byte[] p = [10, 20, 30, 250],
            t = [13, 16, 30, 0];
        // errors 3, 4, 0, 250: mean of squares (9 + 16 + 0 + 62500) / 4 = 15631.25 (no int8 overflow)
        Assert.Equal(Math.Sqrt(15631.25), Metrics.Rmse(p, t), 10);
        Assert.Equal((Math.Sqrt(12.5) + Math.Sqrt(31250)) / 2, Metrics.MeanImageRmse(p, t, 2), 10);
        Assert.Equal(1.5, Metrics.Mae([1.0, 5.0], [2.0, 3.0]), 10);
        Assert.Throws<ArgumentException>(() => Metrics.Rmse(p, t[..3]));
    }
}

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
            fullPred = a.Predictor().Predict(d.Test, idx);
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
            splitPred = c.Predictor().Predict(d.Test, idx);
        }
        Assert.Equal(fullPred, splitPred);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(split, "metrics.csv")).Length);
    }

    [Fact]
    public void EvaluationCoversEverySplitAndTheSiteCheck()
    {
        using var d = SemData.Open(tiny.Root);
        var (_, val) = Splits.SimByBase(d.Layout, 0.2, 41);
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

public class RowSumConvTests
{
    [Theory]
    [InlineData(16, 1, 7)]
    [InlineData(3, 2, 3)]
    public void MatchesConv2dInOutputAndGradients(int inChannels, int outChannels, int kernel)
    {
        torch.manual_seed(5);
        using var rows = new RowSumConv2d(inChannels, outChannels, kernel);
        using var conv = torch.nn.Conv2d(inChannels, outChannels, kernel);
        // the reference is the plain convolution in float64: float32 Conv2d itself is what oneDNN gets
        // wrong on some CPUs (its input gradient, for output counts off the 16-channel block)
        var w64 = rows.get_parameter("weight")!.detach().to(torch.float64);
        var b64 = rows.get_parameter("bias")!.detach().to(torch.float64);
        var x1 = torch.randn(4, inChannels, 20, 13).requires_grad_();
        var x2 = x1.detach().to(torch.float64).requires_grad_();
        var wRef = w64.clone().requires_grad_();
        var bRef = b64.clone().requires_grad_();
        var y1 = rows.forward(x1);
        var y2 = torch.nn.functional.conv2d(x2, wRef, bRef);
        Assert.Equal(y2.shape, y1.shape);
        Assert.True((y1.to(torch.float64) - y2).abs().max().item<double>() < 1e-5);
        var upstream = torch.randn_like(y1);
        (y1 * upstream).sum().backward();
        (y2 * upstream.to(torch.float64)).sum().backward();
        Assert.True((x1.grad!.to(torch.float64) - x2.grad!).abs().max().item<double>() < 1e-5);
        Assert.True(
            (rows.get_parameter("weight")!.grad!.to(torch.float64) - wRef.grad!).abs().max().item<double>() < 1e-4
        );
        Assert.True(
            (rows.get_parameter("bias")!.grad!.to(torch.float64) - bRef.grad!).abs().max().item<double>() < 1e-4
        );
        // the weight names and shapes of Conv2d: checkpoints load either way
        Assert.Equal(["bias", "weight"], rows.named_parameters().Select(p => p.name).Order().ToArray());
        Assert.Equal(conv.weight!.shape, rows.get_parameter("weight")!.shape);
    }
}
