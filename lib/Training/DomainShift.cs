using SemDepth.Data;
using SemDepth.Methods;
using SemDepth.Evaluation;

namespace SemDepth.Training;

/// <summary>Every option of the domain-shift experiment (notebook 03 and <c>semdepth domain-shift</c>).</summary>
public sealed record DomainShiftOptions
{
    /// <summary>The CycleGAN; capped at 80 steps (1,280 image pairs) so notebook 03 fits the main job's
    /// CPU budget on the quick preset (a full pass there is 150 steps).</summary>
    public CycleGanOptions CycleGan { get; init; } = CycleGanOptions.Default with { MaxStepsPerEpoch = 80 };
    /// <summary>The depth network of the pipeline, trained on simulated pairs.</summary>
    public DepthOptions DepthNet { get; init; } = DepthOptions.UNet;
    /// <summary>The oracle: the sim-trained U-Net fine-tuned on real-domain truth (synthetic set only), the
    /// floor of every regression method: "how good could this network be with real labels?". Two epochs (about
    /// 19 s each on the quick preset's CPU run) keep the main job near 10 minutes.</summary>
    public DepthOptions Oracle { get; init; } = DepthOptions.UNet with { Name = "unet-oracle", Source = "real-truth", InitFrom = "unet-sim", Epochs = 2, LearningRate = 5e-4 };
    /// <summary>Weak supervision: the sim-trained U-Net fine-tuned on simulated pairs and on real train images
    /// tied to their site averages (held-out sites excluded).</summary>
    public DepthOptions Weak { get; init; } = DepthOptions.WeakUNet;
    public DepthOptions Ae { get; init; } = DepthOptions.Default;
    public ClassifierOptions Classifier { get; init; } = ClassifierOptions.Default;

    /// <summary>Every part within a run's caps (<see cref="Workspace.RunCaps"/>; <see cref="Workspace.RunCaps.Current"/> when null).</summary>
    public DomainShiftOptions Capped(Workspace.RunCaps? caps = null)
    {
        caps ??= Workspace.RunCaps.Current;
        return this with
        {
            CycleGan = CycleGan.Capped(caps), DepthNet = DepthNet.Capped(caps), Oracle = Oracle.Capped(caps),
            Weak = Weak.Capped(caps), Ae = Ae.Capped(caps), Classifier = Classifier.Capped(caps),
        };
    }

    /// <summary>Every epoch count scaled for a quick look (notebooks on tiny data).</summary>
    public DomainShiftOptions WithEpochs(Func<int, int> epochs) => this with
    {
        CycleGan = CycleGan with { Epochs = epochs(CycleGan.Epochs) },
        DepthNet = DepthNet with { Epochs = epochs(DepthNet.Epochs) },
        Oracle = Oracle with { Epochs = epochs(Oracle.Epochs) },
        Weak = Weak with { Epochs = epochs(Weak.Epochs) },
        Ae = Ae with { Epochs = epochs(Ae.Epochs) },
        Classifier = Classifier with { Epochs = epochs(Classifier.Epochs) },
    };
}

/// <summary>The trained parts of the domain-shift experiment and the evaluation table over them.</summary>
public sealed class DomainShift(SemData data) : IDisposable
{
    public SemData Data { get; } = data;
    public DepthTrainer? Ae { get; set; }
    public DepthTrainer? DepthNet { get; set; }
    public DepthTrainer? Oracle { get; set; }
    /// <summary>The weakly supervised depth network (site averages).</summary>
    public DepthTrainer? Weak { get; set; }
    public ClassifierTrainer? Classifier { get; set; }
    public CycleGanTrainer? CycleGan { get; set; }

    /// <summary>The methods of the last <see cref="Evaluate"/>, with their predictions kept (reuse them for
    /// pictures instead of predicting again).</summary>
    public IReadOnlyList<IDepthPredictor> Evaluated { get; private set; } = [];

    /// <summary>The evaluated method named exactly <paramref name="name"/>.</summary>
    public IDepthPredictor Method(string name) => Evaluated.FirstOrDefault(m => m.Name == name)
        ?? throw new InvalidOperationException($"no evaluated method '{name}' (run Evaluate first; there are: {string.Join(", ", Evaluated.Select(m => m.Name))})");

    /// <summary>The classifier's cases, or a clear error when it has not been trained.</summary>
    public ICasePredictor Cases => Classifier?.Predictor() ?? throw new InvalidOperationException("train the case classifier first");

    /// <summary>real -> GenRealToSim -> depth net -> post-processing. The case comes from the classifier,
    /// or (<paramref name="caseFromPrediction"/>, shared generators only) from the depth prediction itself.</summary>
    public IDepthPredictor Pipeline(bool postProcess = true, bool caseFromPrediction = false)
    {
        var cg = CycleGan ?? throw new InvalidOperationException("train the CycleGAN first");
        var dn = DepthNet ?? throw new InvalidOperationException("train the depth network first");
        if (caseFromPrediction && cg.Options.PerCase) throw new InvalidOperationException("per-case generators need the classifier's case");
        string pp = !postProcess ? "" : caseFromPrediction ? " + post-processing (case from prediction)" : " + post-processing";
        ICasePredictor? cases = cg.Options.PerCase || (postProcess && !caseFromPrediction) ? Cases : null; // null: read from the prediction
        return new CycleGanPipeline($"CycleGAN pipeline{(cg.Options.PerCase ? " (per case)" : "")}{pp}", cg.GenRealToSim, dn.Model, dn.Options.InputScale, cases, postProcess);
    }

    /// <summary>
    /// Trains the oracle where the data root has the synthetic set's hidden truth (its only labels) and says
    /// what it did; on a root without truth (the real download) it trains nothing and says why.
    /// </summary>
    public string FitOracle(DepthOptions options, IProgress<TrainProgress>? progress = null)
    {
        if (Data.TrainTruth is null)
            return Evaluator.NoTruth("the oracle (a U-Net trained on the real images' depth maps)") + "; nothing trained";
        Oracle = new DepthTrainer(options, Data);
        Oracle.Fit(progress);
        var last = Oracle.History[^1];
        return $"oracle trained: {Oracle.Epoch} epochs, real validation RMSE {last.ValRmse:F2}";
    }

    /// <summary>Sim validation images every method is scored on (at most 2,000 of the depth network's
    /// validation split, so the table stays quick on a full-size root), or null without a depth network.</summary>
    IReadOnlyList<int>? SimValidation() => DepthNet?.ValIndices is { Count: > 0 } v ? v.Take(2000).ToList() : null;

    /// <summary>The comparison table: real-domain RMSE on hidden truth for every method, the gap the
    /// pipeline closes, classifier accuracy and the site-average MAE.</summary>
    public List<EvalRow> Evaluate()
    {
        // Each network runs once per split: post-processed variants reuse the raw maps and the cases.
        var cases = new MemoCases(Cases);
        var methods = new List<IDepthPredictor> { new PerCaseConstantPredictor(Data, cases) };
        if (Ae is not null) methods.Add(Ae.Predictor());
        if (DepthNet is not null)
        {
            var unet = new MemoPredictor(DepthNet.Predictor());
            methods.Add(unet);
            methods.Add(new PostProcessed(unet, cases));
        }
        if (CycleGan is not null && DepthNet is not null)
        {
            var cg = CycleGan;
            var raw = new MemoPredictor(new CycleGanPipeline($"CycleGAN pipeline{(cg.Options.PerCase ? " (per case)" : "")}", cg.GenRealToSim,
                DepthNet.Model, DepthNet.Options.InputScale, cg.Options.PerCase ? cases : null, postProcess: false));
            methods.Add(raw);
            methods.Add(new PostProcessed(raw, cases));
            if (!cg.Options.PerCase) methods.Add(new PostProcessed(raw, null));
        }
        if (Weak is not null)
        {
            var weak = new MemoPredictor(Weak.Predictor());
            methods.Add(weak);
            methods.Add(new PostProcessed(weak, cases));
        }
        if (Oracle is not null)
        {
            var oracle = new MemoPredictor(Oracle.Predictor());
            methods.Add(oracle);
            methods.Add(new PostProcessed(oracle, cases));
        }
        var rows = new List<EvalRow>();
        var simVal = SimValidation();
        foreach (var m in methods) rows.AddRange(Evaluator.Evaluate(m, Data, simVal));
        rows = OracleFloor.Mark(rows);
        Evaluated = methods;
        if (Classifier is not null)
        {
            var (acc, images) = Classifier.HeldOutAccuracy();
            rows.Add(new EvalRow("case classifier", "accuracy", "real train, held-out sites", acc, images));
            if (Data.TestCases is { } tc)
            {
                var idx = Evaluator.TestSample(Data);
                var pred = Classifier.Predictor().PredictCases(Data.Test, idx);
                rows.Add(new EvalRow("case classifier", "accuracy", "real test (hidden truth)", pred.Where((p, k) => p == tc[idx[k]]).Count() / (double)Math.Max(1, idx.Count), idx.Count));
            }
        }
        return rows;
    }

    /// <summary>Fraction of the gap between the naive AE and the oracle that the pipeline closes, on real test RMSE:
    /// (AE - pipeline) / (AE - oracle), the oracle being its best row. NaN when a figure is missing or the
    /// oracle is not a floor (<see cref="OracleFloor"/>).</summary>
    public static double GapClosed(IReadOnlyList<EvalRow> rows, string split = "real test (hidden truth)")
    {
        if (OracleFloor.BeatenBy(rows, split) is not null) return double.NaN;
        double Get(Func<string, bool> method) => rows.Where(r => method(r.Method) && r.Metric == "RMSE" && r.Split == split).Select(r => r.Value).DefaultIfEmpty(double.NaN).Min();
        double ae = Get(m => m == "AE baseline"), oracle = Get(OracleFloor.IsOracle);
        double pipe = rows.Where(r => r.Method.StartsWith("CycleGAN pipeline", StringComparison.Ordinal) && r.Method.Contains("post-processing", StringComparison.Ordinal)
            && r.Metric == "RMSE" && r.Split == split).Select(r => r.Value).DefaultIfEmpty(double.NaN).Min(); // the better case source
        return (ae - pipe) / (ae - oracle);
    }

    public void Dispose()
    {
        Ae?.Dispose(); DepthNet?.Dispose(); Oracle?.Dispose(); Weak?.Dispose(); Classifier?.Dispose(); CycleGan?.Dispose();
    }
}

/// <summary>
/// The oracle is meant as the floor of regression methods ("how good could a regression network be with
/// real labels?"). Retrieval may beat it (it returns exact library maps) and so may the constant map in
/// principle; any other method that does makes the oracle invalid, and the table says so instead of
/// printing a gap fraction above 100%.
/// </summary>
public static class OracleFloor
{
    /// <summary>Rows of the oracle (every variant, e.g. with post-processing).</summary>
    public static bool IsOracle(string method) => method.StartsWith("oracle", StringComparison.Ordinal);

    /// <summary>Methods the oracle does not bound: retrieval and constant maps.</summary>
    public static bool IsRegression(string method) => !IsOracle(method)
        && !method.StartsWith("retrieval", StringComparison.OrdinalIgnoreCase) && !method.Contains("constant", StringComparison.OrdinalIgnoreCase);

    /// <summary>The best regression method with a lower RMSE than the best oracle row on <paramref name="split"/>, or null.</summary>
    public static string? BeatenBy(IReadOnlyList<EvalRow> rows, string split = Evaluator.TestSplit)
    {
        var rmse = rows.Where(r => r.Metric == "RMSE" && r.Split == split).ToList();
        var oracle = rmse.Where(r => IsOracle(r.Method)).Select(r => r.Value).DefaultIfEmpty(double.NaN).Min();
        if (double.IsNaN(oracle)) return null;
        return rmse.Where(r => IsRegression(r.Method) && r.Value < oracle).OrderBy(r => r.Value).FirstOrDefault()?.Method;
    }

    /// <summary>The rows with every oracle row renamed "... [INVALID: beaten by X]" when a regression method beats it.</summary>
    public static List<EvalRow> Mark(List<EvalRow> rows, string split = Evaluator.TestSplit)
    {
        if (BeatenBy(rows, split) is not { } winner) return rows;
        return rows.Select(r => IsOracle(r.Method) ? r with { Method = $"{r.Method} [INVALID: beaten by {winner}]" } : r).ToList();
    }
}
