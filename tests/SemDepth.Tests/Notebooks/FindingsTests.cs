using SemDepth.Evaluation;
using SemDepth.Notebooks;
using Xunit;

namespace SemDepth.Tests;

/// <summary>Sentences the notebooks state are written from their run's figures: the direction follows the
/// numbers.</summary>
public class FindingsTests
{
    static EvalRow Test(string method, double v) => new(method, "RMSE", Evaluator.TestSplit, v, 100);

    static EvalRow Held(string method, double v) => new(method, "site-average MAE", Evaluator.HeldOutSplit, v, 100);

    [Fact]
    public void WhatHelpedSaysHelpedOnlyWhereTheFigureFell()
    {
        var rows = new List<EvalRow>
        {
            Test("per-case constant map", 10.0),
            Test("AE baseline", 16.5),
            Test("U-Net (sim)", 12.0),
            Test("U-Net (sim) + post-processing", 11.7),
            Test("CycleGAN pipeline + post-processing", 12.5), // worse: translation did not help here
            Test("U-Net (sim + site averages) + post-processing", 7.9),
            Test("oracle U-Net (real truth, from unet-sim) + post-processing", 6.9),
        };
        var s = DomainShiftViews.WhatHelped(rows).Sentences;
        Assert.Contains(s, x =>
            x.StartsWith("Post-processing helped: U-Net (sim) 12.00 -> U-Net (sim) + post-processing 11.70")
        );
        Assert.Contains(s, x => x.StartsWith("Translation did not help in this run"));
        Assert.Contains(s, x => x.StartsWith("The site averages helped") && x.Contains("7.90"));
        var floor = Assert.Single(s, x => x.StartsWith("Not better than the per-case constant map (10.00)"));
        Assert.Contains("AE baseline 16.50", floor);
        Assert.DoesNotContain("oracle", floor);
        Assert.DoesNotContain("site averages", floor);

        // without the hidden truth the same sentences are about held-out site MAE
        var held = DomainShiftViews.WhatHelped([
            Held("per-case constant map", 1.4),
            Held("U-Net (sim)", 5.9),
            Held("U-Net (sim) + post-processing", 5.5),
        ]);
        Assert.Contains(held.Sentences, x => x.Contains("held-out site MAE"));
        Assert.Contains("<li>", held.ToHtml());
    }

    [Fact]
    public void TheTakeAwayComparesTheDomainsAndTheConstantMap()
    {
        var rows = new List<EvalRow>
        {
            new("AE", "RMSE", Evaluator.SimValSplit, 4.0, 100),
            Test("AE", 16.0),
            Test("constant mean map", 10.0),
        };
        var s = Views.TakeAway(rows, "AE", "constant mean map").Sentences;
        Assert.Contains(s, x => x.Contains("4.0 times its error"));
        Assert.Contains(s, x => x.StartsWith("On the real images it does not even beat the constant mean map (10.00)"));
        rows[1] = Test("AE", 8.0);
        Assert.Contains(Views.TakeAway(rows, "AE", "constant mean map").Sentences, x =>
            x.StartsWith("It beats the constant mean map")
        );
    }
}
