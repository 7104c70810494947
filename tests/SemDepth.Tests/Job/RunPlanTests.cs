using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Job;
using SemDepth.Notebooks;
using SemDepth.Training;
using SemDepth.Translation;
using SemDepth.Workspace;
using Xunit;

namespace SemDepth.Tests;

/// <summary>The main job's plan: estimates from unit costs, caps that fit a budget, and the samples and
/// options the caps change.</summary>
[Collection("tiny")]
public class RunPlanTests(TinyData tiny)
{
    // Unit costs of the order measured on a 2-core AVX-512 EPYC (the probes' own figures vary run to run).
    static readonly UnitCosts Cpu = new()
    {
        AeTrain = 0.5e-3,
        UNetTrain = 5.5e-3,
        ClassifierTrain = 1e-3,
        CycleGanStep = 0.5,
        AeInfer = 0.05e-3,
        UNetInfer = 1.8e-3,
        ClassifierInfer = 0.4e-3,
        GeneratorInfer = 0.9e-3,
        MatmulMac = 2 / 150e9,
        Decode = 0.08e-3,
    };

    static readonly string[] Five =
    [
        "01-data-exploration.ipynb",
        "02-ae-baseline.ipynb",
        "03-cyclegan-domain-shift.ipynb",
        "04-retrieval.ipynb",
        "05-submission.ipynb",
    ];
    static readonly PlanCounts Quick = new(2400, 4800, 1600, 800, true);
    static readonly PlanCounts Full = new(86_652, 173_304, 60_664, 25_988, false);
    static readonly PlanCounts FullTruth = Full with { Truth = true };

    static bool LeftOut(RunCaps c, string flag) =>
        flag switch
        {
            "oracle" => c.OracleLeftOut,
            "perfect" => c.PerfectRestyleLeftOut,
            _ => c.ExactComparisonLeftOut,
        };

    /// <summary>The budget goes to the training of the networks the submission may use first (one count of images an
    /// epoch for the AE, the U-Net and the classifier), up to the goal; a diagnostic is paid for only once training
    /// has the goal, and a larger budget never trains on fewer images.</summary>
    [Theory]
    [InlineData(30)]
    [InlineData(45)]
    [InlineData(60)]
    [InlineData(75)]
    [InlineData(120)]
    public void TrainingIsPaidForBeforeTheDiagnostics(int minutes)
    {
        var plan = RunPlan.Fit(FullTruth, Cpu, minutes, Five, "cpu");
        var c = plan.Caps;
        Assert.True(c.Any);
        Assert.Equal(c.UNetImages, c.AeImages);
        int images = RunCaps.Of(c.UNetImages, 138_643);
        Assert.Equal(RunCaps.Of(c.ClassifierImages, 48_531), Math.Min(images, 48_531));
        Assert.True(plan.TotalSeconds <= 60 * minutes * RunPlan.BudgetShare + 1, $"{plan.TotalSeconds / 60:F1} min");
        string[] flags = ["oracle", "perfect", "exact"];
        if (images < RunPlan.TrainImagesGoal)
            Assert.All(flags, f => Assert.True(LeftOut(c, f), $"{f} paid for at {images:N0} images an epoch"));
        if (flags.Any(f => !LeftOut(c, f)))
            Assert.True(images >= RunPlan.TrainImagesGoal, $"{images:N0}");
        if (!c.OracleLeftOut)
            Assert.InRange(RunCaps.Of(c.OracleImages, 48_531), 4096, images);
        // every diagnostic left out says so in one line, with what it would have cost
        Assert.Equal(flags.Count(f => LeftOut(c, f)), c.Lines.Count(l => l.Contains(": left out, its ")));
        // a larger budget may spend on a diagnostic what training got beyond the goal, never more
        int more = RunCaps.Of(RunPlan.Fit(FullTruth, Cpu, minutes + 15, Five, "cpu").Caps.UNetImages, 138_643);
        Assert.True(more >= Math.Min(images, RunPlan.TrainImagesGoal), $"{minutes + 15} min: {more:N0}, {images:N0}");
    }

    /// <summary>With the same costs, the plan for a root with truth trains the submitted methods on as many images
    /// as one without it wherever training has not reached the goal: the bounds only truth allows take nothing from
    /// them.</summary>
    [Fact]
    public void TheBoundsTakeNothingFromTrainingBelowTheGoal()
    {
        var with = RunPlan.Fit(FullTruth, Cpu, 35, Five, "cpu").Caps;
        var without = RunPlan.Fit(Full, Cpu, 35, Five, "cpu").Caps;
        Assert.True(without.UNetImages < RunPlan.TrainImagesGoal, "not below the goal: pick a smaller budget");
        Assert.True(with.OracleLeftOut && with.PerfectRestyleLeftOut && with.ExactComparisonLeftOut);
        Assert.False(without.OracleLeftOut || without.PerfectRestyleLeftOut);
        // the truth's evaluation passes cost a little more, so at most a few hundred images fewer
        Assert.InRange(with.UNetImages, without.UNetImages - 1000, without.UNetImages);
    }

    /// <summary>A resumed job refits the plan it saved from the costs it measured: the same caps and estimates; a
    /// file whose costs no longer give its caps is refused.</summary>
    [Fact]
    public void ASavedPlanRefitsToTheSameCapsAndATamperedOneIsRefused()
    {
        var plan = RunPlan.Fit(Full, Cpu, 60, Five, "cpu");
        Assert.True(plan.Caps.Any); // the full preset is capped under an hour: the interesting case
        string file = Path.Combine(tiny.Scratch, "refit", "plan.json");
        plan.Save(file);
        var again = RunPlan.Refit(file, Five);
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(plan.Caps),
            System.Text.Json.JsonSerializer.Serialize(again.Caps)
        );
        Assert.Equal(plan.Notebooks.Select(e => e.Seconds), again.Notebooks.Select(e => e.Seconds));
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!;
        node["costs"]!["uNetTrain"] = 1e-6; // a U-Net a thousand times cheaper would have had other caps
        File.WriteAllText(file, node.ToJsonString());
        Assert.Throws<InvalidDataException>(() => RunPlan.Refit(file, Five));
    }

    /// <summary>A diagnostic the plan left out trains and builds nothing and says so where it would have been; without
    /// caps the same calls go ahead.</summary>
    [Fact]
    public void LeftOutDiagnosticsSaySoWhereTheyWouldHaveBeen()
    {
        using var d = SemData.Open(tiny.Root);
        var left = new RunCaps
        {
            OracleLeftOut = true,
            PerfectRestyleLeftOut = true,
            ExactComparisonLeftOut = true,
        };
        using var x = new DomainShift(d) { Caps = left };
        Assert.Contains("oracle left out by this run's plan", x.FitOracle(new DomainShiftOptions().Oracle));
        Assert.Null(x.Oracle);

        using var g = new SemDepth.Models.ResnetGenerator(8, 1);
        var cases = new SemDepth.Methods.TrainFolderCases(d.DataSet);
        var v = new SemDepth.Methods.RetrievalVariants(
            d,
            new SemDepth.Methods.RetrievalOptions(),
            _ => g,
            _ => g,
            cases,
            0
        )
        {
            Caps = left,
        };
        Assert.Null(v.Perfect);
        Assert.Null(v.Ceiling);
        Assert.Contains("left out by this run's plan", v.CeilingMissing);
        var all = new SemDepth.Methods.RetrievalVariants(
            d,
            new SemDepth.Methods.RetrievalOptions(),
            _ => g,
            _ => g,
            cases,
            0
        )
        {
            Caps = RunCaps.None,
        };
        Assert.Null(all.CeilingMissing); // the tiny set has its hidden truth: the ceiling can be built
        var said = RetrievalViews.ExactVsApproximate(d, null!, left);
        Assert.Equal("exact against approximate search left out by this run's plan: " + RunCaps.LeftOutWhy, said);
    }

    [Fact]
    public void QuickFitsAnHourWithoutCaps()
    {
        var plan = RunPlan.Fit(Quick, Cpu, 60, Five, "cpu");
        Assert.False(plan.Caps.Any);
        Assert.Equal(5, plan.Notebooks.Count);
        Assert.InRange(plan.TotalSeconds, 60, 60 * 60 * RunPlan.BudgetShare);
        Assert.All(plan.Notebooks, e => Assert.True(e.Seconds >= RunPlan.NotebookStartSeconds, e.Notebook));
    }

    [Fact]
    public void FullSizeOnACpuIsCappedIntoItsBudgetAndSaysWhat()
    {
        var uncapped = RunPlan.Fit(Full, Cpu, 0, Five, "cpu");
        Assert.False(uncapped.Caps.Any);
        Assert.True(
            uncapped.TotalSeconds > 1.5 * 3600,
            $"the published sizes took {uncapped.TotalSeconds / 60:F0} min: not a budget test"
        );

        var plan = RunPlan.Fit(Full, Cpu, 60, Five, "cpu");
        Assert.True(plan.Caps.Any);
        Assert.True(plan.TotalSeconds <= 60 * 60 * RunPlan.BudgetShare + 1, $"{plan.TotalSeconds / 60:F1} min");
        Assert.True(
            plan.TotalSeconds >= 60 * 60 * RunPlan.BudgetShare * 0.9,
            $"{plan.TotalSeconds / 60:F1} min: the caps cut more than the budget needs"
        );
        Assert.InRange(plan.Caps.UNetImages, 4096, 138_643 - 1);
        Assert.Equal(4000, plan.Caps.EvalTestImages);
        Assert.Contains(plan.Caps.Lines, l =>
            l.StartsWith("U-Net (sim): 2 epochs over ", StringComparison.Ordinal)
            && l.Contains("of 138,643 simulated training images", StringComparison.Ordinal)
            && l.EndsWith("(CPU budget)", StringComparison.Ordinal)
        );
        Assert.Contains(plan.Caps.Lines, l =>
            l.Contains("the submission predicts all 25,988 test images", StringComparison.Ordinal)
        );

        var half = RunPlan.Fit(Full, Cpu, 30, Five, "cpu");
        Assert.True(half.Caps.UNetImages < plan.Caps.UNetImages, "a smaller budget trains on fewer images");
        Assert.True(half.TotalSeconds <= 30 * 60 * RunPlan.BudgetShare + 1);
    }

    [Fact]
    public void ABudgetTooSmallKeepsTheSmallestCapsAndAnEstimateOverIt()
    {
        var plan = RunPlan.Fit(Full, Cpu, 1, Five, "cpu");
        Assert.Equal(4096, plan.Caps.UNetImages);
        Assert.True(plan.TotalSeconds > 60, "the estimate says honestly that one minute is not enough");
        Assert.Contains("estimated", string.Join("\n", plan.Lines()), StringComparison.Ordinal);
    }

    [Fact]
    public void ThePlanFileCarriesTheCapsToTheNotebooks()
    {
        var plan = RunPlan.Fit(Full, Cpu, 45, Five, "cpu");
        string file = plan.Save(Path.Combine(tiny.Scratch, "plan-test", "plan.json"));
        var back = RunCaps.Load(file);
        Assert.Equal(plan.Caps.UNetImages, back.UNetImages);
        Assert.Equal(plan.Caps.EvalTrainImages, back.EvalTrainImages);
        Assert.Equal(plan.Caps.Lines, back.Lines);
        Assert.Throws<FileNotFoundException>(() => RunCaps.Load(Path.Combine(tiny.Scratch, "no-such-plan.json")));
    }

    [Fact]
    public void CapsReachEachNetworkOfItsKind()
    {
        var caps = new RunCaps
        {
            AeImages = 100,
            UNetImages = 200,
            OracleImages = 300,
            ClassifierImages = 400,
            CycleGanSteps = 5,
            EvalSimValImages = 50,
            EvalTrainImages = 60,
        };
        var o = new DomainShiftOptions().Capped(caps);
        Assert.Equal(100, o.Ae.MaxTrainImages);
        Assert.Equal(200, o.DepthNet.MaxTrainImages);
        Assert.Equal(300, o.Oracle.MaxTrainImages);
        Assert.Equal(DepthOptions.WeakUNet.MaxTrainImages, o.Weak.MaxTrainImages); // its own small pass
        Assert.Equal(400, o.Classifier.MaxTrainImages);
        Assert.Equal(60, o.Classifier.MaxValImages);
        Assert.Equal(5, o.CycleGan.MaxStepsPerEpoch);
        Assert.Equal(50, o.DepthNet.MaxValImages);
        Assert.Equal(new DomainShiftOptions(), new DomainShiftOptions().Capped(RunCaps.None));
        // a cap never raises a smaller limit an option already has
        Assert.Equal(
            80,
            new DomainShiftOptions().Capped(new RunCaps { CycleGanSteps = 500 }).CycleGan.MaxStepsPerEpoch
        );
    }

    [Fact]
    public void EvenSamplesSpanTheListAndWholeSitesComeHeldOutFirst()
    {
        Assert.Equal([0, 25, 50, 75], Batches.EvenSample(Enumerable.Range(0, 100).ToArray(), 4));
        Assert.Equal(7, Batches.EvenSample(Enumerable.Range(0, 7).ToArray(), 0).Length);

        using var d = SemData.Open(tiny.Root);
        var test = Evaluator.TestSample(d, new RunCaps { EvalTestImages = 10 });
        Assert.Equal(10, test.Count);
        Assert.Equal(test.Distinct().Count(), test.Count);
        Assert.True(test[^1] >= d.Test.Count * 8 / 10, "the sample reaches the end of the test set");

        var held = Splits.HeldOutSites(d.DataSet);
        int heldImages = Enumerable.Range(0, d.Train.Count).Count(i => held.Contains(d.DataSet.Train[i].SiteKey));
        var train = Evaluator.TrainSample(d, new RunCaps { EvalTrainImages = heldImages + 1 });
        Assert.True(train.Count > heldImages && train.Count < d.Train.Count, $"{train.Count} of {d.Train.Count}");
        Assert.All(Enumerable.Range(0, d.Train.Count).Where(i => held.Contains(d.DataSet.Train[i].SiteKey)), i =>
            Assert.Contains(i, train)
        );
        var sites = train.Select(i => d.DataSet.Train[i].SiteKey).ToHashSet();
        Assert.All(Enumerable.Range(0, d.Train.Count).Where(i => sites.Contains(d.DataSet.Train[i].SiteKey)), i =>
            Assert.Contains(i, train)
        ); // whole sites
        Assert.Equal(d.Train.Count, Evaluator.TrainSample(d, RunCaps.None).Count);
    }
}
