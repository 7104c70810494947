using SemDepth.Images;
using SemDepth.Models;
using SemDepth.Translation;
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
