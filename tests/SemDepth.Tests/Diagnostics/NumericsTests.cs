using System.Security.Cryptography;
using SemDepth.Data;
using SemDepth.Diagnostics;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SemDepth.Tests;

/// <summary>Right numbers on every CPU: the oneDNN probe and its route, the layer checks behind
/// <c>semdepth doctor</c>, and training that stops on a non-finite loss.</summary>
[Collection("tiny")]
public class NumericsTests(TinyData tiny)
{
    /// <summary>The input gradient of conv2d to <paramref name="co"/> channels, float32 against float64.</summary>
    static double InputGradientError(long co, bool guarded)
    {
        using var scope = torch.NewDisposeScope();
        var gen = new Generator(5);
        var x = torch.randn(new long[] { 4, 16, 20, 13 }, dtype: float64, generator: gen);
        var w = torch.randn(new long[] { co, 16, 7, 7 }, dtype: float64, generator: gen) * 0.1;
        var up = torch.randn(new long[] { 4, co, 14, 7 }, dtype: float64, generator: gen);
        Tensor Grad(Tensor xx, Tensor ww, Tensor u, bool g)
        {
            var xs = xx.detach().requires_grad_();
            var y = g ? OneDnn.Conv2d(xs, ww, null, [1, 1], [0, 0], [1, 1]) : nn.functional.conv2d(xs, ww);
            return torch.autograd.grad([(y * u).sum()], [xs])[0];
        }
        var exact = Grad(x, w, up, false);
        double worst = 0;
        for (int rep = 0; rep < 3; rep++) // the fault reads memory it never wrote: one call can come out right
            worst = Math.Max(
                worst,
                LayerCheck.Relative(Grad(x.to(float32), w.to(float32), up.to(float32), guarded), exact)
            );
        return double.IsNaN(worst) ? double.PositiveInfinity : worst;
    }

    [Fact]
    public void TheProbeSwitchesExactlyWhereOneDnnIsWrongAndTheRouteIsRight()
    {
        _ = TorchDevice.Current;
        double plain = InputGradientError(1, guarded: false);
        bool faulty = plain > OneDnn.Tolerance;
        // the probe agrees with an independent check of the same fault
        Assert.Equal(faulty, OneDnn.PadSmallOutputs);
        if (!faulty)
            Assert.Contains("nothing switched", OneDnn.Status);
        else
            Assert.Contains($"pad their outputs to {OneDnn.Block}", OneDnn.Status);
        // after the switch (or with nothing to switch) every small output count is right
        foreach (long co in new long[] { 1, 2, 7, 16, 17 })
            Assert.True(
                InputGradientError(co, guarded: true) < OneDnn.Tolerance,
                $"{co} channels: {InputGradientError(co, true)}"
            );
    }

    [Fact]
    public void TheRouteKeepsValuesAndWeightGradientsAndLeavesInferenceAlone()
    {
        _ = TorchDevice.Current;
        torch.manual_seed(9);
        using var conv = new GuardedConv2d(8, 3, 3, padding: 1);
        var x = torch.randn(2, 8, 10, 7).requires_grad_();
        var y = conv.forward(x);
        Assert.Equal(new long[] { 2, 3, 10, 7 }, y.shape);
        using (torch.no_grad())
        {
            var plain = nn.functional.conv2d(
                x,
                conv.get_parameter("weight")!,
                conv.get_parameter("bias")!,
                padding: [1, 1]
            );
            Assert.True((plain - y).abs().max().item<float>() < 1e-5f);
        }
        // the Conv2d names: checkpoints of either load into the other
        Assert.Equal(["bias", "weight"], conv.named_parameters().Select(p => p.name).Order().ToArray());
        Assert.Equal(new long[] { 3, 8, 3, 3 }, conv.get_parameter("weight")!.shape);
    }

    [Fact]
    public void EveryLayerOfTheNetworksIsRightInFloat32()
    {
        _ = TorchDevice.Current;
        var results = LayerCheck.RunAll();
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
        // the networks' own small-output layers are among them, at their shapes
        Assert.Contains(results, r => r.Name.StartsWith("RowSumConv2d [weight 1x16x7x7"));
        Assert.Contains(results, r => r.Name.StartsWith("GuardedConv2d [weight 1x128x4x4"));
        Assert.Contains(results, r => r.Name.StartsWith("whole network: CycleGAN generator"));
        Assert.Contains(results, r => r.Name.StartsWith("matmul (libtorch)"));
        Assert.Equal(OpenBlas.Available, results.Any(r => r.Name.StartsWith("matmul (OpenBLAS")));
    }

    [Fact]
    public void ALayerCheckFailsOnAWrongLayer()
    {
        _ = TorchDevice.Current;
        // a layer that is wrong in float32 only: its float32 output is off by a tenth
        using var wrong = new Float32Off();
        var r = LayerCheck.Layer(wrong, [2, 3], "off in float32");
        Assert.False(r.Passed);
        Assert.StartsWith("error: off in float32: output", r.ToString());
    }

    sealed class Float32Off() : nn.Module<Tensor, Tensor>("off")
    {
        public override Tensor forward(Tensor x) => x.dtype == float32 ? x * 1.1f : x;
    }

    [Fact]
    public void ANonFiniteLossStopsTrainingWithOneLineAndKeepsTheLastCheckpoint()
    {
        using var d = SemData.Open(tiny.Root);
        string dir = Path.Combine(Path.GetTempPath(), $"semdepth-nonfinite-{Environment.ProcessId}");
        using var t = new DepthTrainer(
            DepthOptions.Default with
            {
                Name = "nonfinite",
                Epochs = 3,
                BatchSize = 16,
                MaxTrainImages = 48,
            },
            d,
            dir
        );
        t.Fit(untilEpoch: 1);
        string ck = Path.Combine(dir, "checkpoint");
        var before = Hashes(ck);
        using (torch.no_grad())
            t.Model.parameters().First().fill_(float.PositiveInfinity); // every output becomes NaN
        var e = Assert.Throws<NonFiniteTrainingException>(() => t.Fit());
        Assert.Equal(
            "run 'nonfinite' stopped: loss is not finite at epoch 2, step 1; its checkpoint of epoch 1 "
                + "is left as it was",
            e.Message
        );
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(before, Hashes(ck));
        Assert.Equal(1, Checkpoint.ReadState(ck, "ae").Epoch);
        Assert.Equal(1, t.Epoch);
    }

    [Fact]
    public void TheGuardNamesTheTermAndStepAndReadsNothingUntilChecked()
    {
        _ = TorchDevice.Current;
        using var g = new FiniteGuard("g");
        g.StartEpoch(4);
        g.Observe(0, "cycle", torch.tensor(1.0f));
        g.Observe(0, "GP", torch.tensor(2.0f));
        g.Check(); // all finite
        g.Observe(6, "cycle", torch.tensor(3.0f));
        g.Observe(6, "GP", torch.tensor(float.NegativeInfinity));
        g.Observe(7, "cycle", torch.tensor(float.NaN)); // later: the first one is named
        var e = Assert.Throws<NonFiniteTrainingException>(g.Check);
        Assert.Equal(
            "run 'g' stopped: GP is not finite at epoch 4, step 7; its checkpoint of epoch 3 is left as it was",
            e.Message
        );
    }

    static Dictionary<string, string> Hashes(string dir) =>
        Directory
            .GetFiles(dir)
            .Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
