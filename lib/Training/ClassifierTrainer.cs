using System.Diagnostics;
using System.Text.Json;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Workspace;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>Options of the case classifier (Case_1..4 from one SEM image); saved with its checkpoint.</summary>
public sealed record ClassifierOptions
{
    /// <summary>Run name: the folder under runs/.</summary>
    public string Name { get; init; } = RunNames.Classifier;

    /// <summary>Epochs over the real train images of the training sites: 10 reach the winners' accuracy on the quick
    /// preset and later epochs lose it (docs/benchmarks.md); retrieval searches only the predicted case.</summary>
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Channels of the first conv stage (doubling over four stages).</summary>
    public int Width { get; init; } = 16;

    /// <summary>Normalisation: batch (default; its statistics are recomputed with the final weights
    /// each epoch, see <see cref="BatchNormCalibration"/>) | none (trains far slower here).</summary>
    public NormKind Norm { get; init; } = NormKind.Batch;

    /// <summary>Fraction of the train sites held out for the accuracy figure (split by site).</summary>
    public double ValFraction { get; init; } = 0.2;

    /// <summary>Random flips and 180-degree rotation.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>Use at most this many training images per epoch (0: all).</summary>
    public int MaxTrainImages { get; init; }

    /// <summary>Measure each epoch's accuracy on at most this many held-out images, an even sample (0: all).</summary>
    public int MaxValImages { get; init; }
    public int Seed { get; init; } = 41;
    public string Data { get; init; } = "";
    public string Device { get; init; } = "";

    public static ClassifierOptions Default => new();

    /// <summary>These options within a run's caps (<see cref="Workspace.RunCaps"/>).</summary>
    public ClassifierOptions Capped(Workspace.RunCaps caps) =>
        this with
        {
            MaxTrainImages =
                caps.ClassifierImages > 0 && (MaxTrainImages == 0 || caps.ClassifierImages < MaxTrainImages)
                    ? caps.ClassifierImages
                    : MaxTrainImages,
            MaxValImages =
                caps.EvalTrainImages > 0 && (MaxValImages == 0 || caps.EvalTrainImages < MaxValImages)
                    ? caps.EvalTrainImages
                    : MaxValImages,
        };

    /// <summary>Prints modes by their text ("Model = unet"), as the JSON and the console name them.</summary>
    bool PrintMembers(System.Text.StringBuilder builder) => ModeNames.PrintRecord(this, builder);

    public string ToJson() => JsonSerializer.Serialize(this, DepthOptions.Json);

    public static ClassifierOptions FromJson(string json) =>
        JsonSerializer.Deserialize<ClassifierOptions>(json, DepthOptions.Json)
        ?? throw new InvalidDataException("empty options");
}

/// <summary>
/// Trains the case classifier on the real train images, whose Depth_{100+10k} folder gives the case;
/// cross-entropy, Adam; accuracy on held-out sites. The test images' cases come from it.
/// </summary>
public sealed class ClassifierTrainer : IDisposable
{
    readonly SemData _data;
    readonly RunLog _log;
    readonly int[] _trainIdx,
        _valIdx;

    public ClassifierOptions Options { get; }
    public CaseClassifier Model { get; }
    public optim.Optimizer Optimizer { get; }
    public int Epoch { get; private set; }
    public string RunDir => _log.Dir;
    public IReadOnlyList<int> ValIndices => _valIdx;
    public List<EpochMetrics> History { get; } = [];

    /// <summary>A fresh run in runs/&lt;Name&gt; (an existing run folder there is replaced).</summary>
    public ClassifierTrainer(ClassifierOptions options, SemData data, string? runDir = null)
        : this(options, data, runDir, fresh: true) { }

    ClassifierTrainer(ClassifierOptions options, SemData data, string? runDir, bool fresh)
    {
        var device = TorchDevice.Current;
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
        (_trainIdx, _valIdx) = Splits.TrainBySite(data.DataSet, options.ValFraction, options.Seed);
        if (_trainIdx.Length < 2)
            throw new InvalidOperationException(
                "the case classifier needs real train images: the split left fewer than 2"
            );
        TorchDevice.Seed(options.Seed);
        Model = new CaseClassifier(options.Width, norm: options.Norm);
        Model.to(device);
        Optimizer = new MultiTensor.Adam(Model.parameters(), options.LearningRate); // PyTorch's betas (0.9, 0.999)
        if (!fresh)
            return;
        File.WriteAllText(Path.Combine(dir, "options.json"), Options.ToJson());
        RunReuse.Record(dir, data);
    }

    /// <summary>Reopens a run from its checkpoint: model, optimizer, epoch and options.</summary>
    public static ClassifierTrainer Resume(string runDir, SemData data)
    {
        string ck = RunNames.CheckpointOf(runDir);
        var state = Checkpoint.ReadState(ck, Checkpoint.ClassifierKind); // recovers an interrupted save first
        var options = Checkpoint.ReadOptions(ck, ClassifierOptions.FromJson);
        var t = new ClassifierTrainer(options, data, runDir, fresh: false);
        Checkpoint.LoadModel(ck, t.Model);
        Checkpoint.LoadOptimizer(ck, t.Optimizer);
        t.Epoch = state.Epoch;
        t._log.TruncateAfter(t.Epoch);
        t.History.AddRange(
            t._log.ReadRows()
                .Select(r => new EpochMetrics(
                    (int)r["epoch"],
                    r["train_ce"],
                    r["val_accuracy"],
                    r["seconds"],
                    r["images_per_s"]
                )
                {
                    ValMetricName = "accuracy",
                })
        );
        return t;
    }

    /// <summary>The run runs/&lt;Name&gt;: reused when finished with the same options, data and build, resumed from
    /// its last checkpoint when it stopped early, else trained afresh (<see cref="RunReuse"/>).</summary>
    public static ClassifierTrainer LoadOrTrain(
        ClassifierOptions options,
        SemData data,
        IProgress<TrainProgress>? progress = null
    )
    {
        var (t, said) = RunReuse.Open(
            options.Name,
            data,
            [Checkpoint.ClassifierKind],
            options.ToJson(),
            j => ClassifierOptions.FromJson(j).ToJson(),
            options.Epochs,
            () => new ClassifierTrainer(options, data),
            dir => Resume(dir, data)
        );
        t.Reuse = said;
        t.Fit(progress);
        return t;
    }

    /// <summary>What <see cref="LoadOrTrain"/> did with an earlier run, in one line; empty for a fresh run.</summary>
    public string Reuse { get; private set; } = "";

    /// <summary>Trains until <see cref="ClassifierOptions.Epochs"/> (or <paramref name="untilEpoch"/>).</summary>
    public IReadOnlyList<EpochMetrics> Fit(IProgress<TrainProgress>? progress = null, int? untilEpoch = null)
    {
        int last = Math.Min(untilEpoch ?? Options.Epochs, Options.Epochs);
        var device = TorchDevice.Current;
        int bs = Math.Min(Options.BatchSize, _trainIdx.Length);
        using var xs = Batches.HostBuffer(bs);
        var labels = new long[bs];
        using var guard = new FiniteGuard(Options.Name);
        while (Epoch < last)
        {
            int epoch = Epoch + 1;
            guard.StartEpoch(epoch);
            var sw = Stopwatch.StartNew();
            var order = Batches.Shuffled(_trainIdx, Options.Seed, epoch);
            if (Options.MaxTrainImages > 0 && order.Length > Options.MaxTrainImages)
                order = order[..Options.MaxTrainImages];
            int nb = order.Length / bs;
            Model.train();
            using var lossSum = new LossSum();
            for (int b = 0; b < nb; b++)
            {
                using var scope = torch.NewDisposeScope();
                var idx = order.AsSpan(b * bs, bs);
                for (int k = 0; k < bs; k++)
                    labels[k] = _data.DataSet.Train[idx[k]].Case - 1;
                Batches.Fill(
                    _data.Train,
                    idx,
                    PixelScale.Symmetric,
                    Options.Augment ? Batches.RandomFlips(bs, Options.Seed, epoch, b) : null,
                    xs
                );
                var x = device.type == DeviceType.CPU ? xs : xs.to(device); // (N, 1, 72, 48)
                var y = torch.tensor(labels, device: device); // (N,) class = case - 1 (copied: labels is reused)
                var l = Inference.Step(Optimizer, () => nn.functional.cross_entropy(Model.forward(x), y));
                lossSum.Add(l);
                guard.Observe(b, "loss", l);
                if (TrainProgress.Due(b, nb))
                {
                    guard.ObserveGradients(b, Model.parameters());
                    guard.Check();
                    progress?.Report(
                        new TrainProgress(Options.Name, epoch, Options.Epochs, b + 1, nb, l.item<float>())
                    );
                }
            }
            guard.Check();
            BatchNormCalibration.Recalibrate(Model, _data.Train, order, PixelScale.Symmetric);
            double secs = sw.Elapsed.TotalSeconds;
            double acc = _valIdx.Length > 0 ? Accuracy(Batches.EvenSample(_valIdx, Options.MaxValImages)) : double.NaN;
            var m = new EpochMetrics(epoch, lossSum.Mean, acc, secs, nb * bs / secs) { ValMetricName = "accuracy" };
            History.Add(m);
            Epoch = epoch;
            _log.Scalar("loss/train_ce", m.TrainL1, epoch);
            if (!double.IsNaN(acc))
                _log.Scalar("accuracy/val_sites", acc, epoch);
            _log.Append(
                new Dictionary<string, double>
                {
                    ["epoch"] = epoch,
                    ["train_ce"] = m.TrainL1,
                    ["val_accuracy"] = acc,
                    ["seconds"] = secs,
                    ["images_per_s"] = m.ImagesPerSecond,
                }
            );
            Checkpoint.Save(_log.CheckpointDir, Model, Optimizer, epoch, Checkpoint.ClassifierKind, Options.ToJson());
            progress?.Report(new TrainProgress(Options.Name, epoch, Options.Epochs, nb, nb, m.TrainL1, m));
        }
        Model.eval();
        return History;
    }

    /// <summary>Accuracy on the held-out sites' images (an even sample of at most <see
    /// cref="ClassifierOptions.MaxValImages"/>) and how many.</summary>
    public (double Accuracy, int Images) HeldOutAccuracy()
    {
        var idx = Batches.EvenSample(_valIdx, Options.MaxValImages);
        return (Accuracy(idx), idx.Length);
    }

    /// <summary>Fraction of train images <paramref name="idx"/> whose case is predicted right.</summary>
    public double Accuracy(IReadOnlyList<int> idx)
    {
        var pred = PredictCases(_data.Train, idx);
        return idx.Count == 0
            ? double.NaN
            : idx.Where((i, k) => pred[k] == _data.DataSet.Train[i].Case).Count() / (double)idx.Count;
    }

    /// <summary>The classifier's case (1-4) for images <paramref name="idx"/>.</summary>
    public int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx) => Inference.Cases(Model, sem, idx);

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
