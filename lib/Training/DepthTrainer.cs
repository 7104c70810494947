using System.Diagnostics;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Workspace;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>
/// Trains a depth network (the organiser's autoencoder by default, or the U-Net) on paired images, L1
/// loss, Adam. Source sim: simulated pairs, each depth map with itr0 and itr1; source real-truth: the
/// real-domain train images with the synthetic set's hidden truth (the oracle). Fixes the organiser's
/// two flaws: the validation split groups by &lt;base&gt; (or by site; no leakage), and RMSE is computed
/// on the 0-255 scale in floating point. Every epoch ends with a checkpoint, a metrics.csv row and
/// TensorBoard scalars; <see cref="Resume"/> continues a run exactly.
/// </summary>
public sealed partial class DepthTrainer : IDisposable
{
    readonly SemData _data;
    readonly int[] _trainIdx,
        _valIdx;
    readonly RunLog _log;
    readonly ImageSet _sem,
        _depth;
    readonly Func<int, int> _depthIndex;

    public DepthOptions Options { get; }
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The SEM images the indices refer to (SimSem, or Train for the oracle).</summary>
    public ImageSet Sem => _sem;

    /// <summary>Depth map index of a SEM index.</summary>
    public int DepthIndexOf(int semIndex) => _depthIndex(semIndex);

    /// <summary>The depth maps (SimDepth, or TrainTruth for the oracle).</summary>
    public ImageSet Depth => _depth;
    public optim.Optimizer Optimizer { get; }

    /// <summary>Epochs completed so far.</summary>
    public int Epoch { get; private set; }
    public string RunDir => _log.Dir;
    public IReadOnlyList<int> ValIndices => _valIdx;
    public IReadOnlyList<int> TrainIndices => _trainIdx;
    public List<EpochMetrics> History { get; } = [];

    /// <summary>Weak supervision: the train-split sites with a CSV value (key, case, image indices into
    /// <see cref="SemData.Train"/>); empty without it. Held-out sites are never here.</summary>
    public IReadOnlyList<(string Key, int Case, int[] Images)> SupervisedSites => _sites;

    /// <summary>Weak supervision: the held-out train sites' image indices (site-average MAE each epoch).</summary>
    public IReadOnlyList<int> HeldOutImages => _heldOut;

    /// <summary>The affine map (0-255) of the current epoch when <see cref="DepthOptions.SiteTarget"/> is
    /// affine.</summary>
    public (double A, double B) Affine { get; private set; } = (1, 0);
    readonly List<(string Key, int Case, int[] Images)> _sites = [];
    readonly int[] _heldOut = [];

    /// <summary>A fresh run in runs/&lt;Name&gt; (an existing run folder there is replaced).</summary>
    public DepthTrainer(DepthOptions options, SemData data, string? runDir = null)
        : this(options, data, runDir, fresh: true) { }

    DepthTrainer(DepthOptions options, SemData data, string? runDir, bool fresh)
    {
        var device = TorchDevice.Current;
        options = options.Validated();
        Options = options with
        {
            Device = device.type.ToString().ToLowerInvariant(),
            Data = options.Data.Length > 0 ? options.Data : data.DataSet.Root,
        };
        _data = data;
        string dir = runDir ?? Path.Combine(Workspace.Paths.Runs, options.Name);
        _lock = Workspace.RunLock.Acquire(dir, $"training {options.Name}"); // before the folder is replaced
        if (fresh && Directory.Exists(dir))
            Directory.Delete(dir, true);
        _log = new RunLog(dir);
        switch (options.Source)
        {
            case PairSource.Sim:
                (_trainIdx, _valIdx) = Splits.SimByBase(data.DataSet, options.ValFraction, options.Seed);
                (_sem, _depth, _depthIndex) = (data.SimSem, data.SimDepth, i => i / 2); // SEM 2i, 2i+1 -> depth map i
                break;
            case PairSource.RealTruth:
                _depth = data.TrainTruth
                    ?? throw new InvalidOperationException(
                        "source real-truth needs the synthetic set's hidden truth (truth/), which this "
                            + "data root does not have"
                    );
                (_trainIdx, _valIdx) = Splits.TrainBySite(data.DataSet, options.ValFraction, options.Seed);
                (_sem, _depthIndex) = (data.Train, i => i);
                break;
            default:
                throw new ArgumentException($"Source must be {ModeNames.Choices<PairSource>()}, not {options.Source}");
        }
        if (_trainIdx.Length == 0)
            throw new InvalidOperationException("no training pairs: the split left nothing to train on");
        if (options.SiteWeight > 0)
        {
            // the same site split as the classifier and the oracle: held-out sites never reach the site loss
            var (train, held) = Splits.TrainBySite(data.DataSet, options.ValFraction, options.Seed);
            _heldOut = held;
            foreach (
                var g in train.GroupBy(i => data.DataSet.Train[i].SiteKey).OrderBy(g => g.Key, StringComparer.Ordinal)
            )
                if (data.DataSet.AverageDepth.ContainsKey(g.Key))
                    _sites.Add((g.Key, data.DataSet.Train[g.First()].Case, g.ToArray()));
            if (_sites.Count == 0)
                throw new InvalidOperationException(
                    "weak supervision needs train sites with an average_depth.csv value outside the held-out split"
                );
        }
        TorchDevice.Seed(options.Seed);
        Model = options.CreateModel();
        Model.to(device);
        if (fresh && options.InitFrom.Length > 0)
        {
            string init = RunNames.CheckpointOf(
                Path.IsPathRooted(options.InitFrom)
                    ? options.InitFrom
                    : Path.Combine(Workspace.Paths.Runs, options.InitFrom)
            );
            if (
                !File.Exists(Path.Combine(init, Checkpoint.StateFile))
                && !Directory.Exists(init + ".new")
                && !Directory.Exists(init + ".old")
            )
                throw new InvalidOperationException(
                    $"InitFrom '{options.InitFrom}': no checkpoint in {init}; train that run first"
                );
            // a checkpoint of another network is a CheckpointException naming it
            Checkpoint.ReadState(init, ModeNames.Of(options.Model));
            Checkpoint.LoadModel(init, Model);
        }
        Optimizer = new MultiTensor.Adam(Model.parameters(), options.LearningRate); // PyTorch's betas (0.9, 0.999)
        if (fresh)
        {
            File.WriteAllText(Path.Combine(dir, "options.json"), Options.ToJson());
            RunReuse.Record(dir, data);
        }
    }

    /// <summary>Reopens a run from its checkpoint: model, optimizer, epoch, options and the metrics of the epochs
    /// done.</summary>
    public static DepthTrainer Resume(string runDir, SemData data, int? epochs = null)
    {
        string ck = RunNames.CheckpointOf(runDir);
        var state = Checkpoint.ReadState(ck, DepthKinds); // recovers an interrupted save first
        var options = Checkpoint.ReadOptions(ck, DepthOptions.FromJson);
        if (epochs is { } e)
            options = options with { Epochs = e };
        var t = new DepthTrainer(options, data, runDir, fresh: false);
        Checkpoint.LoadModel(ck, t.Model);
        Checkpoint.LoadOptimizer(ck, t.Optimizer);
        t.Epoch = state.Epoch;
        t._log.TruncateAfter(t.Epoch);
        t.History.AddRange(ReadHistory(t._log));
        return t;
    }

    /// <summary>
    /// The run runs/&lt;Name&gt; for <paramref name="options"/>: reused when it finished with the same options, data
    /// and build (notebook 03 reuses notebook 02's AE), resumed from its last checkpoint when it stopped before its
    /// last epoch (a killed main job, a stopped kernel), else trained afresh (<see cref="RunReuse"/>).
    /// </summary>
    public static DepthTrainer LoadOrTrain(
        DepthOptions options,
        SemData data,
        IProgress<TrainProgress>? progress = null
    )
    {
        var wanted = options.Validated();
        var (t, said) = RunReuse.Open(
            options.Name,
            data,
            DepthKinds,
            wanted.ToJson(),
            j => DepthOptions.FromJson(j).ToJson(),
            wanted.Epochs,
            () => new DepthTrainer(options, data),
            dir => Resume(dir, data)
        );
        t.Reuse = said;
        t.Fit(progress);
        return t;
    }

    /// <summary>What <see cref="LoadOrTrain"/> did with an earlier run, in one line; empty for a fresh run.</summary>
    public string Reuse { get; private set; } = "";

    static IEnumerable<EpochMetrics> ReadHistory(RunLog log) =>
        log.ReadRows()
            .Select(r => new EpochMetrics(
                (int)r["epoch"],
                r["train_l1"],
                r["val_rmse"],
                r["seconds"],
                r["images_per_s"]
            ));

    /// <summary>Trains until <see cref="DepthOptions.Epochs"/> (or <paramref name="untilEpoch"/>).</summary>
    public IReadOnlyList<EpochMetrics> Fit(IProgress<TrainProgress>? progress = null, int? untilEpoch = null)
    {
        int last = Math.Min(untilEpoch ?? Options.Epochs, Options.Epochs);
        using var guard = new FiniteGuard(Options.Name);
        while (Epoch < last)
        {
            int epoch = Epoch + 1;
            guard.StartEpoch(epoch);
            var sw = Stopwatch.StartNew();
            var order = EpochOrder(epoch);
            var (images, batches, loss, siteLoss) = TrainEpoch(epoch, order, guard, progress);
            guard.Check();
            RecalibrateBatchNorm(order);
            EndEpoch(epoch, images, batches, loss, siteLoss, sw.Elapsed.TotalSeconds, progress);
        }
        return History;
    }

    bool Weak => Options.SiteWeight > 0;
    bool AffineTargets => Weak && Options.SiteTarget == SiteTarget.Affine;
    bool MeanInput => Options.SimInput == SimInput.Mean;

    /// <summary>This epoch's simulated images: shuffled, capped, one a map when itr0 and itr1 are averaged.</summary>
    int[] EpochOrder(int epoch)
    {
        var order = Batches.Shuffled(_trainIdx, Options.Seed, epoch);
        if (Options.MaxTrainImages > 0 && order.Length > Options.MaxTrainImages)
            order = order[..Options.MaxTrainImages];
        if (MeanInput)
            order = order.Where(i => i % 2 == 0).ToArray(); // one sample a map: itr0 with its itr1
        return order;
    }

    /// <summary>BatchNorm statistics recomputed with the epoch's final weights (over the real images too when
    /// weak).</summary>
    void RecalibrateBatchNorm(int[] order)
    {
        if (!Options.RecalibrateBatchNorm)
            return;
        if (Weak)
            BatchNormCalibration.Recalibrate(
                Model,
                [(_sem, order), (_data.Train, _sites.SelectMany(x => x.Images).ToArray())],
                Options.InputScale
            );
        else
            BatchNormCalibration.Recalibrate(Model, _sem, order, Options.InputScale);
    }

    /// <summary>Validation, the epoch's metrics and logs, and the checkpoint.</summary>
    void EndEpoch(
        int epoch,
        int images,
        int batches,
        double loss,
        double siteLoss,
        double secs,
        IProgress<TrainProgress>? progress
    )
    {
        double val = _valIdx.Length > 0 ? ValidationRmse() : double.NaN;
        var m = new EpochMetrics(epoch, loss, val, secs, images / secs);
        History.Add(m);
        Epoch = epoch;
        _log.Scalar("loss/train_l1", m.TrainL1, epoch);
        if (!double.IsNaN(val))
            _log.Scalar(Options.Source == PairSource.Sim ? "rmse/sim_val" : "rmse/real_val", val, epoch);
        _log.Scalar("speed/images_per_s", m.ImagesPerSecond, epoch);
        var row = new Dictionary<string, double>
        {
            ["epoch"] = epoch,
            ["train_l1"] = m.TrainL1,
            ["val_rmse"] = val,
            ["seconds"] = secs,
            ["images_per_s"] = m.ImagesPerSecond,
        };
        if (Weak)
        {
            row["site_loss"] = siteLoss * 255;
            row["site_mae_heldout"] = HeldOutSiteMae();
            row["affine_a"] = Affine.A;
            row["affine_b"] = Affine.B;
            _log.Scalar("loss/site_l1_x255", row["site_loss"], epoch);
            if (!double.IsNaN(row["site_mae_heldout"]))
                _log.Scalar("site_mae/held_out", row["site_mae_heldout"], epoch);
        }
        _log.Append(row);
        Checkpoint.Save(_log.CheckpointDir, Model, Optimizer, epoch, ModeNames.Of(Options.Model), Options.ToJson());
        progress?.Report(new TrainProgress(Options.Name, epoch, Options.Epochs, batches, batches, m.TrainL1, m));
    }

    /// <summary>One weak-supervision batch: <see cref="DepthOptions.SitesPerBatch"/> training sites (in a
    /// per-epoch shuffled order, cycling) with <see cref="DepthOptions.ImagesPerSite"/> images each (drawn
    /// with replacement when a site has fewer). Deterministic in (seed, epoch, step), so a resumed run
    /// draws the same batches.</summary>
    public SiteBatchDraw SiteBatch(int epoch, int step)
    {
        if (_sites.Count == 0)
            throw new InvalidOperationException("this run has no weak supervision (SiteWeight 0)");
        var order = Batches.Shuffled(Enumerable.Range(0, _sites.Count).ToArray(), Options.Seed, 7919 * epoch + 3);
        int k = Options.SitesPerBatch,
            m = Options.ImagesPerSite;
        var images = new int[k * m];
        var cases = new int[k * m];
        var site = new int[k * m];
        var csv = new double[k];
        for (int j = 0; j < k; j++)
        {
            var (key, c, imgs) = _sites[order[(step * k + j) % order.Length]];
            csv[j] = _data.DataSet.AverageDepth[key];
            var pick = Batches.Shuffled(imgs, Options.Seed, 1_000_003 * epoch + 101 * step + j);
            for (int t = 0; t < m; t++)
            {
                images[j * m + t] = pick[t % pick.Length];
                cases[j * m + t] = c;
                site[j * m + t] = j;
            }
        }
        return new SiteBatchDraw(images, cases, site, csv);
    }

    byte[]? _pseudoBytes;
    ImageSet? _pseudo;
    readonly Dictionary<int, int> _pseudoPos = [];

    /// <summary>The published variant's epoch start: predict every training-site image, fit CSV ≈ a·prediction + b
    /// over the sites (padding removed, 0-255), and keep a·prediction + b as this epoch's per-pixel targets.</summary>
    void RefitAffine()
    {
        var all = _sites.SelectMany(x => x.Images).ToArray();
        var pred = PredictMaps(_data.Train, all);
        var x = new List<double>();
        var y = new List<double>();
        int pos = 0;
        foreach (var (key, c, imgs) in _sites)
        {
            double sum = 0;
            for (int k = 0; k < imgs.Length; k++, pos++)
                foreach (byte v in pred.AsSpan(pos * Geometry.Pixels, Geometry.Pixels))
                    sum += v;
            x.Add(sum / (imgs.Length * (double)Geometry.Pixels));
            y.Add(SiteLoss.UnpaddedCsv(c, _data.DataSet.AverageDepth[key]));
        }
        Affine = SiteLoss.FitAffine(x, y);
        _pseudoBytes ??= new byte[all.Length * Geometry.Pixels];
        for (int i = 0; i < pred.Length; i++)
            _pseudoBytes[i] = (byte)Math.Clamp(Math.Round(Affine.A * pred[i] + Affine.B), 0, 255);
        _pseudo = new ImageSet(_pseudoBytes);
        for (int k = 0; k < all.Length; k++)
            _pseudoPos[all[k]] = k;
    }

    /// <summary>Site-average MAE (0-255) on the held-out train sites (this run's when it learns from sites, else the
    /// evaluation's: <see cref="Splits.HeldOutFraction"/>, <see cref="Splits.HeldOutSeed"/>); NaN when there are
    /// none.</summary>
    public double HeldOutSiteMae()
    {
        var heldOut = _heldOut.Length > 0 || Options.SiteWeight > 0 ? _heldOut : Splits.HeldOut(_data.DataSet);
        return heldOut.Length == 0
            ? double.NaN
            : SiteAverages.Mae(_data.DataSet, heldOut, PredictMaps(_data.Train, heldOut));
    }

    /// <summary>RMSE (0-255, float) on the validation split.</summary>
    public double ValidationRmse()
    {
        var val = Batches.EvenSample(_valIdx, Options.MaxValImages);
        var pred = PredictMaps(_sem, val);
        var truth = Batches.Gather(_depth, val.Select(_depthIndex).ToList());
        return Metrics.Rmse(pred, truth);
    }

    /// <summary>The method's name in tables: "AE baseline", "U-Net (sim)", "oracle U-Net (real truth)".</summary>
    public static string MethodName(DepthOptions o) =>
        (o.Model, o.Source) switch
        {
            (DepthNetwork.Ae, PairSource.Sim) when o.SiteWeight == 0 && o.SimInput == SimInput.Each => "AE baseline",
            (DepthNetwork.UNet, PairSource.Sim) when o.SiteWeight == 0 && o.SimInput == SimInput.Each => "U-Net (sim)",
            (var m, PairSource.Sim) =>
                $"{Net(m)} (sim{SiteWords(o)}{(o.SimInput == SimInput.Mean ? ", itr mean" : "")})",
            (var m, PairSource.RealTruth) => $"oracle {Net(m)} (real "
                + $"truth{(o.InitFrom.Length > 0 ? $", from {Path.GetFileName(o.InitFrom)}" : "")})",
            var (m, src) => $"{Net(m)} ({ModeNames.Of(src)})",
        };

    static string SiteWords(DepthOptions o) =>
        o.SiteWeight <= 0 ? ""
        : o.SiteTarget == SiteTarget.Affine ? " + affine site targets"
        : " + site averages";

    static string Net(DepthNetwork model) =>
        model == DepthNetwork.Ae ? "AE"
        : model == DepthNetwork.UNet ? "U-Net"
        : ModeNames.Of(model);

    /// <summary>The checkpoint kinds of depth networks ("ae", "unet").</summary>
    internal static string[] DepthKinds => [.. Checkpoint.DepthKinds];

    /// <summary>The network's depth maps of images <paramref name="idx"/> (evaluation mode, 8-bit).</summary>
    public byte[] PredictMaps(ImageSet sem, IReadOnlyList<int> idx) =>
        Inference.Maps(Model, sem, idx, Options.InputScale);

    /// <summary>This process's hold on the run folder (<see cref="Workspace.RunLock"/>).</summary>
    readonly Workspace.RunLock _lock;

    public void Dispose()
    {
        _log.Dispose();
        _lock.Dispose();
        Model.Dispose();
        Optimizer.Dispose();
    }
}

/// <summary>One weak-supervision batch: train image indices, their cases, their site's position in the
/// batch, and each site's average_depth.csv value.</summary>
public sealed record SiteBatchDraw(int[] Images, int[] Cases, int[] Site, double[] Csv);
