using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Models;
using SemDepth.Training;
using SemDepth.Translation;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SemDepth.Tests;

[Collection("tiny")]
public class CycleGanTrainingTests(TinyData tiny)
{
    internal static CycleGanOptions Small =>
        CycleGanOptions.Default with
        {
            Epochs = 3,
            StepsPerEpoch = 4,
            BatchSize = 4,
            GenWidth = 8,
            GenBlocks = 1,
            DiscWidth = 8,
            PoolSize = 6,
        };

    [Fact]
    public void CycleLossFallsAndRunLeavesLogsAndCheckpoint()
    {
        using var d = SemData.Open(tiny.Root);
        using var t = new CycleGanTrainer(
            Small with
            {
                Name = "cg-falls",
                Epochs = 3,
                StepsPerEpoch = 8,
                LearningRate = 1e-3,
                Decay = LrDecay.None,
            },
            d
        );
        var h = t.Fit();
        Assert.Equal(3, h.Count);
        Assert.True(h[^1].Cycle < h[0].Cycle * 0.8, $"cycle {h[0].Cycle} -> {h[^1].Cycle}");
        Assert.All(h, e => Assert.True(double.IsFinite(e.GAdv) && double.IsFinite(e.DSim) && double.IsFinite(e.DReal)));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(t.RunDir, "metrics.csv")).Length);
        Assert.True(File.Exists(Path.Combine(t.RunDir, "checkpoint", "optimizer-G0.bin")));
        Assert.Equal("cyclegan", Checkpoint.ReadState(Path.Combine(t.RunDir, "checkpoint")).Kind);
        var fake = CycleGanTrainer.Translate(t.GenRealToSim(1), d.Test, [0, 1]);
        Assert.Equal(2 * Geometry.Pixels, fake.Length);
        using var pass = new CycleGanTrainer(Small with { Name = "cg-steps", StepsPerEpoch = 0 }, d);
        // one pass over the smaller domain
        Assert.Equal(Math.Min(d.Train.Count + d.Test.Count, d.SimSem.Count) / 4, pass.StepsPerEpoch(0));
        using var capped = new CycleGanTrainer(
            Small with
            {
                Name = "cg-cap",
                StepsPerEpoch = 0,
                MaxStepsPerEpoch = 3,
            },
            d
        );
        Assert.Equal(3, capped.StepsPerEpoch(0));
    }

    [Fact]
    public void WarmStartTrainsCaseOneFirstThenStartsTheOthersFromIt()
    {
        using var d = SemData.Open(tiny.Root);
        var o = Small with
        {
            Name = "cg-warm",
            Epochs = 2,
            WarmStartAfter = 1,
            StepsPerEpoch = 2,
            PerCase = true,
            Gan = GanKind.WganGp,
            DiscNorm = NormKind.Instance,
            CriticSteps = 2,
            Decay = LrDecay.Exponential,
        };
        using var t = new CycleGanTrainer(o, d);
        float[] First(int m) => t.Models[m].Nets.parameters().First().detach().cpu().data<float>().ToArray();
        var initial = Enumerable.Range(0, 4).Select(First).ToArray();
        t.Fit(untilEpoch: 1);
        var afterOne = Enumerable.Range(0, 4).Select(First).ToArray();
        Assert.NotEqual(initial[0], afterOne[0]); // Case_1 trained
        for (int m = 1; m < 4; m++)
            Assert.Equal(initial[m], afterOne[m]); // the others rested
        t.Fit();
        var afterTwo = Enumerable.Range(0, 4).Select(First).ToArray();
        Assert.Equal(afterOne[0], afterTwo[0]); // Case_1 rests in the warm epochs
        for (int m = 1; m < 4; m++)
        {
            Assert.NotEqual(afterOne[0], afterTwo[m]); // started from Case_1's weights, then trained on their case
            Assert.True(Distance(afterTwo[m], afterOne[0]) < Distance(afterTwo[m], initial[m]));
        }
        Assert.Equal(1, o.ScheduleEpoch(2, 1)); // the warm cases restart the schedule
        Assert.Equal(2e-4, t.Models[1].LearningRate, 10);
        Assert.Throws<ArgumentException>(() => (o with { PerCase = false }).Validated());
        Assert.Throws<ArgumentException>(() => (o with { WarmStartAfter = 2 }).Validated());
        Assert.Equal(
            (400, 300, true),
            (
                CycleGanOptions.Winners.Epochs,
                CycleGanOptions.Winners.WarmStartAfter,
                CycleGanOptions.Winners.Validated().PerCase
            )
        );
    }

    static double Distance(float[] a, float[] b) =>
        Math.Sqrt(a.Zip(b).Sum(p => (p.First - p.Second) * (double)(p.First - p.Second)));

    [Fact]
    public void BatchNormRecalibrationAveragesTheGivenImagesAndRestoresMomentum()
    {
        using var d = SemData.Open(tiny.Root);
        torch.manual_seed(3);
        var conv = nn.Conv2d(1, 2, 3);
        var bn = nn.BatchNorm2d(2);
        using var net = nn.Sequential(conv, bn);
        net.train();
        int[] idx = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        BatchNormCalibration.Recalibrate(net, d.Train, idx, PixelScale.Symmetric, batchSize: 5);
        using var noGrad = torch.no_grad();
        var f = conv.forward(Batches.ToTensor(d.Train, idx, PixelScale.Symmetric, torch.CPU)); // (10, 2, 70, 46)
        // two equal batches: their average is the mean over all 10
        var expected = f.mean([0, 2, 3]).data<float>().ToArray();
        var got = bn.running_mean!.data<float>().ToArray();
        for (int c = 0; c < 2; c++)
            Assert.Equal(expected[c], got[c], 4);
        Assert.Equal(0.1, bn.momentum!.Value, 12);
        Assert.True(net.training);
    }

    [Fact]
    public void WganGpPerCaseTrainsOneModelPerCase()
    {
        using var d = SemData.Open(tiny.Root);
        using var t = new CycleGanTrainer(
            Small with
            {
                Name = "cg-wgan",
                Epochs = 1,
                Gan = GanKind.WganGp,
                DiscNorm = NormKind.None,
                CriticSteps = 2,
                StepsPerEpoch = 1,
                PerCase = true,
            },
            d
        );
        Assert.Equal(4, t.Models.Count);
        var h = t.Fit();
        Assert.True(double.IsFinite(h[0].Gp) && h[0].Gp >= 0);
        Assert.NotSame(t.GenRealToSim(1), t.GenRealToSim(2));
    }

    [Fact]
    public void PipelineClassifierAndEvaluationTable()
    {
        using var d = SemData.Open(tiny.Root);
        using var x = new DomainShift(d);
        x.Classifier = new ClassifierTrainer(
            ClassifierOptions.Default with
            {
                Epochs = 3,
                BatchSize = 16,
                Width = 8,
            },
            d
        );
        var ch = x.Classifier.Fit();
        Assert.True(ch[^1].TrainL1 < ch[0].TrainL1, $"cross-entropy {ch[0].TrainL1} -> {ch[^1].TrainL1}");
        x.DepthNet = new DepthTrainer(DepthOptions.UNet with { Epochs = 1, Width = 8, BatchSize = 16 }, d);
        x.DepthNet.Fit();
        x.CycleGan = new CycleGanTrainer(Small with { Name = "cyclegan", Epochs = 1 }, d);
        x.CycleGan.Fit();
        x.Oracle = new DepthTrainer(
            DepthOptions.UNet with
            {
                Name = "oracle",
                Source = PairSource.RealTruth,
                Epochs = 1,
                Width = 8,
                BatchSize = 16,
            },
            d
        );
        x.Oracle.Fit();
        var idx = Enumerable.Range(0, d.Test.Count).ToList();
        var maps = x.Pipeline().Predict(d.Test, idx);
        var cases = x.Cases.PredictCases(d.Test, idx);
        for (int k = 0; k < idx.Count; k++)
            Assert.True(
                maps.AsSpan(k * Geometry.Pixels, Geometry.Pixels).ToArray().All(v => v <= Cases.Plateau(cases[k]))
            );
        // notebook 04's path: the same pipeline rebuilt from the three checkpoints predicts the same maps
        var saved = SavedMethods.Load("cyclegan");
        Assert.Equal(maps, saved.Predictor.Predict(d.Test, idx));
        Assert.Equal(3, saved.Checkpoints.Count);
        var rows = x.Evaluate();
        Assert.Contains(rows, r =>
            r.Method.StartsWith("CycleGAN pipeline", StringComparison.Ordinal)
            && r.Split == "real test (hidden truth)"
            && r.Value > 0
        );
        Assert.Contains(rows, r => r.Method.StartsWith("oracle", StringComparison.Ordinal) && r.Metric == "RMSE");
        Assert.Contains(rows, r => r.Method == "case classifier" && r.Value is >= 0 and <= 1);
        Assert.Contains(rows, r => r.Method == "per-case constant map");
    }
}
