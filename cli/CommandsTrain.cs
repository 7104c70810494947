using SemDepth.Data;
using SemDepth.Translation;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>The training commands: train-ae, train-cyclegan, domain-shift.</summary>
static partial class Commands
{
    public static int TrainAe(string? data, int? epochs, string? name, bool resume, ConsoleSink sink)
    {
        using var d = SemData.Open(ResolveData(data, sink), sink);
        var opt = SemDepth.Training.DepthOptions.Default;
        if (epochs is { } e)
            opt = opt with { Epochs = e };
        if (name is not null)
            opt = opt with { Name = name };
        using var t = resume
            ? SemDepth.Training.DepthTrainer.Resume(Path.Combine(Paths.Runs, opt.Name), d, epochs)
            : new SemDepth.Training.DepthTrainer(opt, d);
        t.Fit(sink);
        sink.Line($"run folder: {t.RunDir}");
        return 0;
    }

    public static int TrainCycleGan(
        string? data,
        int? epochs,
        int? steps,
        int? batch,
        GanKind? gan,
        int? seed,
        bool perCase,
        string config,
        string? name,
        bool resume,
        ConsoleSink sink
    )
    {
        using var d = SemData.Open(ResolveData(data, sink), sink);
        var opt = config switch
        {
            "full" => CycleGanOptions.Full,
            "winners" => CycleGanOptions.Winners,
            _ => CycleGanOptions.Default,
        };
        if (epochs is { } e)
            opt = opt with { Epochs = e };
        if (steps is { } st)
            opt = opt with { StepsPerEpoch = st };
        if (batch is { } b)
            opt = opt with { BatchSize = b };
        if (gan is { } g)
            opt = opt with { Gan = g, DiscNorm = g == GanKind.WganGp ? SemDepth.Models.NormKind.None : opt.DiscNorm };
        if (seed is { } sd)
            opt = opt with { Seed = sd };
        if (perCase)
            opt = opt with { PerCase = true };
        if (name is not null)
            opt = opt with { Name = name };
        using var t = resume
            ? CycleGanTrainer.Resume(Path.Combine(Paths.Runs, opt.Name), d, epochs)
            : new CycleGanTrainer(opt, d);
        t.Fit(sink);
        sink.Line($"run folder: {t.RunDir}");
        return 0;
    }

    public static int DomainShift(string? data, int? cycleGanEpochs, int? steps, ConsoleSink sink)
    {
        using var d = SemData.Open(ResolveData(data, sink), sink);
        var opt = new DomainShiftOptions();
        if (cycleGanEpochs is { } e)
            opt = opt with { CycleGan = opt.CycleGan with { Epochs = e } };
        if (steps is { } st)
            opt = opt with { CycleGan = opt.CycleGan with { StepsPerEpoch = st } };
        using var x = new SemDepth.Evaluation.DomainShift(d);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        void Lap(string what)
        {
            sink.Line($"-- {what}: {sw.Elapsed.TotalSeconds:F1} s");
            sw.Restart();
        }
        x.Ae = new SemDepth.Training.DepthTrainer(opt.Ae, d);
        x.Ae.Fit(sink);
        Lap("AE");
        x.DepthNet = new SemDepth.Training.DepthTrainer(opt.DepthNet, d);
        x.DepthNet.Fit(sink);
        Lap("U-Net on sim");
        x.Classifier = new SemDepth.Training.ClassifierTrainer(opt.Classifier, d);
        x.Classifier.Fit(sink);
        Lap("classifier");
        var (chosen, candidates) = SemDepth.Methods.CycleGanSelection.TrainAndChoose(
            opt.CycleGan,
            opt.CycleGanCandidates,
            d,
            sink
        );
        x.CycleGan = chosen;
        foreach (var c in candidates)
            sink.Line(
                $"CycleGAN seed {c.Seed}: held-out site MAE of retrieval {c.SiteMae:F3}{(c.Chosen ? " (kept)" : "")}"
            );
        Lap("CycleGAN");
        if (d.TrainTruth is not null)
        {
            x.Oracle = new SemDepth.Training.DepthTrainer(opt.Oracle, d);
            x.Oracle.Fit(sink);
            Lap("oracle");
        }
        var rows = x.Evaluate();
        Lap("evaluation");
        foreach (var r in rows)
            sink.Line($"{r.Method, -48} {r.Metric, -17} {r.Split, -28} {r.Value, 8:F3} {r.Images, 7}");
        sink.Line($"gap closed (real test): {SemDepth.Evaluation.DomainShift.GapClosed(rows):P1}");
        return 0;
    }
}
