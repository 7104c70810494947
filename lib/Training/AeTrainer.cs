using System.Diagnostics;
using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Models;
using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>
/// Trains the organiser's autoencoder on simulated pairs (each depth map with itr0 and itr1), L1 loss,
/// Adam. Fixes the organiser's two flaws: the validation split groups by &lt;base&gt; (no leakage), and
/// RMSE is computed on the 0-255 scale in floating point. Every epoch ends with a checkpoint, a
/// metrics.csv row and TensorBoard scalars; <see cref="Resume"/> continues a run exactly.
/// </summary>
public sealed class AeTrainer : IDisposable
{
    readonly SemData _data;
    readonly int[] _trainIdx, _valIdx;
    readonly RunLog _log;

    public AeOptions Options { get; }
    public DepthAutoencoder Model { get; }
    public optim.Optimizer Optimizer { get; }
    /// <summary>Epochs completed so far.</summary>
    public int Epoch { get; private set; }
    public string RunDir => _log.Dir;
    public IReadOnlyList<int> ValIndices => _valIdx;
    public IReadOnlyList<int> TrainIndices => _trainIdx;
    public List<EpochMetrics> History { get; } = [];

    /// <summary>A fresh run in runs/&lt;Name&gt; (an existing run folder there is replaced).</summary>
    public AeTrainer(AeOptions options, SemData data, string? runDir = null) : this(options, data, runDir, fresh: true) { }

    AeTrainer(AeOptions options, SemData data, string? runDir, bool fresh)
    {
        var device = TorchDevice.Current;
        Options = options with { Device = device.type.ToString().ToLowerInvariant(), Data = options.Data.Length > 0 ? options.Data : data.Set.Root };
        _data = data;
        string dir = runDir ?? Path.Combine(Workspace.Paths.Runs, options.Name);
        if (fresh && Directory.Exists(dir)) Directory.Delete(dir, true);
        _log = new RunLog(dir);
        (_trainIdx, _valIdx) = Splits.SimByBase(data.Set, options.ValFraction, options.Seed);
        if (_trainIdx.Length == 0) throw new InvalidOperationException("no simulated training pairs: the split left nothing to train on");
        TorchDevice.Seed(options.Seed);
        Model = new DepthAutoencoder();
        Model.to(device);
        Optimizer = optim.Adam(Model.parameters(), options.LearningRate);
        if (fresh) File.WriteAllText(Path.Combine(dir, "options.json"), Options.ToJson());
    }

    /// <summary>Reopens a run from its checkpoint: model, optimizer, epoch and options.</summary>
    public static AeTrainer Resume(string runDir, SemData data, int? epochs = null)
    {
        string ck = Path.Combine(runDir, "checkpoint");
        var options = AeOptions.FromJson(Checkpoint.ReadOptions(ck));
        if (epochs is { } e) options = options with { Epochs = e };
        var t = new AeTrainer(options, data, runDir, fresh: false);
        Checkpoint.LoadModel(ck, t.Model);
        Checkpoint.LoadOptimizer(ck, t.Optimizer);
        t.Epoch = Checkpoint.ReadState(ck).Epoch;
        t._log.TruncateAfter(t.Epoch);
        return t;
    }

    /// <summary>Trains until <see cref="AeOptions.Epochs"/> (or <paramref name="untilEpoch"/>).</summary>
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
            var xs = new float[bs * Geometry.Pixels]; var ys = new float[bs * Geometry.Pixels];
            var tIdx = new int[bs];
            for (int b = 0; b < nb; b++)
            {
                using var scope = torch.NewDisposeScope();
                var sIdx = order.AsSpan(b * bs, bs);
                for (int k = 0; k < bs; k++) tIdx[k] = sIdx[k] / 2; // SEM 2i, 2i+1 -> depth map i
                var flips = Options.Augment ? Batches.RandomFlips(bs, Options.Seed, epoch, b) : null;
                Batches.Fill(_data.SimSem, sIdx, PixelScale.Unit, flips, xs);
                Batches.Fill(_data.SimDepth, tIdx, PixelScale.Unit, flips, ys);
                var x = torch.tensor(xs, new long[] { bs, 1, Geometry.Height, Geometry.Width }).to(device); // (N, 1, 72, 48)
                var y = torch.tensor(ys, new long[] { bs, 1, Geometry.Height, Geometry.Width }).to(device);
                Optimizer.zero_grad();
                var loss = nn.functional.l1_loss(Model.forward(x), y);
                loss.backward();
                Optimizer.step();
                double l = loss.item<float>();
                lossSum += l;
                if (progress is not null && (b % 10 == 0 || b == nb - 1)) progress.Report(new TrainProgress(Options.Name, epoch, Options.Epochs, b + 1, nb, l));
            }
            double secs = sw.Elapsed.TotalSeconds;
            double val = _valIdx.Length > 0 ? ValidationRmse() : double.NaN;
            var m = new EpochMetrics(epoch, lossSum / nb, val, secs, nb * bs / secs);
            History.Add(m);
            Epoch = epoch;
            _log.Scalar("loss/train_l1", m.TrainL1, epoch);
            if (!double.IsNaN(val)) _log.Scalar("rmse/sim_val", val, epoch);
            _log.Scalar("speed/images_per_s", m.ImagesPerSecond, epoch);
            _log.Append(new Dictionary<string, double> { ["epoch"] = epoch, ["train_l1"] = m.TrainL1, ["val_rmse"] = val, ["seconds"] = secs, ["images_per_s"] = m.ImagesPerSecond });
            Checkpoint.Save(_log.CheckpointDir, Model, Optimizer, epoch, "ae", Options.ToJson());
            progress?.Report(new TrainProgress(Options.Name, epoch, Options.Epochs, nb, nb, m.TrainL1, m));
        }
        return History;
    }

    /// <summary>RMSE (0-255, float) on the simulated validation split.</summary>
    public double ValidationRmse()
    {
        var p = Predictor();
        var pred = p.Predict(_data.SimSem, _valIdx);
        var truth = Evaluator.Gather(_data.SimDepth, _valIdx.Select(i => i / 2).ToList());
        return Metrics.Rmse(pred, truth);
    }

    public IDepthPredictor Predictor() => new TorchPredictor("AE baseline", Model, PixelScale.Unit);

    public void Dispose()
    {
        _log.Dispose();
        Model.Dispose();
        Optimizer.Dispose();
    }
}

/// <summary>Runs any image-to-depth module in eval mode, in batches inside dispose scopes.</summary>
public sealed class TorchPredictor(string name, nn.Module<Tensor, Tensor> model, PixelScale scale, int batchSize = 256) : IDepthPredictor
{
    public string Name { get; } = name;

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var device = TorchDevice.Current;
        var o = new byte[idx.Count * Geometry.Pixels];
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = torch.no_grad();
            var ids = idx as int[] ?? idx.ToArray();
            for (int s = 0; s < ids.Length; s += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                int n = Math.Min(batchSize, ids.Length - s);
                var x = Batches.ToTensor(sem, ids.AsSpan(s, n), scale, device);
                Batches.ToBytes(model.forward(x), scale).CopyTo(o, s * Geometry.Pixels);
            }
        }
        finally { if (wasTraining) model.train(); }
        return o;
    }
}

/// <summary>Loads a trained AE from a checkpoint folder for prediction.</summary>
public static class AeCheckpoint
{
    public static IDepthPredictor Load(string checkpointDir)
    {
        var state = Checkpoint.ReadState(checkpointDir);
        if (state.Kind != "ae") throw new InvalidDataException($"{checkpointDir} holds a '{state.Kind}' checkpoint, not an AE");
        var model = new DepthAutoencoder();
        Checkpoint.LoadModel(checkpointDir, model);
        model.to(TorchDevice.Current);
        return new TorchPredictor($"AE baseline (epoch {state.Epoch})", model, PixelScale.Unit);
    }
}
