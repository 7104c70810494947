using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Methods;
using SemDepth.Models;
using SemDepth.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SemDepth.Tests;

public class NetworkTests
{
    [Fact]
    public void GeneratorKeeps72x48AndHasTheHandCountedParameters()
    {
        torch.manual_seed(1);
        using var g = new ResnetGenerator(16, 3, NormKind.Batch, 0.5);
        g.eval();
        var y = g.forward(torch.rand(2, 1, 72, 48) * 2 - 1);
        Assert.Equal(new long[] { 2, 1, 72, 48 }, y.shape);
        Assert.True(y.abs().max().item<float>() <= 1f); // tanh
        // 7x7 1->16 (no bias before BatchNorm) 784 + BN 32; down 16->32 4608 + 64; 32->64 18432 + 128;
        // 3 blocks x (2 x 3x3 64->64 = 73728 + 2 BN 256); up 64->32 18432 + 64; 32->16 4608 + 32; 7x7 16->1 + bias 785
        Assert.Equal(269_921, Layers.ParameterCount(g));
        using var gi = new ResnetGenerator(8, 1, NormKind.Instance, 0);
        Assert.Equal(new long[] { 1, 1, 72, 48 }, gi.forward(torch.zeros(1, 1, 72, 48)).shape);
    }

    [Fact]
    public void PatchDiscriminatorScoresPatches()
    {
        torch.manual_seed(1);
        using var d = new PatchDiscriminator(16, 3, NormKind.Instance);
        Assert.Equal(new long[] { 2, 1, 7, 4 }, d.forward(torch.rand(2, 1, 72, 48)).shape);
        // 4x4 convs with bias (InstanceNorm has no affine parameters): 1->16, 16->32, 32->64, 64->128, 128->1
        Assert.Equal(272 + 8_224 + 32_832 + 131_200 + 2_049, Layers.ParameterCount(d));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PatchDiscriminator(16, 4));
    }

    [Fact]
    public void UNetAndClassifierShapes()
    {
        torch.manual_seed(1);
        using var u = new DepthUNet(8);
        Assert.Equal(new long[] { 3, 1, 72, 48 }, u.forward(torch.rand(3, 1, 72, 48)).shape);
        using var c = new CaseClassifier(8);
        Assert.Equal(new long[] { 3, 4 }, c.forward(torch.rand(3, 1, 72, 48)).shape);
    }

    /// <summary>A critic whose input gradient is known: score = sum(w * x^2), d/dx = 2 w x.</summary>
    sealed class SquareCritic(Tensor w) : nn.Module<Tensor, Tensor>("square")
    {
        public override Tensor forward(Tensor x) => (x * x * w).sum([1, 2, 3]);
    }

    [Fact]
    public void GradientPenaltyMatchesAHandComputedCase()
    {
        const int n = 2,
            P = Geometry.Pixels;
        var real = new float[n * P];
        var fake = new float[n * P];
        var w = new float[P];
        for (int i = 0; i < n * P; i++)
        {
            real[i] = (i % 7) / 7f;
            fake[i] = -(i % 5) / 10f;
        }
        for (int i = 0; i < P; i++)
            w[i] = 0.002f * (1 + i % 3);
        float[] alpha = [0.25f, 0.8f];
        double expected = 0;
        for (int s = 0; s < n; s++)
        {
            double sq = 0;
            for (int i = 0; i < P; i++)
            {
                double x = alpha[s] * real[s * P + i] + (1 - alpha[s]) * fake[s * P + i];
                double g = 2 * w[i] * x;
                sq += g * g;
            }
            expected += Math.Pow(Math.Sqrt(sq) - 1, 2) / n;
        }
        using var critic = new SquareCritic(torch.tensor(w, new long[] { 1, 1, 72, 48 }));
        var gp = GanLoss.GradientPenalty(
            critic,
            torch.tensor(real, new long[] { n, 1, 72, 48 }),
            torch.tensor(fake, new long[] { n, 1, 72, 48 }),
            10,
            torch.tensor(alpha, new long[] { n, 1, 1, 1 })
        );
        Assert.Equal(10 * expected, gp.item<float>(), 3);
        Assert.True(gp.requires_grad); // create_graph: the penalty trains the critic
    }

    [Fact]
    public void GanLossesHaveTheirTextbookValues()
    {
        var ones = torch.ones(2, 1, 3, 3);
        var zeros = torch.zeros(2, 1, 3, 3);
        Assert.Equal(0f, GanLoss.Generator(GanKind.LsGan, ones).item<float>());
        Assert.Equal(1f, GanLoss.Generator(GanKind.LsGan, zeros).item<float>());
        Assert.Equal(0f, GanLoss.Discriminator(GanKind.LsGan, ones, zeros).item<float>());
        Assert.Equal(1f, GanLoss.Discriminator(GanKind.LsGan, zeros, ones).item<float>()); // (1 + 1) / 2
        Assert.Equal(-1f, GanLoss.Discriminator(GanKind.WganGp, ones, zeros).item<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => GanLoss.Generator((GanKind)7, ones));
    }

    [Fact]
    public void ImagePoolReturnsCurrentOrPastFakes()
    {
        using var pool = new ImagePool(3, 7, 1);
        var seen = new HashSet<float>();
        for (int step = 0; step < 6; step++)
        {
            using var scope = torch.NewDisposeScope();
            var batch =
                torch.full(new long[] { 2, 1, 4, 4 }, (float)step)
                + torch.tensor(new float[] { 0, 0.5f }).reshape(2, 1, 1, 1);
            for (int k = 0; k < 2; k++)
                seen.Add(step + 0.5f * k);
            var o = pool.Query(batch);
            Assert.Equal(batch.shape, o.shape);
            for (int k = 0; k < 2; k++)
                Assert.Contains(o[k, 0, 0, 0].item<float>(), seen);
        }
        Assert.Equal(3, pool.Count);
        pool.Reset(1);
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void OptionsFailLoudlyAndScheduleLearningRate()
    {
        Assert.Throws<ArgumentException>(() =>
            CycleGanOptions.Default with { Gan = (GanKind)7 } is var o ? o.Validated() : null
        );
        Assert.Throws<ArgumentException>(() =>
            (CycleGanOptions.Default with { Gan = GanKind.WganGp, DiscNorm = NormKind.Batch }).Validated()
        );
        var lin = CycleGanOptions.Default with { Epochs = 4, Decay = LrDecay.Linear };
        double[] expected = [1.0, 1.0, 2.0 / 3, 1.0 / 3]; // epochs 3-4 of 4 decay: 1 - k / 3
        for (int e = 1; e <= 4; e++)
            Assert.Equal(expected[e - 1], lin.LrFactor(e), 12);
        var exp = CycleGanOptions.Default with { Decay = LrDecay.Exponential, DecayRate = 0.95 };
        Assert.Equal(0.95 * 0.95, exp.LrFactor(3), 12);
        Assert.Equal(CycleGanOptions.Full, CycleGanOptions.FromJson(CycleGanOptions.Full.ToJson()));
    }
}

public class PostProcessTests
{
    [Fact]
    public void ClosingFillsIsolatedPitsAndPlateauSnaps()
    {
        var map = Enumerable.Repeat((byte)100, Geometry.Pixels).ToArray();
        for (int y = 0; y < 20; y++)
        for (int x = 0; x < Geometry.Width; x++)
            map[y * Geometry.Width + x] = 139; // near-plateau band
        map[40 * Geometry.Width + 20] = 60; // isolated pit: closing fills it from its neighbours
        map[50 * Geometry.Width + 20] = 200; // isolated peak: closing keeps it (closing only fills dark)
        PostProcess.Apply(map, 1); // plateau 140
        Assert.Equal(140, map[5 * Geometry.Width + 5]); // 139 >= 140 - 1 -> snapped
        Assert.Equal(100, map[40 * Geometry.Width + 20]); // pit filled to 100
        Assert.Equal(140, map[50 * Geometry.Width + 20]); // 200 >= 139 -> plateau
        Assert.Equal(100, map[60 * Geometry.Width + 30]); // untouched
        Assert.All(map, v => Assert.True(v <= 140));
        var same = Enumerable.Repeat((byte)138, Geometry.Pixels).ToArray();
        PostProcess.Apply(same, 1);
        Assert.All(same, v => Assert.Equal(138, v)); // below plateau - 1: kept
        Assert.Throws<ArgumentException>(() => PostProcess.ApplyAll(new byte[Geometry.Pixels], [1, 2]));
    }
}

[Collection("tiny")]
public class CycleGanTrainingTests(TinyData tiny)
{
    static CycleGanOptions Small =>
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
    public void ResumeContinuesExactly()
    {
        using var d = SemData.Open(tiny.Root);
        var o = Small with { Epochs = 2, Decay = LrDecay.Exponential };
        string full = Path.Combine(Workspace.Paths.Runs, "cg-full"),
            split = Path.Combine(Workspace.Paths.Runs, "cg-split");
        byte[] a,
            b;
        using (var t = new CycleGanTrainer(o with { Name = "cg-full" }, d, full))
        {
            t.Fit();
            a = CycleGanTrainer.Translate(t.GenRealToSim(1), d.Test, [0, 1, 2]);
        }
        using (var t = new CycleGanTrainer(o with { Name = "cg-split" }, d, split))
            t.Fit(untilEpoch: 1);
        using (var t = CycleGanTrainer.Resume(split, d))
        {
            Assert.Equal(1, t.Epoch);
            t.Fit();
            Assert.Equal(2, t.Epoch);
            b = CycleGanTrainer.Translate(t.GenRealToSim(1), d.Test, [0, 1, 2]);
            Assert.Equal(0.95 * o.LearningRate, t.Models[0].LearningRate, 12);
        }
        Assert.Equal(a, b);
    }

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
