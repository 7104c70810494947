using System.Text.Json;
using System.Text.Json.Nodes;
using SemDepth.Data;
using SemDepth.Methods;
using SemDepth.Training;
using SemDepth.Translation;
using SemDepth.Workspace;

namespace SemDepth.Job;

/// <summary>The counts of a data root a plan is made for.</summary>
public sealed record PlanCounts(int SimMaps, int SimSem, int Train, int Test, bool Truth)
{
    public static PlanCounts Of(DaconDataSet set) =>
        new(set.Sim.Count, set.Sim.Count * 2, set.Train.Count, set.Test.Count, set.HasTruth);

    /// <summary>Every PNG the image cache decodes (hidden truth included).</summary>
    public long Images => SimSem + SimMaps + Train + Test + (Truth ? Train + Test : 0);
}

/// <summary>One notebook's estimated time and what it is made of.</summary>
public sealed record NotebookEstimate(
    string Notebook,
    double Seconds,
    IReadOnlyList<(string What, double Seconds)> Parts
);

/// <summary>
/// What the main job will do before it does it: the data's counts, the unit costs measured on this device
/// (<see cref="UnitCosts"/>), the caps that keep a CPU run inside its budget (<see cref="RunCaps"/>) and each
/// notebook's estimated time. Estimates are work counts times measured unit costs; a GPU, or a budget of 0,
/// runs the published sizes.
/// </summary>
public sealed record RunPlan(
    PlanCounts Counts,
    UnitCosts Costs,
    RunCaps Caps,
    IReadOnlyList<NotebookEstimate> Notebooks,
    string Device
)
{
    /// <summary>The budget a CPU run keeps to unless told otherwise, minutes (about an hour on a 2-core
    /// machine).</summary>
    public const double DefaultCpuBudgetMinutes = 60;

    /// <summary>The share of the budget the estimate is fitted into (the rest is the estimate's margin).</summary>
    public const double BudgetShare = 0.85;

    /// <summary>Seconds every notebook costs for its setup cell (NotebookExecutor in the job's process: the first
    /// compiles and checks the layers, the later ones reuse both; dotnet-repl's kernel start cost about 9).</summary>
    public const double NotebookStartSeconds = 2;

    public double TotalSeconds => Notebooks.Sum(n => n.Seconds);

    /// <summary>What a trainer's image costs against the bare step the probe times (batches filled from the cache,
    /// flips, loss bookkeeping, checkpoints), per network. The quick main job's short epochs ran at 1.0-1.2 times the
    /// probes; the full job of 00b2f62 at 1.09 (U-Net), 0.77 (AE) and 0.78 (classifier): the small networks' probes
    /// read slow, and a single 1.15 over-estimated notebook 02 by a third (docs/benchmarks.md).</summary>
    public const double UNetTrainerOverhead = 1.15,
        AeTrainerOverhead = 0.9,
        ClassifierTrainerOverhead = 0.9;

    /// <summary>Seconds the first training of a process spends once (allocator, oneDNN primitives for each
    /// shape).</summary>
    public const double FirstTrainingSeconds = 9;

    /// <summary>Measures the unit costs on this device and fits the run of <paramref name="notebooks"/> (file names) on
    /// <paramref name="root"/> into <paramref name="budgetMinutes"/> (null: <see cref="DefaultCpuBudgetMinutes"/> on a
    /// CPU, none on a GPU; 0: none).</summary>
    public static RunPlan Make(string root, double? budgetMinutes, IReadOnlyList<string> notebooks)
    {
        var set = DaconDataSet.Open(root);
        var pngs = set.Test.Take(64).Select(t => t.Path).ToList();
        var costs = UnitCosts.Measure(pngs);
        bool gpu = Torch.TorchDevice.Current.type == TorchSharp.DeviceType.CUDA;
        double budget = budgetMinutes ?? (gpu ? 0 : DefaultCpuBudgetMinutes);
        return Fit(PlanCounts.Of(set), costs, budget, notebooks, gpu ? "cuda" : "cpu");
    }

    /// <summary>The plan for given counts and costs: no caps when the published sizes fit (or there is no
    /// budget). Else the budget is spent in this order: (1) what every run needs, at its smallest kept size (the
    /// cache, the libraries, the evaluation samples, the submission); (2) the training of every network the
    /// submission may use, up to <see cref="TrainImagesGoal"/> images an epoch each; (3) the diagnostics at their
    /// smallest sizes, cheapest first, each left out with a line saying so where it does not fit, then the oracle on
    /// more images, up to the networks' it bounds; (4) what is left to training again, up to the published
    /// sizes. When even the smallest sizes do not fit, those and an estimate over the budget.</summary>
    public static RunPlan Fit(
        PlanCounts n,
        UnitCosts c,
        double budgetMinutes,
        IReadOnlyList<string> notebooks,
        string device
    )
    {
        var none = Estimate(n, c, RunCaps.None, notebooks);
        double budget = BudgetShare * budgetMinutes * 60;
        if (budgetMinutes <= 0 || none.Sum(e => e.Seconds) <= budget)
            return new RunPlan(n, c, RunCaps.None with { BudgetMinutes = budgetMinutes }, none, device);
        var s = Sizes(n);
        double Seconds(RunCaps k) => Estimate(n, c, k, notebooks).Sum(e => e.Seconds);
        bool Fits(RunCaps k) => Seconds(k) <= budget;
        var caps = Floor(n, s, budgetMinutes, device == "cpu" ? "CPU budget" : "budget");
        caps = caps with { ApproximateRetrieval = Cheaper(n, c, caps, notebooks) };
        int most = Math.Max(s.SimTrain, s.RealFit);
        // (2) training first, up to the goal
        int images = Largest(MinTrainImages, Math.Min(TrainImagesGoal, most), i => Fits(WithTraining(caps, s, i)))
            ?? MinTrainImages;
        caps = WithTraining(caps, s, images);
        // (2b) then the CycleGAN candidates retrieval is chosen from (the floor trains one)
        int wanted = new DomainShiftOptions().CycleGanCandidates;
        int candidates = Largest(1, wanted, k => Fits(caps with { CycleGanCandidates = k })) ?? 1;
        caps = caps with { CycleGanCandidates = candidates < wanted ? candidates : 0 };
        // (3) the diagnostics at their smallest sizes, cheapest first, each in or left out; then the oracle grows
        // towards the training size of the networks it bounds
        var diagnostics = new List<(string Flag, Func<RunCaps, RunCaps> In)>
        {
            (nameof(RunCaps.ExactComparisonLeftOut), k => k with { ExactComparisonLeftOut = false }),
        };
        if (n.Truth)
        {
            diagnostics.Add((nameof(RunCaps.PerfectRestyleLeftOut), k => k with { PerfectRestyleLeftOut = false }));
            diagnostics.Add((nameof(RunCaps.OracleLeftOut), k => Oracle(k, s, MinTrainImages)));
        }
        double before = Seconds(caps);
        var more = diagnostics.ToDictionary(d => d.Flag, d => Seconds(d.In(caps)) - before);
        foreach (var (_, add) in diagnostics.OrderBy(d => more[d.Flag]))
            if (Fits(add(caps)))
                caps = add(caps);
        if (!caps.OracleLeftOut)
        {
            var kept = caps;
            int hi = Math.Max(MinTrainImages, Math.Min(images, s.RealFit));
            caps = Oracle(caps, s, Largest(MinTrainImages, hi, i => Fits(Oracle(kept, s, i))) ?? MinTrainImages);
        }
        // (4) the rest to training; the diagnostics keep their sizes
        if (images >= TrainImagesGoal && images < most)
        {
            var kept = caps;
            caps = WithTraining(caps, s, Largest(images, most, i => Fits(WithTraining(kept, s, i))) ?? images);
        }
        caps = caps with { Lines = Describe(caps, n, more) };
        return new RunPlan(n, c, caps, Estimate(n, c, caps, notebooks), device);
    }

    /// <summary>Images an epoch every network the submission may use (AE, U-Net, case classifier) trains on before
    /// any diagnostic is paid for: on the full preset the AE scored 14.32, 7.89 and 7.31 RMSE at 4,096, 22,239 and
    /// 82,232 images an epoch (docs/benchmarks.md).</summary>
    public const int TrainImagesGoal = 40_000;

    // Smallest sizes a capped run keeps: below these the figures stop meaning much. The CycleGAN keeps its 80
    // steps (already the CPU default): fewer make every method that translates or restyles worse.
    const int MinTrainImages = 4096,
        EvalTest = 4000,
        EvalTrain = 6000,
        EvalSimVal = 2000;

    /// <summary>The smallest caps: evaluation samples, every diagnostic left out, training at its floor.</summary>
    static RunCaps Floor(PlanCounts n, SizeSet s, double budgetMinutes, string why) =>
        WithTraining(
            new RunCaps
            {
                BudgetMinutes = budgetMinutes,
                Reason = why,
                EvalTestImages = n.Test > EvalTest ? EvalTest : 0,
                EvalTrainImages = n.Train > EvalTrain ? EvalTrain : 0,
                EvalSimValImages = s.SimVal > EvalSimVal ? EvalSimVal : 0,
                OracleLeftOut = n.Truth,
                PerfectRestyleLeftOut = n.Truth,
                ExactComparisonLeftOut = true,
                CycleGanCandidates = 1,
            },
            s,
            MinTrainImages
        );

    /// <summary>True when the approximate search makes the run shorter than the exact one.</summary>
    static bool Cheaper(PlanCounts n, UnitCosts c, RunCaps caps, IReadOnlyList<string> notebooks) =>
        Estimate(n, c, caps with { ApproximateRetrieval = true }, notebooks).Sum(e => e.Seconds)
        < Estimate(n, c, caps with { ApproximateRetrieval = false }, notebooks).Sum(e => e.Seconds);

    /// <summary>At most <paramref name="images"/> training images an epoch for the AE, the U-Net and the
    /// classifier (a cap of 0 where a network has no more).</summary>
    static RunCaps WithTraining(RunCaps caps, SizeSet s, int images) =>
        caps with
        {
            AeImages = Cap(images, s.SimTrain),
            UNetImages = Cap(images, s.SimTrain),
            ClassifierImages = Cap(images, s.RealFit),
        };

    static RunCaps Oracle(RunCaps caps, SizeSet s, int images) =>
        caps with
        {
            OracleLeftOut = false,
            OracleImages = Cap(images, s.RealFit),
        };

    /// <summary>A cap of <paramref name="images"/> on <paramref name="all"/> (0: no cap needed).</summary>
    static int Cap(int images, int all) => images < all ? images : 0;

    /// <summary>The largest value in [lo, hi] that <paramref name="fits"/> (monotone: true up to some value), or
    /// null when not even lo does.</summary>
    static int? Largest(int lo, int hi, Func<int, bool> fits)
    {
        if (hi < lo || !fits(lo))
            return null;
        while (lo < hi)
        {
            int mid = lo + (hi - lo + 1) / 2;
            if (fits(mid))
                lo = mid;
            else
                hi = mid - 1;
        }
        return lo;
    }

    /// <summary>The caps in words, one line each, as notebooks and the report show them.</summary>
    /// <param name="leftOutSeconds">What each diagnostic left out would have cost at its smallest size, by the name
    /// of its <see cref="RunCaps"/> flag (the plan's own figures; null: not said).</param>
    public static List<string> Describe(
        RunCaps caps,
        PlanCounts n,
        IReadOnlyDictionary<string, double>? leftOutSeconds = null
    )
    {
        var s = Sizes(n);
        var o = new DomainShiftOptions();
        string r = $" ({caps.Reason})";
        var lines = new List<string>();
        void Train(string net, int epochs, int cap, int all, string what)
        {
            if (cap > 0)
                lines.Add(
                    (
                        $"{net}: {epochs} epoch{(epochs == 1 ? "" : "s")} over {cap:N0} of {all:N0} {what} a "
                        + $"epoch{r}"
                    ).Replace(" a epoch", " an epoch")
                );
        }
        Train("AE baseline", o.Ae.Epochs, caps.AeImages, s.SimTrain, "simulated training images");
        Train("U-Net (sim)", o.DepthNet.Epochs, caps.UNetImages, s.SimTrain, "simulated training images");
        Train(
            "case classifier",
            o.Classifier.Epochs,
            caps.ClassifierImages,
            s.RealFit,
            "real train images of the training sites"
        );
        if (n.Truth && !caps.OracleLeftOut)
            Train(
                "oracle U-Net",
                o.Oracle.Epochs,
                caps.OracleImages,
                s.RealFit,
                "real train images of the training sites"
            );
        if (caps.CycleGanSteps > 0)
            lines.Add(
                $"CycleGAN: {o.CycleGan.Epochs} epoch of {caps.CycleGanSteps} steps "
                    + $"({caps.CycleGanSteps * o.CycleGan.BatchSize:N0} image pairs) instead of "
                    + $"{o.CycleGan.MaxStepsPerEpoch}{r}"
            );
        if (caps.CycleGanCandidates > 0 && caps.CycleGanCandidates < o.CycleGanCandidates)
            lines.Add(
                $"CycleGAN: {caps.CycleGanCandidates} candidate{(caps.CycleGanCandidates == 1 ? "" : "s")} instead of "
                    + $"{o.CycleGanCandidates} to choose retrieval's restyle from{r}"
            );
        if (caps.EvalTestImages > 0 || caps.EvalTrainImages > 0 || caps.EvalSimValImages > 0)
            lines.Add(
                $"evaluation tables: {RunCaps.Of(caps.EvalTestImages, n.Test):N0} of {n.Test:N0} test "
                    + $"images, whole sites up to {RunCaps.Of(caps.EvalTrainImages, n.Train):N0} of "
                    + $"{n.Train:N0} train images (held-out sites first), "
                    + $"{RunCaps.Of(caps.EvalSimValImages, s.SimVal):N0} of {s.SimVal:N0} simulated "
                    + $"validation images; the submission predicts all {n.Test:N0} test images{r}"
            );
        if (caps.ApproximateRetrieval)
            lines.Add(
                $"retrieval: the approximate search (a subspace and k-means lists, "
                    + $"{new RetrievalOptions().Probes} probes) instead of the exact one{r}"
            );
        void LeftOut(bool left, string what, string key)
        {
            if (!left)
                return;
            string cost =
                leftOutSeconds?.TryGetValue(key, out double sec) == true ? $"its {Minutes(sec)} do" : "it does";
            lines.Add($"{what}: left out, {cost} not fit once the methods the submission may use are trained{r}");
        }
        LeftOut(caps.OracleLeftOut, "oracle U-Net (a bound, notebook 03)", nameof(RunCaps.OracleLeftOut));
        LeftOut(
            caps.PerfectRestyleLeftOut,
            "perfect-restyle library and the retrieval ceilings (bounds, notebook 04)",
            nameof(RunCaps.PerfectRestyleLeftOut)
        );
        LeftOut(
            caps.ExactComparisonLeftOut,
            "exact against approximate search (notebook 04)",
            nameof(RunCaps.ExactComparisonLeftOut)
        );
        return lines;
    }

    internal readonly record struct SizeSet(int SimTrain, int SimVal, int RealFit, int RealHeld);

    internal static SizeSet Sizes(PlanCounts n)
    {
        int simVal = (int)Math.Round(n.SimSem * DepthOptions.Default.ValFraction);
        int held = (int)Math.Round(n.Train * Splits.HeldOutFraction);
        return new SizeSet(n.SimSem - simVal, simVal, n.Train - held, held);
    }

    /// <summary>Each notebook's time: the work it does at these caps times the unit costs.</summary>
    public static List<NotebookEstimate> Estimate(
        PlanCounts n,
        UnitCosts c,
        RunCaps caps,
        IReadOnlyList<string> notebooks
    )
    {
        var work = new PlanWork(n, c, caps);
        var all = new List<NotebookEstimate>();
        foreach (string nb in notebooks)
        {
            var parts = new List<(string, double)> { ("setup", NotebookStartSeconds) };
            string name = Path.GetFileName(nb);
            parts.AddRange(work.Parts(name));
            all.Add(new NotebookEstimate(name, parts.Sum(p => p.Item2), parts));
        }
        return all;
    }

    /// <summary>Seconds to render one perfect-restyle key (notebook 04's ceiling; measured, see the comment at its
    /// use).</summary>
    public const double PerfectRenderSeconds = 2.5e-3;

    /// <summary>How much slower than the large product's rate the approximate search's small products run
    /// per multiply-add (docs/performance.md: the full preset's search, measured against the model).</summary>
    public const double ApproxEfficiency = 10;

    /// <summary>The plan as the console prints it before the notebooks run.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"plan: {Counts.SimMaps:N0} depth maps, {Counts.SimSem:N0} simulated SEM, {Counts.Train:N0} real "
            + $"train and {Counts.Test:N0} test "
            + $"images{(Counts.Truth ? " (hidden truth present)" : " (no hidden truth)")}; device {Device}";
        yield return $"  unit costs measured in {Costs.ProbeSeconds:F1} s: training {Ms(Costs.AeTrain)} (AE), "
            + $"{Ms(Costs.UNetTrain)} (U-Net), {Ms(Costs.ClassifierTrain)} (classifier) an image; CycleGAN "
            + $"{Costs.CycleGanStep * 1000:F0} ms a step; "
            + $"inference {Ms(Costs.UNetInfer)} (U-Net), {Ms(Costs.GeneratorInfer)} (generator) an image; "
            + $"matmul {2 / Costs.MatmulMac / 1e9:F0} GFLOP/s; PNG decode {Ms(Costs.Decode)}";
        yield return Caps.BudgetMinutes > 0
            ? $"  budget {Caps.BudgetMinutes:0.#} min ({BudgetShare:P0} of it planned): "
                + $"{(Caps.Any ? "caps below" : "the published sizes fit, no caps")}"
            : "  no budget: the published sizes";
        foreach (var l in Caps.Lines)
            yield return "  cap: " + l;
        foreach (var e in Notebooks)
        {
            yield return $"  {e.Notebook, -34} estimated {Minutes(e.Seconds)}";
            foreach (var (what, seconds) in e.Parts.Where(p => p.Seconds >= 1).OrderByDescending(p => p.Seconds))
                yield return $"    {what, -46} {Minutes(seconds)}";
        }
        yield return $"  {"total", -34} estimated {Minutes(TotalSeconds)}";
    }

    static string Ms(double seconds) => $"{seconds * 1000:0.###} ms";

    /// <summary>"3.2 min" or "45 s".</summary>
    public static string Minutes(double seconds) => seconds >= 90 ? $"{seconds / 60:F1} min" : $"{seconds:F0} s";

    /// <summary>Writes the plan (caps, estimates, costs) as JSON for the notebooks (<see
    /// cref="RunCaps.Load"/>).</summary>
    public string Save(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var o = new JsonObject
        {
            ["device"] = Device,
            ["counts"] = JsonSerializer.SerializeToNode(Counts, RunCaps.JsonOptions),
            ["costs"] = JsonSerializer.SerializeToNode(Costs, RunCaps.JsonOptions),
            ["caps"] = JsonSerializer.SerializeToNode(Caps, RunCaps.JsonOptions),
            ["notebooks"] = new JsonArray(
                Notebooks
                    .Select(e =>
                        (JsonNode)new JsonObject { ["notebook"] = e.Notebook, ["seconds"] = Math.Round(e.Seconds, 1) }
                    )
                    .ToArray()
            ),
        };
        File.WriteAllText(file, o.ToJsonString(RunCaps.JsonOptions));
        return file;
    }

    /// <summary>The plan a stopped job saved (<see cref="Save"/>) fitted again from the costs it measured: the same
    /// caps and estimates without measuring again (a resumed job must keep the caps its finished parts had). A file
    /// that does not fit back to its own caps is an <see cref="InvalidDataException"/>.</summary>
    public static RunPlan Refit(string file, IReadOnlyList<string> notebooks)
    {
        var o = JsonNode.Parse(File.ReadAllText(file)) ?? throw new InvalidDataException($"{file} is empty");
        T Part<T>(string key) =>
            (o[key] ?? throw new InvalidDataException($"{file} has no \"{key}\"")).Deserialize<T>(RunCaps.JsonOptions)
            ?? throw new InvalidDataException($"{file}: \"{key}\" is null");
        var caps = Part<RunCaps>("caps");
        var plan = Fit(
            Part<PlanCounts>("counts"),
            Part<UnitCosts>("costs"),
            caps.BudgetMinutes,
            notebooks,
            Part<string>("device")
        );
        if (
            JsonSerializer.Serialize(plan.Caps, RunCaps.JsonOptions)
            != JsonSerializer.Serialize(caps, RunCaps.JsonOptions)
        )
            throw new InvalidDataException($"{file}: its costs no longer fit to its caps (another build planned it)");
        return plan;
    }

    public override string ToString() => string.Join("\n", Lines());
}
