using SemDepth.Data;
using SemDepth.Translation;
using Xunit;

namespace SemDepth.Tests;

/// <summary>A resumed CycleGAN run against an uninterrupted one, bit for bit: alone, since its random draws come from
/// torch's global generator (<see cref="TinyDataAlone"/>).</summary>
[Collection("tiny-alone")]
public class CycleGanResumeTests(TinyDataAlone tiny)
{
    [Fact]
    public void ResumeContinuesExactly()
    {
        using var d = SemData.Open(tiny.Root);
        var o = CycleGanTrainingTests.Small with { Epochs = 2, Decay = LrDecay.Exponential };
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
}
