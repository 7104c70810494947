using System.Diagnostics;
using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Models;
using SemDepth.Torch;
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
public sealed class DepthTrainer : IDisposable
{
    readonly SemData _data;
    readonly int[] _trainIdx, _valIdx;
    readonly RunLog _log;
    readonly ImageSet _sem, _depth;
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

    /// <summary>A fresh run in runs/&lt;Name&gt; (an existing run folder there is replaced).</summary>
    public DepthTrainer(DepthOptions options, SemData data, string? runDir = null) : this(options, data, runDir, fresh: true) { }

    DepthTrainer(DepthOptions options, SemData data, string? runDir, bool fresh)
    {
        var device = TorchDevice.Current;
        Options = options with { Device = device.type.ToString().ToLowerInvariant(), Data = options.Data.Length > 0 ? options.Data : data.Set.Root };
        _data = data;
        string dir = runDir ?? Path.Combine(Workspace.Paths.Runs, options.Name);
        if (fresh && Directory.Exists(dir)) Directory.Delete(dir, true);
        _log = new RunLog(dir);
        switch (options.Source)
        {
            case "sim":
                (_trainIdx, _valIdx) = Splits.SimByBase(data.Set, options.ValFraction, options.Seed);
                (_sem, _depth, _depthIndex) = (data.SimSem, data.SimDepth, i => i / 2); // SEM 2i, 2i+1 -> depth map i
                break;
            case "real-truth":
                _depth = data.TrainTruth ?? throw new InvalidOperationException("source real-truth needs the synthetic set's hidden truth (truth/), which this data root does not have");
                (_trainIdx, _valIdx) = Splits.TrainBySite(data.Set, options.ValFraction, options.Seed);
                (_sem, _depthIndex) = (data.Train, i => i);
                break;
            default: throw new ArgumentException($"unknown training source '{options.Source}': use sim or real-truth");
        }
        if (_trainIdx.Length == 0) throw new InvalidOperationException("no training pairs: the split left nothing to train on");
        TorchDevice.Seed(options.Seed);
        Model = options.CreateModel();
        Model.to(device);
        Optimizer = optim.Adam(Model.parameters(), options.LearningRate);
        if (fresh) File.WriteAllText(Path.Combine(dir, "options.json"), Options.ToJson());
    }

    /// <summary>Reopens a run from its checkpoint: model, optimizer, epoch and options.</summary>
    public static DepthTrainer Resume(string runDir, SemData data, int? epochs = null)
    {
        string ck = Path.Combine(runDir, "checkpoint");
        var state = Checkpoint.ReadState(ck, "ae", "unet"); // recovers an interrupted save first
        var options = Checkpoint.ReadOptions(ck, DepthOptions.FromJson);
        if (epochs is { } e) options = options with { Epochs = e };
        var t = new DepthTrainer(options, data, runDir, fresh: false);
        Checkpoint.LoadModel(ck, t.Model);
        Checkpoint.LoadOptimizer(ck, t.Optimizer);
        t.Epoch = state.Epoch;
        t._log.TruncateAfter(t.Epoch);
        return t;
    }

    /// <summary>
    /// Reuses the finished run runs/&lt;Name&gt; when its checkpoint was made by the same options and data
    /// (notebook 03 reuses notebook 02's AE); otherwise trains a fresh run.
    /// </summary>
    public static DepthTrainer LoadOrTrain(DepthOptions options, SemData data, IProgress<TrainProgress>? progress = null)
    {
        string dir = Path.Combine(Workspace.Paths.Runs, options.Name), ck = Path.Combine(dir, "checkpoint");
        if (HasCheckpoint(ck))
        {
            var state = Checkpoint.ReadState(ck, "ae", "unet");
            var saved = Checkpoint.ReadOptions(ck, DepthOptions.FromJson);
            bool same = saved with { Device = "", Data = "" } == options with { Device = "", Data = "" } && saved.Data == data.Set.Root;
            if (same && state.Epoch >= options.Epochs)
            {
                var t = Resume(dir, data);
                t.History.AddRange(ReadHistory(t._log.MetricsCsv));
                return t;
            }
        }
        var fresh = new DepthTrainer(options, data);
        fresh.Fit(progress);
        return fresh;
    }

    /// <summary>True when a checkpoint (or what an interrupted save left of one) is there.</summary>
    static bool HasCheckpoint(string ck) =>
        File.Exists(Path.Combine(ck, Checkpoint.StateFile)) || Directory.Exists(ck + ".new") || Directory.Exists(ck + ".old");

    static IEnumerable<EpochMetrics> ReadHistory(string csv)
    {
        if (!File.Exists(csv)) yield break;
        var lines = File.ReadAllLines(csv);
        var head = lines[0].Split(',').Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
        foreach (var l in lines.Skip(1))
        {
            var v = l.Split(',').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            yield return new EpochMetrics((int)v[head["epoch"]], v[head["train_l1"]], v[head["val_rmse"]], v[head["seconds"]], v[head["images_per_s"]]);
        }
    }

    /// <summary>Trains until <see cref="DepthOptions.Epochs"/> (or <paramref name="untilEpoch"/>).</summary>
    public IReadOnlyList<EpochMetrics> Fit(IProgress<TrainProgress>? progress = null, int? untilEpoch = null)
    {
        int last = Math.Min(untilEpoch ?? Options.Epochs, Options.Epochs);
        var device = TorchDevice.Current;
        int bs = Options.BatchSize;
        while (Epoch < last)
        {
            int epoch = Epoch + 1;
            var sw = Stopwatch.StartNew();
            var order = Batches.Shuffled(_trainIdx, Options.Seed, epoch);
            if (Options.MaxTrainImages > 0 && order.Length > Options.MaxTrainImages) order = order[..Options.MaxTrainImages];
            int nb = order.Length / bs; // drop the last partial batch: BatchNorm wants > 1 sample
            if (nb == 0) { nb = 1; bs = order.Length; }
            Model.train();
            double lossSum = 0;
            using var xs = Batches.HostBuffer(bs);
            using var ys = Batches.HostBuffer(bs);
            var tIdx = new int[bs];
            for (int b = 0; b < nb; b++)
            {
                using var scope = torch.NewDisposeScope();
                var sIdx = order.AsSpan(b * bs, bs);
                for (int k = 0; k < bs; k++) tIdx[k] = _depthIndex(sIdx[k]);
                var flips = Options.Augment ? Batches.RandomFlips(bs, Options.Seed, epoch, b) : null;
                Batches.Fill(_sem, sIdx, Options.InputScale, flips, xs);
                Batches.Fill(_depth, tIdx, PixelScale.Unit, flips, ys);
                var x = device.type == DeviceType.CPU ? xs : xs.to(device); // (N, 1, 72, 48)
                var y = device.type == DeviceType.CPU ? ys : ys.to(device);
                double l = Inference.Step(Optimizer, () => nn.functional.l1_loss(Model.forward(x), y));
                lossSum += l;
                if (progress is not null && TrainProgress.Due(b, nb)) progress.Report(new TrainProgress(Options.Name, epoch, Options.Epochs, b + 1, nb, l));
            }
            if (Options.RecalibrateBatchNorm) BatchNormCalibration.Recalibrate(Model, _sem, order, Options.InputScale);
            double secs = sw.Elapsed.TotalSeconds;
            double val = _valIdx.Length > 0 ? ValidationRmse() : double.NaN;
            var m = new EpochMetrics(epoch, lossSum / nb, val, secs, nb * bs / secs);
            History.Add(m);
            Epoch = epoch;
            _log.Scalar("loss/train_l1", m.TrainL1, epoch);
            if (!double.IsNaN(val)) _log.Scalar(Options.Source == "sim" ? "rmse/sim_val" : "rmse/real_val", val, epoch);
            _log.Scalar("speed/images_per_s", m.ImagesPerSecond, epoch);
            _log.Append(new Dictionary<string, double> { ["epoch"] = epoch, ["train_l1"] = m.TrainL1, ["val_rmse"] = val, ["seconds"] = secs, ["images_per_s"] = m.ImagesPerSecond });
            Checkpoint.Save(_log.CheckpointDir, Model, Optimizer, epoch, Options.Model, Options.ToJson());
            progress?.Report(new TrainProgress(Options.Name, epoch, Options.Epochs, nb, nb, m.TrainL1, m));
        }
        return History;
    }

    /// <summary>RMSE (0-255, float) on the validation split.</summary>
    public double ValidationRmse()
    {
        var p = Predictor();
        var pred = p.Predict(_sem, _valIdx);
        var truth = Evaluator.Gather(_depth, _valIdx.Select(_depthIndex).ToList());
        return Metrics.Rmse(pred, truth);
    }

    /// <summary>The method's name in tables: "AE baseline", "U-Net (sim)", "oracle U-Net (real truth)".</summary>
    public static string MethodName(DepthOptions o) => (o.Model, o.Source) switch
    {
        ("ae", "sim") => "AE baseline",
        ("unet", "sim") => "U-Net (sim)",
        (var m, "real-truth") => $"oracle {(m == "ae" ? "AE" : "U-Net")} (real truth)",
        var (m, src) => $"{m} ({src})",
    };

    public IDepthPredictor Predictor() => new TorchPredictor(MethodName(Options), Model, Options.InputScale, PixelScale.Unit);

    public void Dispose()
    {
        _log.Dispose();
        Model.Dispose();
        Optimizer.Dispose();
    }
}

/// <summary>Runs any image-to-depth module in eval mode, in batches inside dispose scopes.</summary>
public sealed class TorchPredictor(string name, nn.Module<Tensor, Tensor> model, PixelScale inputScale, PixelScale outputScale = PixelScale.Unit, int batchSize = 256) : IDepthPredictor
{
    public string Name { get; } = name;

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var o = new byte[idx.Count * Geometry.Pixels];
        Inference.Batched(model, sem, idx, inputScale, (y, start) => Batches.ToBytes(y, outputScale).CopyTo(o, start * Geometry.Pixels), batchSize);
        return o;
    }}

/// <summary>Loads a trained depth network (AE or U-Net) from a checkpoint folder.</summary>
public static class DepthCheckpoint
{
    /// <summary>The network and the options that made it.</summary>
    public static (nn.Module<Tensor, Tensor> Model, DepthOptions Options, int Epoch) LoadModel(string checkpointDir)
    {
        var device = TorchDevice.Current; // loads the natives before the first module is made
        var state = Checkpoint.ReadState(checkpointDir, "ae", "unet");
        var options = Checkpoint.ReadOptions(checkpointDir, DepthOptions.FromJson);
        var model = options.CreateModel();
        Checkpoint.LoadModel(checkpointDir, model);
        model.to(device);
        model.eval();
        return (model, options, state.Epoch);
    }

    public static IDepthPredictor Load(string checkpointDir)
    {
        var (model, options, epoch) = LoadModel(checkpointDir);
        return new TorchPredictor($"{DepthTrainer.MethodName(options)} (epoch {epoch})", model, options.InputScale, PixelScale.Unit);
    }
}
