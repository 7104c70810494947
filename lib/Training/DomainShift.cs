using SemDepth.Data;
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
    /// <summary>The oracle: the same network trained on real-domain truth (synthetic set only; fewer
    /// images than the simulated pairs, so more epochs).</summary>
    public DepthOptions Oracle { get; init; } = DepthOptions.UNet with { Name = "unet-oracle", Source = "real-truth", Epochs = 4 };
    public DepthOptions Ae { get; init; } = DepthOptions.Default;
    public ClassifierOptions Classifier { get; init; } = ClassifierOptions.Default;

    /// <summary>Every epoch count scaled for a quick look (notebooks on tiny data).</summary>
    public DomainShiftOptions WithEpochs(Func<int, int> epochs) => this with
    {
        CycleGan = CycleGan with { Epochs = epochs(CycleGan.Epochs) },
        DepthNet = DepthNet with { Epochs = epochs(DepthNet.Epochs) },
        Oracle = Oracle with { Epochs = epochs(Oracle.Epochs) },
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
    public ClassifierTrainer? Classifier { get; set; }
    public CycleGanTrainer? CycleGan { get; set; }

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
        if (Oracle is not null) methods.Add(Oracle.Predictor());
        var rows = new List<EvalRow>();
        foreach (var m in methods) rows.AddRange(Evaluator.Evaluate(m, Data));
        if (Classifier is not null)
        {
            rows.Add(new EvalRow("case classifier", "accuracy", "real train, held-out sites", Classifier.Accuracy(Classifier.ValIndices), Classifier.ValIndices.Count));
            if (Data.TestCases is { } tc)
            {
                var pred = Classifier.Predictor().PredictCases(Data.Test, Enumerable.Range(0, Data.Test.Count).ToList());
                rows.Add(new EvalRow("case classifier", "accuracy", "real test (hidden truth)", pred.Where((p, i) => p == tc[i]).Count() / (double)Math.Max(1, tc.Length), tc.Length));
            }
        }
        return rows;
    }

    /// <summary>Fraction of the gap between the naive AE and the oracle that the pipeline closes, on real test RMSE:
    /// (AE - pipeline) / (AE - oracle). NaN when a figure is missing.</summary>
    public static double GapClosed(IReadOnlyList<EvalRow> rows, string split = "real test (hidden truth)")
    {
        double Get(Func<string, bool> method) => rows.FirstOrDefault(r => method(r.Method) && r.Metric == "RMSE" && r.Split == split)?.Value ?? double.NaN;
        double ae = Get(m => m == "AE baseline"), oracle = Get(m => m.StartsWith("oracle", StringComparison.Ordinal));
        double pipe = rows.Where(r => r.Method.StartsWith("CycleGAN pipeline", StringComparison.Ordinal) && r.Method.Contains("post-processing", StringComparison.Ordinal)
            && r.Metric == "RMSE" && r.Split == split).Select(r => r.Value).DefaultIfEmpty(double.NaN).Min(); // the better case source
        return (ae - pipe) / (ae - oracle);
    }

    public void Dispose()
    {
        Ae?.Dispose(); DepthNet?.Dispose(); Oracle?.Dispose(); Classifier?.Dispose(); CycleGan?.Dispose();
    }
}
