using SemDepth.Data;
using SemDepth.Images;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SemDepth.Tests;

/// <summary>A method whose numbers are absurd is marked wherever it is scored and never submitted.</summary>
[Collection("tiny")]
public class SuspectMethodTests(TinyData tiny)
{
    /// <summary>Outputs NaN where the input is above its mean: a network gone wrong in places.</summary>
    sealed class PartlyNaN() : nn.Module<Tensor, Tensor>("partly-nan")
    {
        public override Tensor forward(Tensor x) =>
            torch.where(x > x.mean(), torch.full_like(x, float.NaN), (x + 1) / 2);
    }

    [Fact]
    public void NonFiniteOutputsAreCountedBeforeTheBytesAndMarkTheMethod()
    {
        using var d = SemData.Open(tiny.Root);
        using var net = new PartlyNaN();
        var p = new SemDepth.Methods.TorchPredictor("partly NaN", net, PixelScale.Symmetric);
        var rows = SemDepth.Evaluation.Evaluator.Evaluate(p, d);
        Assert.True(p.Health.NonFinite > 0);
        Assert.All(rows, r => Assert.StartsWith("suspect: ", r.Suspect));
        Assert.Contains("NaN or infinite (before the conversion to bytes)", rows[0].Suspect);
        var log = SemDepth.Workspace.RunWarnings.Since(DateTime.UtcNow.AddMinutes(-5));
        Assert.Contains(log, l => l.StartsWith("suspect: partly NaN: "));
        // the constant mean map itself and an honest method stay unmarked
        var constant = SemDepth.Evaluation.Evaluator.Evaluate(new SemDepth.Methods.ConstantMapPredictor(d), d);
        Assert.All(constant, r => Assert.Null(r.Suspect));
    }

    [Fact]
    public void AMethodFarWorseThanTheConstantMapIsMarkedAndAutoSkipsBoth()
    {
        using var d = SemData.Open(tiny.Root);
        var black = new Black();
        var rows = SemDepth.Evaluation.Evaluator.Evaluate(black, d);
        var why = rows[0].Suspect;
        Assert.NotNull(why);
        Assert.Matches(@"more than 2 times the constant mean map's \d+\.\d\d", why);
        using var net = new PartlyNaN();
        var nan = new SemDepth.Methods.TorchPredictor("partly NaN", net, PixelScale.Symmetric);
        var constant = new SemDepth.Methods.ConstantMapPredictor(d);
        var pick = SemDepth.Methods.SavedMethods.Pick(
            [new("nan", nan, [], "{}"), new("black", black, [], "{}"), new("constant", constant, [], "{}")],
            d
        );
        Assert.Equal("constant", pick.Key);
        Assert.Contains("skipped as suspect: nan (", pick.Why);
        Assert.Contains("; black (held-out site MAE", pick.Why);
        var none = Assert.Throws<InvalidOperationException>(() =>
            SemDepth.Methods.SavedMethods.Pick([new("black", black, [], "{}")], d)
        );
        Assert.StartsWith("auto: every trained method is suspect, none is submitted: black (", none.Message);
    }

    /// <summary>Depth 0 everywhere: a black picture.</summary>
    sealed class Black : SemDepth.Methods.IDepthPredictor
    {
        public string Name => "black";

        public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx) => new byte[idx.Count * Geometry.Pixels];
    }
}
