using SemDepth.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SemDepth.Tests;

/// <summary>The multi-tensor Adam against TorchSharp's per-parameter Adam.</summary>
public class AdamTests
{
    /// <summary>A U-Net (convolutions, BatchNorm, transposed convolutions: many parameter shapes) with the
    /// weights of <paramref name="like"/> when given. Copying weights instead of re-seeding keeps the test
    /// independent of other tests drawing from the global generator in parallel.</summary>
    static nn.Module<Tensor, Tensor> Net(nn.Module<Tensor, Tensor>? like = null)
    {
        var m = new DepthUNet(8);
        if (like is not null)
            using (torch.no_grad())
                foreach (var (a, b) in m.state_dict().Values.Zip(like.state_dict().Values))
                    a.copy_(b);
        return m;
    }

    static void Train(nn.Module<Tensor, Tensor> m, optim.Optimizer opt, int steps, int firstStep = 0)
    {
        m.train();
        for (int s = firstStep; s < firstStep + steps; s++)
        {
            using var scope = torch.NewDisposeScope();
            using var g = new torch.Generator((ulong)(1000 + s)); // a private generator: parallel tests cannot shift it
            var x = torch.rand(new long[] { 4, 1, 72, 48 }, generator: g) * 2 - 1;
            var y = torch.rand(new long[] { 4, 1, 72, 48 }, generator: g);
            opt.zero_grad();
            nn.functional.l1_loss(m.forward(x), y).backward();
            opt.step();
        }
    }

    static void AssertBitIdentical(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b)
    {
        var pa = a.parameters().ToList();
        var pb = b.parameters().ToList();
        Assert.Equal(pa.Count, pb.Count);
        for (int i = 0; i < pa.Count; i++)
            Assert.True(
                Bits.Same(pa[i], pb[i]),
                $"parameter {i} differs: max |d| {(pa[i] - pb[i]).abs().max().item<float>()}"
            );
    }

    [Theory]
    [InlineData(0.9, 0.999, 1e-3)]
    [InlineData(0.5, 0.999, 2e-4)] // the CycleGAN's betas
    [InlineData(0.9, 0.99, 1e-3)] // TorchSharp's optim.Adam factory default
    public void BitIdenticalToTorchSharpsAdamOverSeveralSteps(double beta1, double beta2, double lr)
    {
        using var a = Net();
        using var b = Net(a);
        AssertBitIdentical(a, b);
        using var ref_ = new TorchSharp.Modules.Adam(a.parameters(), lr, beta1, beta2);
        using var flat = new SemDepth.Training.MultiTensor.Adam(b.parameters(), lr, beta1, beta2);
        Train(a, ref_, 6);
        Train(b, flat, 6);
        AssertBitIdentical(a, b);
        var moved = a.parameters().First();
        using var start = Net(); // a fresh net is not the trained one: the steps did move the weights
        Assert.False(Bits.Same(moved, start.parameters().First()));
    }

    [Fact]
    public void StateRoundTripsThroughCheckpointsBothWaysAndLearningRateChangesApply()
    {
        string dir = Path.Combine(Path.GetTempPath(), "semdepth-flatadam-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        // uninterrupted: 3 steps, lr halved, 3 more
        using var origin = Net();
        using var full = Net(origin);
        using (var opt = new SemDepth.Training.MultiTensor.Adam(full.parameters(), 1e-3))
        {
            Train(full, opt, 3);
            foreach (var g in opt.ParamGroups)
                g.LearningRate = 5e-4;
            Train(full, opt, 3, 3);
        }
        // interrupted: TorchSharp's Adam for 3 steps, saved; weights and state loaded into a FlatAdam, lr halved, 3
        // more
        using var split = Net(origin);
        using (var opt = new TorchSharp.Modules.Adam(split.parameters(), 1e-3, 0.9, 0.999))
        {
            Train(split, opt, 3);
            opt.save_state_dict(Path.Combine(dir, "adam.bin"));
            split.save(Path.Combine(dir, "model.bin"));
        }
        using var resumed = Net();
        using (var opt = new SemDepth.Training.MultiTensor.Adam(resumed.parameters(), 1e-3))
        {
            resumed.load(Path.Combine(dir, "model.bin")); // after the optimizer took the parameters: loads in place
            opt.load_state_dict(Path.Combine(dir, "adam.bin"));
            foreach (var g in opt.ParamGroups)
                g.LearningRate = 5e-4;
            Train(resumed, opt, 3, 3);
            opt.save_state_dict(Path.Combine(dir, "flat.bin"));
        }
        AssertBitIdentical(full, resumed);
        // and FlatAdam's saved state loads into TorchSharp's Adam
        using var back = Net(origin);
        using var plain = new TorchSharp.Modules.Adam(back.parameters(), 5e-4, 0.9, 0.999);
        plain.load_state_dict(Path.Combine(dir, "flat.bin"));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void ParametersOnTwoDevicesOrOfTwoTypesAreRefused()
    {
        using var a = nn.Linear(3, 2);
        using var b = nn.Linear(3, 2);
        b.to(ScalarType.Float64);
        Assert.Throws<ArgumentException>(() =>
            new SemDepth.Training.MultiTensor.Adam(a.parameters().Concat(b.parameters()))
        );
        Assert.Throws<ArgumentException>(() => new SemDepth.Training.MultiTensor.Adam([]));
    }
}
