using SemDepth.Data;
using SemDepth.Torch;
using SemDepth.Training;
using SemDepth.Translation;
using SemDepth.Workspace;
using TorchSharp;

namespace SemDepth.Methods;

/// <summary>A trained method loaded from its runs, ready to predict, with what made it and (for
/// <c>auto</c>) why it was chosen.</summary>
public sealed record SavedMethod(
    string Key,
    IDepthPredictor Predictor,
    IReadOnlyList<string> Checkpoints,
    string OptionsJson,
    string Why = ""
);

/// <summary>
/// Methods that can write a submission, loaded from their checkpoints under runs/: <c>ae</c> (the AE
/// baseline, runs/ae-baseline), <c>cyclegan</c> (classifier runs/case-classifier, generators
/// runs/cyclegan, depth network runs/unet-sim, post-processing), <c>weak</c> (the U-Net fine-tuned with
/// the site averages, runs/unet-weak, with the classifier's post-processing) and <c>retrieval</c> (the simulated
/// library restyled by runs/cyclegan's GenSimToReal and the queries translated by its GenRealToSim, both
/// directions scored, the classifier's case, nearest neighbour).
/// <c>auto</c> scores every available method with the one figure a real-data user can compute, the
/// site-average MAE against average_depth.csv on the held-out train sites (which no method trained on),
/// and takes the lowest.
/// </summary>
public static class SavedMethods
{
    /// <summary>The keys by name, as the console and SEMDEPTH_METHOD take them.</summary>
    public static IReadOnlyList<string> Keys => ModeNames.All<MethodKey>();

    static string Ck(string run) => RunNames.CheckpointOfRun(run);

    static bool Has(params string[] runs) => runs.All(r => File.Exists(Path.Combine(Ck(r), Checkpoint.StateFile)));

    public static bool PipelineAvailable => Has(RunNames.Classifier, RunNames.CycleGan, RunNames.UNetSim);
    public static bool RetrievalAvailable => Has(RunNames.Classifier, RunNames.CycleGan);

    /// <summary>The methods whose runs exist.</summary>
    public static IReadOnlyList<MethodKey> Available() =>
        new[]
        {
            (MethodKey.Ae, Has(RunNames.Ae)),
            (MethodKey.CycleGan, PipelineAvailable),
            (MethodKey.Weak, Has(RunNames.UNetWeak, RunNames.Classifier)),
            (MethodKey.Retrieval, RetrievalAvailable),
        }
            .Where(m => m.Item2)
            .Select(m => m.Item1)
            .ToList();

    /// <summary>Loads the method named <paramref name="key"/> (the settings' SEMDEPTH_METHOD when null). Retrieval
    /// and auto need the data (the library, the site averages).</summary>
    public static SavedMethod Load(string? key, SemData? data = null) =>
        Load(key is null ? Settings.Current.Method : ModeNames.Parse<MethodKey>(key, "method"), data);

    /// <summary>Loads method <paramref name="key"/>. Retrieval and auto need the data (the library, the site
    /// averages).</summary>
    public static SavedMethod Load(MethodKey key, SemData? data = null)
    {
        string name = ModeNames.Of(key);
        return ModeNames.Defined(key, "method") switch
        {
            MethodKey.Auto => Auto(
                data ?? throw new ArgumentException("auto compares methods on the site averages: pass the data")
            ),
            MethodKey.Ae => LoadAe(name),
            MethodKey.CycleGan => LoadPipeline(name),
            MethodKey.Weak => LoadWeak(name),
            _ => LoadRetrieval(name, data),
        };
    }

    static SavedMethod LoadAe(string key)
    {
        string ck = Ck(RunNames.Ae);
        if (!Has(RunNames.Ae))
            throw new InvalidOperationException(
                $"no AE checkpoint at {ck}: run notebook 02 (or `semdepth train-ae`) first"
            );
        return new SavedMethod(key, TorchPredictor.Load(ck), [ck], Checkpoint.ReadOptions(ck));
    }

    static SavedMethod LoadPipeline(string key)
    {
        if (!PipelineAvailable)
            throw new InvalidOperationException(
                $"the CycleGAN pipeline needs runs case-classifier, cyclegan and unet-sim under "
                    + $"{Workspace.Paths.Runs}: run notebook 03 first"
            );
        var cases = CaseClassifierPredictor.Load(Ck(RunNames.Classifier));
        var (cgo, gen, epoch) = CycleGanTrainer.LoadGenerators(Path.Combine(Workspace.Paths.Runs, RunNames.CycleGan));
        var (net, dopt, _) = DepthCheckpoint.LoadModel(Ck(RunNames.UNetSim));
        var p = new CycleGanPipeline(
            $"CycleGAN pipeline{(cgo.PerCase ? " (per case)" : "")} + post-processing (epoch {epoch})",
            gen,
            net,
            dopt.InputScale,
            cases
        );
        string opts =
            $"{{\"cyclegan\": {cgo.ToJson()}, \"depthNet\": {dopt.ToJson()}, \"classifier\": "
            + $"{Checkpoint.ReadOptions(Ck(RunNames.Classifier))}}}";
        return new SavedMethod(key, p, [Ck(RunNames.Classifier), Ck(RunNames.CycleGan), Ck(RunNames.UNetSim)], opts);
    }

    static SavedMethod LoadWeak(string key)
    {
        if (!Has(RunNames.UNetWeak, RunNames.Classifier))
            throw new InvalidOperationException(
                $"the site-average method needs runs unet-weak and case-classifier under "
                    + $"{Workspace.Paths.Runs}: run notebook 03 first"
            );
        var cases = CaseClassifierPredictor.Load(Ck(RunNames.Classifier));
        var (net, dopt, epoch) = DepthCheckpoint.LoadModel(Ck(RunNames.UNetWeak));
        var p = new PostProcessed(
            new TorchPredictor($"{DepthTrainer.MethodName(dopt)} (epoch {epoch})", net, dopt.InputScale),
            cases
        );
        string opts =
            $"{{\"depthNet\": {dopt.ToJson()}, \"classifier\": "
            + $"{Checkpoint.ReadOptions(Ck(RunNames.Classifier))}}}";
        return new SavedMethod(key, p, [Ck(RunNames.UNetWeak), Ck(RunNames.Classifier)], opts);
    }

    static SavedMethod LoadRetrieval(string key, SemData? data)
    {
        if (!RetrievalAvailable)
            throw new InvalidOperationException(
                $"retrieval needs runs case-classifier and cyclegan under {Workspace.Paths.Runs}: "
                    + $"run notebook 03 first"
            );
        var d = data ?? throw new ArgumentException("retrieval builds its library from the data: pass the data");
        var cases = CaseClassifierPredictor.Load(Ck(RunNames.Classifier));
        var (cgo, nets, epoch) = CycleGanTrainer.LoadNets(Path.Combine(Workspace.Paths.Runs, RunNames.CycleGan));
        var built = RetrievalLibrary.Build(
            d,
            c => nets(c).GenSimToReal,
            DefaultRetrieval(d),
            genRealToSim: c => nets(c).GenRealToSim
        );
        var searcher = new RetrievalPredictor("choice", built, d, cases);
        var (options, rows) = RetrievalChoice.Choose(searcher, d, SiteSample(d.DataSet, 50));
        var p = new MemoPredictor(
            searcher.Placed(
                $"retrieval ({options.Describe()}, {ModeNames.Of(options.Search)}; CycleGAN epoch {epoch})",
                options.ShiftBack,
                options.OneToOne
            )
        );
        string opts =
            $"{{\"retrieval\": {options.ToJson()}, \"cyclegan\": {cgo.ToJson()}, \"classifier\": "
            + $"{Checkpoint.ReadOptions(Ck(RunNames.Classifier))}}}";
        string why =
            "retrieval's placement by held-out site MAE: "
            + string.Join(", ", rows.Select(r => $"{r.Describe()} {r.SiteMae:F3}"))
            + $" -> {ChoiceText(options)}";
        return new SavedMethod(key, p, [Ck(RunNames.Classifier), Ck(RunNames.CycleGan)], opts, why);
    }

    /// <summary>Exact search on a GPU or a small library; on a CPU with a full-size library the approximate
    /// search (the exact one takes about 10 minutes there).</summary>
    public static RetrievalOptions DefaultRetrieval(SemData d) =>
        new() { Search = SearchFor(d.DataSet.Sim.Count, Workspace.RunCaps.Current) };

    /// <summary>The search retrieval uses for a library of <paramref name="maps"/> simulated maps: the run's
    /// cap when it names one, else exact on a GPU or up to 20,000 maps, approximate above that on a CPU.</summary>
    public static SearchMode SearchFor(int maps, Workspace.RunCaps caps) =>
        caps.ApproximateRetrieval || TorchDevice.Current.type != DeviceType.CUDA && maps > 20_000
            ? SearchMode.Approx
            : SearchMode.Exact;

    /// <summary>Every available method scored by site-average MAE on the held-out train sites (at most 50 per Depth
    /// folder, the same for every method; the site-average method never trained on them); the lowest wins.</summary>
    static SavedMethod Auto(SemData d)
    {
        var available = Available();
        if (available.Count == 0)
            throw new InvalidOperationException(
                $"no trained method under {Workspace.Paths.Runs}: run notebooks 02 and 03 first"
            );
        return Pick(available.Select(key => Load(key, d)).ToList(), d);
    }

    /// <summary><c>auto</c>'s choice among loaded methods: the lowest held-out site MAE among those not
    /// suspect (non-finite outputs, or more than twice the constant mean map's MAE); skips are recorded in
    /// <see cref="Workspace.RunWarnings"/> and said in <see cref="SavedMethod.Why"/>.</summary>
    public static SavedMethod Pick(IReadOnlyList<SavedMethod> candidates, SemData d)
    {
        var sample = SiteSample(d.DataSet, 50);
        double constant = SiteAverages.Mae(d.DataSet, sample, new ConstantMapPredictor(d).Predict(d.Train, sample));
        var scored = new List<(SavedMethod Method, double Mae)>();
        var skipped = new List<string>();
        foreach (var m in candidates)
        {
            string key = m.Key;
            var pred = m.Predictor.Predict(d.Train, sample);
            double mae = SiteAverages.Mae(d.DataSet, sample, pred);
            string? suspect = m.Predictor.Health?.Problem
                ?? (
                    double.IsNaN(mae) || mae > OutputHealth.SuspectFactor * constant
                        ? $"held-out site MAE {mae:F3} is more than {OutputHealth.SuspectFactor:G} times "
                            + $"the constant mean map's {constant:F3}"
                        : null
                );
            if (suspect is null)
            {
                scored.Add((m, mae));
                continue;
            }
            skipped.Add($"{key} ({suspect})");
            Workspace.RunWarnings.Record($"auto skipped {key}: {suspect}");
        }
        string sites = $"{sample.Select(i => d.DataSet.Train[i].SiteKey).Distinct().Count()} sites";
        if (scored.Count == 0)
            throw new InvalidOperationException(
                $"auto: every trained method is suspect, none is submitted: {string.Join("; ", skipped)}"
            );
        var best = scored.MinBy(s => s.Mae);
        string why =
            $"auto: site-average MAE against average_depth.csv on the held-out train sites, {sites}: "
            + string.Join(", ", scored.Select(s => $"{s.Method.Key} {s.Mae:F3}"))
            + $" -> {best.Method.Key}"
            + (skipped.Count > 0 ? $"; skipped as suspect: {string.Join("; ", skipped)}" : "");
        return best.Method with { Why = best.Method.Why is { Length: > 0 } own ? $"{why}; {own}" : why };
    }

    static string ChoiceText(RetrievalOptions o) => new RetrievalChoiceRow(o.ShiftBack, o.OneToOne, 0).Describe();

    /// <summary>Train images of the first <paramref name="sitesPerFolder"/> held-out sites (in name order) of each
    /// folder.</summary>
    public static List<int> SiteSample(DaconDataSet set, int sitesPerFolder)
    {
        var held = Splits.HeldOut(set).ToHashSet();
        var keep = set
            .Train.Where((t, i) => held.Contains(i))
            .GroupBy(t => t.Case)
            .SelectMany(g => g.Select(t => t.SiteKey).Distinct().Order(StringComparer.Ordinal).Take(sitesPerFolder))
            .ToHashSet(StringComparer.Ordinal);
        return Enumerable.Range(0, set.Train.Count).Where(i => keep.Contains(set.Train[i].SiteKey)).ToList();
    }
}
