using SemDepth.Data;
using SemDepth.Methods;
using SemDepth.Training;
using SemDepth.Translation;

namespace SemDepth.Evaluation;

/// <summary>The trained parts of the domain-shift experiment and the evaluation table over them.</summary>
public sealed class DomainShift(SemData data) : IDisposable
{
    public SemData Data { get; } = data;
    public DepthTrainer? Ae { get; set; }
    public DepthTrainer? DepthNet { get; set; }
    public DepthTrainer? Oracle { get; set; }

    /// <summary>The run's caps (<see cref="FitOracle"/> trains nothing where its plan left the oracle out).</summary>
    public Workspace.RunCaps Caps { get; init; } = Workspace.RunCaps.Current;

    /// <summary>The weakly supervised depth network (site averages).</summary>
    public DepthTrainer? Weak { get; set; }
    public ClassifierTrainer? Classifier { get; set; }
    public CycleGanTrainer? CycleGan { get; set; }

    /// <summary>The methods of the last <see cref="Evaluate"/>, with their predictions kept (reuse them for
    /// pictures instead of predicting again).</summary>
    public IReadOnlyList<IDepthPredictor> Evaluated { get; private set; } = [];

    /// <summary>The evaluated method named exactly <paramref name="name"/>.</summary>
    public IDepthPredictor Method(string name) =>
        Evaluated.FirstOrDefault(m => m.Name == name)
        ?? throw new InvalidOperationException(
            $"no evaluated method '{name}' (run Evaluate first; there are: "
                + $"{string.Join(", ", Evaluated.Select(m => m.Name))})"
        );

    /// <summary>The classifier's cases, or a clear error when it has not been trained.</summary>
    public ICasePredictor Cases =>
        Classifier?.AsCaseSource() ?? throw new InvalidOperationException("train the case classifier first");

    /// <summary>real -> GenRealToSim -> depth net -> post-processing. The case comes from the classifier,
    /// or (<paramref name="caseFromPrediction"/>, shared generators only) from the depth prediction itself.</summary>
    public IDepthPredictor Pipeline(bool postProcess = true, bool caseFromPrediction = false)
    {
        var cg = CycleGan ?? throw new InvalidOperationException("train the CycleGAN first");
        var dn = DepthNet ?? throw new InvalidOperationException("train the depth network first");
        if (caseFromPrediction && cg.Options.PerCase)
            throw new InvalidOperationException("per-case generators need the classifier's case");
        string pp =
            !postProcess ? ""
            : caseFromPrediction ? " + post-processing (case from prediction)"
            : " + post-processing";
        // null: read from the prediction
        ICasePredictor? cases = cg.Options.PerCase || (postProcess && !caseFromPrediction) ? Cases : null;
        return new CycleGanPipeline(
            $"CycleGAN pipeline{(cg.Options.PerCase ? " (per case)" : "")}{pp}",
            cg.GenRealToSim,
            dn.Model,
            dn.Options.InputScale,
            cases,
            postProcess
        );
    }

    /// <summary>
    /// Trains the oracle where the data root has the synthetic set's hidden truth (its only labels) and says
    /// what it did; on a root without truth (the real download) it trains nothing and says why.
    /// </summary>
    public string FitOracle(DepthOptions options, IProgress<TrainProgress>? progress = null)
    {
        if (Data.TrainTruth is null)
            return Evaluator.NoTruth("the oracle (a U-Net trained on the real images' depth maps)")
                + "; nothing trained";
        if (Caps.OracleLeftOut)
            return "oracle left out by this run's plan: " + Workspace.RunCaps.LeftOutWhy;
        Oracle = DepthTrainer.LoadOrTrain(options, Data, progress);
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
        if (Ae is not null)
            methods.Add(Ae.AsMethod());
        if (DepthNet is not null)
        {
            var unet = new MemoPredictor(DepthNet.AsMethod());
            methods.Add(unet);
            methods.Add(new PostProcessed(unet, cases));
        }
        if (CycleGan is not null && DepthNet is not null)
        {
            var cg = CycleGan;
            var raw = new MemoPredictor(
                new CycleGanPipeline(
                    $"CycleGAN pipeline{(cg.Options.PerCase ? " (per case)" : "")}",
                    cg.GenRealToSim,
                    DepthNet.Model,
                    DepthNet.Options.InputScale,
                    cg.Options.PerCase ? cases : null,
                    postProcess: false
                )
            );
            methods.Add(raw);
            methods.Add(new PostProcessed(raw, cases));
            if (!cg.Options.PerCase)
                methods.Add(new PostProcessed(raw, null));
        }
        if (Weak is not null)
        {
            var weak = new MemoPredictor(Weak.AsMethod());
            methods.Add(weak);
            methods.Add(new PostProcessed(weak, cases));
        }
        if (Oracle is not null)
        {
            var oracle = new MemoPredictor(Oracle.AsMethod());
            methods.Add(oracle);
            methods.Add(new PostProcessed(oracle, cases));
        }
        var rows = new List<EvalRow>();
        var simVal = SimValidation();
        foreach (var m in methods)
            rows.AddRange(Evaluator.Evaluate(m, Data, simVal));
        rows = OracleFloor.Mark(rows);
        Evaluated = methods;
        if (Classifier is not null)
        {
            var (acc, images) = Classifier.HeldOutAccuracy();
            rows.Add(new EvalRow("case classifier", "accuracy", "real train, held-out sites", acc, images));
            if (Data.TestCases is { } tc)
            {
                var idx = Evaluator.TestSample(Data);
                var pred = Classifier.AsCaseSource().PredictCases(Data.Test, idx);
                rows.Add(
                    new EvalRow(
                        "case classifier",
                        "accuracy",
                        "real test (hidden truth)",
                        pred.Where((p, k) => p == tc[idx[k]]).Count() / (double)Math.Max(1, idx.Count),
                        idx.Count
                    )
                );
            }
        }
        return rows;
    }

    /// <summary>Fraction of the gap between the naive AE and the oracle that the pipeline closes, on real test RMSE:
    /// (AE - pipeline) / (AE - oracle), the oracle being its best row. NaN when a figure is missing or the
    /// oracle is not a floor (<see cref="OracleFloor"/>).</summary>
    public static double GapClosed(IReadOnlyList<EvalRow> rows, string split = "real test (hidden truth)")
    {
        if (OracleFloor.BeatenBy(rows, split) is not null)
            return double.NaN;
        double Get(Func<string, bool> method) =>
            rows.Where(r => method(r.Method) && r.Metric == "RMSE" && r.Split == split)
                .Select(r => r.Value)
                .DefaultIfEmpty(double.NaN)
                .Min();
        double ae = Get(m => m == "AE baseline"),
            oracle = Get(OracleFloor.IsOracle);
        double pipe = rows.Where(r =>
                r.Method.StartsWith("CycleGAN pipeline", StringComparison.Ordinal)
                && r.Method.Contains("post-processing", StringComparison.Ordinal)
                && r.Metric == "RMSE"
                && r.Split == split
            )
            .Select(r => r.Value)
            .DefaultIfEmpty(double.NaN)
            .Min(); // the better case source
        return (ae - pipe) / (ae - oracle);
    }

    public void Dispose()
    {
        Ae?.Dispose();
        DepthNet?.Dispose();
        Oracle?.Dispose();
        Weak?.Dispose();
        Classifier?.Dispose();
        CycleGan?.Dispose();
    }
}
