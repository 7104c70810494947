using System.Diagnostics;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemDepth.Translation;

/// <summary>Losses and speed of one finished CycleGAN epoch (means over the epoch's steps).</summary>
public sealed record CycleGanEpoch(
    int Epoch,
    double GAdv,
    double Cycle,
    double Identity,
    double DSim,
    double DReal,
    double Gp,
    double LearningRate,
    double Seconds,
    double ImagesPerSecond
);

/// <summary>All CycleGANs of a run (one shared, or one per case) in one module, so they save together.</summary>
sealed class CycleGanBundle : nn.Module
{
    public readonly ModuleList<CycleGanNets> nets;

    public CycleGanBundle(IEnumerable<CycleGanNets> all)
        : base(nameof(CycleGanBundle))
    {
        nets = new ModuleList<CycleGanNets>(all.ToArray());
        RegisterComponents();
    }
}

/// <summary>
/// Trains the Real &lt;-&gt; Sim CycleGAN(s): domain Real = real SEM (train + test, unpaired; per case:
/// the train folder of that case), domain Sim = simulated SEM (per case: that case). Every epoch ends
/// with a checkpoint (nets, both optimizers of every model, epoch, options), a metrics.csv row and
/// TensorBoard scalars. Each epoch reseeds torch and restarts the image pools, so
/// <see cref="Resume"/> continues a run exactly.
/// </summary>
public sealed class CycleGanTrainer : IDisposable
{
    readonly RunLog _log;
    readonly List<ImageRef[]> _real = [],
        _sim = [];
    readonly CycleGanBundle _bundle;

    public CycleGanOptions Options { get; }

    /// <summary>One model (shared) or four (per case, index case - 1).</summary>
    public IReadOnlyList<CycleGanModel> Models { get; }
    public int Epoch { get; private set; }
    public string RunDir => _log.Dir;
    public List<CycleGanEpoch> History { get; } = [];

    public CycleGanTrainer(CycleGanOptions options, SemData data, string? runDir = null)
        : this(options, data, runDir, fresh: true) { }

    CycleGanTrainer(CycleGanOptions options, SemData data, string? runDir, bool fresh)
    {
        var device = TorchDevice.Current;
        Options = options.Validated() with
        {
            Device = device.type.ToString().ToLowerInvariant(),
            Data = options.Data.Length > 0 ? options.Data : data.DataSet.Root,
        };
        string dir = runDir ?? Path.Combine(Workspace.Paths.Runs, options.Name);
        _lock = Workspace.RunLock.Acquire(dir, $"training {options.Name}"); // before the folder is replaced
        if (fresh && Directory.Exists(dir))
            Directory.Delete(dir, true);
        _log = new RunLog(dir);

        var simRefs = Enumerable
            .Range(0, data.SimSem.Count)
            .Select(i => (Case: data.DataSet.Sim[i / 2].Case, Ref: new ImageRef(data.SimSem, i)))
            .ToList();
        var trainRefs = Enumerable
            .Range(0, data.Train.Count)
            .Select(i => (Case: data.DataSet.Train[i].Case, Ref: new ImageRef(data.Train, i)))
            .ToList();
        if (options.PerCase)
            foreach (int c in Cases.All)
            {
                _real.Add(trainRefs.Where(r => r.Case == c).Select(r => r.Ref).ToArray());
                _sim.Add(simRefs.Where(r => r.Case == c).Select(r => r.Ref).ToArray());
            }
        else
        {
            _real.Add(
                trainRefs
                    .Select(r => r.Ref)
                    .Concat(Enumerable.Range(0, data.Test.Count).Select(i => new ImageRef(data.Test, i)))
                    .ToArray()
            );
            _sim.Add(simRefs.Select(r => r.Ref).ToArray());
        }
        for (int m = 0; m < _real.Count; m++)
            if (_real[m].Length < 2 || _sim[m].Length < 2)
                throw new InvalidOperationException(
                    $"CycleGAN {(options.PerCase ? $"for Case_{m + 1}" : "")} needs at least 2 images of each "
                        + $"domain: Real has {_real[m].Length}, Sim {_sim[m].Length}"
                );

        TorchDevice.Seed(options.Seed);
        Models = Enumerable.Range(0, _real.Count).Select(m => new CycleGanModel(Options, device, m)).ToList();
        _bundle = new CycleGanBundle(Models.Select(m => m.Nets));
        if (fresh)
        {
            File.WriteAllText(Path.Combine(dir, "options.json"), Options.ToJson());
            RunReuse.Record(dir, data);
        }
    }

    /// <summary>Reopens a run from its checkpoint: every network and optimizer, the epoch and options.</summary>
    public static CycleGanTrainer Resume(string runDir, SemData data, int? epochs = null)
    {
        string ck = RunNames.CheckpointOf(runDir);
        var state = Checkpoint.ReadState(ck, Checkpoint.CycleGanKind); // recovers an interrupted save first
        var options = Checkpoint.ReadOptions(ck, CycleGanOptions.FromJson);
        if (epochs is { } e)
            options = options with { Epochs = e };
        var t = new CycleGanTrainer(options, data, runDir, fresh: false);
        Checkpoint.LoadModel(ck, t._bundle);
        for (int m = 0; m < t.Models.Count; m++)
        {
            Checkpoint.LoadOptimizer(ck, t.Models[m].OptG, $"optimizer-G{m}.bin");
            Checkpoint.LoadOptimizer(ck, t.Models[m].OptD, $"optimizer-D{m}.bin");
        }
        t.Epoch = state.Epoch;
        t._log.TruncateAfter(t.Epoch);
        t.History.AddRange(
            t._log.ReadRows()
                .Select(r => new CycleGanEpoch(
                    (int)r["epoch"],
                    r["G_adv"],
                    r["cycle"],
                    r["identity"],
                    r["D_sim"],
                    r["D_real"],
                    r["GP"],
                    r["lr"],
                    r["seconds"],
                    r["images_per_s"]
                ))
        );
        return t;
    }

    /// <summary>The run runs/&lt;Name&gt;: reused when finished with the same options, data and build, resumed from
    /// its last checkpoint when it stopped early, else trained afresh (<see cref="RunReuse"/>).</summary>
    public static CycleGanTrainer LoadOrTrain(
        CycleGanOptions options,
        SemData data,
        IProgress<TrainProgress>? progress = null
    )
    {
        var wanted = options.Validated();
        var (t, said) = RunReuse.Open(
            options.Name,
            data,
            [Checkpoint.CycleGanKind],
            wanted.ToJson(),
            j => CycleGanOptions.FromJson(j).ToJson(),
            wanted.Epochs,
            () => new CycleGanTrainer(options, data),
            dir => Resume(dir, data)
        );
        t.Reuse = said;
        t.Fit(progress);
        return t;
    }

    /// <summary>What <see cref="LoadOrTrain"/> did with an earlier run, in one line; empty for a fresh run.</summary>
    public string Reuse { get; private set; } = "";

    /// <summary>The trained Real -> Sim generators of a run's checkpoint, for prediction: nothing is written
    /// to the run folder and no optimizer is made. <c>GenRealToSim(case)</c> picks the case's generator.</summary>
    public static (CycleGanOptions Options, Func<int, ResnetGenerator> GenRealToSim, int Epoch) LoadGenerators(
        string runDir
    )
    {
        var (options, nets, epoch) = LoadNets(runDir);
        return (options, c => nets(c).GenRealToSim, epoch);
    }

    /// <summary>Every network of a run's checkpoint in eval mode (<c>nets(case)</c>: the case's, or the shared
    /// one), for prediction and restyling; nothing is written to the run folder.</summary>
    public static (CycleGanOptions Options, Func<int, CycleGanNets> Nets, int Epoch) LoadNets(string runDir)
    {
        var device = TorchDevice.Current; // loads the natives before the first module is made
        string ck = RunNames.CheckpointOf(runDir);
        var state = Checkpoint.ReadState(ck, Checkpoint.CycleGanKind);
        var options = Checkpoint.ReadOptions(ck, CycleGanOptions.FromJson);
        var nets = Enumerable
            .Range(0, options.PerCase ? Cases.All.Count : 1)
            .Select(_ => options.CreateNets())
            .ToList();
        var bundle = new CycleGanBundle(nets);
        Checkpoint.LoadModel(ck, bundle);
        bundle.to(device);
        bundle.eval();
        return (options, c => nets[options.PerCase ? c - 1 : 0], state.Epoch);
    }

    /// <summary>Generator steps per epoch for model <paramref name="m"/>.</summary>
    public int StepsPerEpoch(int m)
    {
        int steps =
            Options.StepsPerEpoch > 0
                ? Options.StepsPerEpoch
                : Math.Max(1, Math.Min(_real[m].Length, _sim[m].Length) / Options.BatchSize);
        return Options.MaxStepsPerEpoch > 0 ? Math.Min(steps, Options.MaxStepsPerEpoch) : steps;
    }

    public IReadOnlyList<CycleGanEpoch> Fit(IProgress<TrainProgress>? progress = null, int? untilEpoch = null)
    {
        int last = Math.Min(untilEpoch ?? Options.Epochs, Options.Epochs);
        int bs = Options.BatchSize;
        int perGen = Options.Gan == GanKind.WganGp ? Options.CriticSteps : 1;
        using var xs = Batches.HostBuffer(bs);
        using var ys = Batches.HostBuffer(bs);
        using var guard = new FiniteGuard(Options.Name);
        while (Epoch < last)
        {
            int epoch = Epoch + 1;
            guard.StartEpoch(epoch);
            var sw = Stopwatch.StartNew();
            var st = new EpochState
            {
                TotalIters = Enumerable
                    .Range(0, Models.Count)
                    .Where(m => Options.Trains(m, epoch))
                    .Sum(m => StepsPerEpoch(m) * perGen),
            };
            if (Options.PerCase && Options.WarmStartAfter > 0 && epoch == Options.WarmStartAfter + 1)
                WarmStart();
            for (int m = 0; m < Models.Count; m++)
                if (Options.Trains(m, epoch))
                    TrainModel(m, epoch, (xs, ys), guard, st, progress);
            guard.Check();
            EndEpoch(epoch, sw.Elapsed.TotalSeconds, st, progress);
        }
        foreach (var m in Models)
            m.eval();
        return History;
    }

    /// <summary>One epoch's running figures: each loss summed on the device, images seen, steps done of all.</summary>
    sealed class EpochState
    {
        public Dictionary<string, LossSum> Sums { get; } = [];
        public long Images { get; set; }
        public int Done { get; set; }
        public int TotalIters { get; init; }
    }

    /// <summary>One epoch of model <paramref name="m"/> (a case, or the one shared model): its shuffled real and sim
    /// batches through <c>optimize_parameters</c>, the losses summed and guarded, progress reported.</summary>
    void TrainModel(
        int m,
        int epoch,
        (Tensor Real, Tensor Sim) host,
        FiniteGuard guard,
        EpochState st,
        IProgress<TrainProgress>? progress
    )
    {
        var device = TorchDevice.Current;
        int bs = Options.BatchSize;
        int perGen = Options.Gan == GanKind.WganGp ? Options.CriticSteps : 1;
        var (xs, ys) = host;
        var model = Models[m];
        model.StartEpoch(epoch, Options.ScheduleEpoch(epoch, m));
        model.train();
        torch.manual_seed(Rng.TorchSeed(Options.Seed, epoch, m)); // dropout, GP mixing
        var realOrder = Batches.Shuffled(
            Enumerable.Range(0, _real[m].Length).ToArray(),
            Options.Seed,
            epoch * 16 + 2 * m
        );
        var simOrder = Batches.Shuffled(
            Enumerable.Range(0, _sim[m].Length).ToArray(),
            Options.Seed,
            epoch * 16 + 2 * m + 1
        );
        int iters = StepsPerEpoch(m) * perGen;
        var realBatch = new ImageRef[bs];
        var simBatch = new ImageRef[bs];
        for (int s = 0; s < iters; s++)
        {
            using var scope = torch.NewDisposeScope();
            for (int k = 0; k < bs; k++)
            {
                realBatch[k] = _real[m][realOrder[(s * bs + k) % realOrder.Length]];
                simBatch[k] = _sim[m][simOrder[(s * bs + k) % simOrder.Length]];
            }
            var fr = Options.Augment ? Batches.RandomFlips(bs, Options.Seed, epoch * 16 + m, 2 * s) : null;
            var fs = Options.Augment ? Batches.RandomFlips(bs, Options.Seed, epoch * 16 + m, 2 * s + 1) : null;
            Batches.Fill(realBatch, PixelScale.Symmetric, fr, xs);
            Batches.Fill(simBatch, PixelScale.Symmetric, fs, ys);
            var realSem = device.type == DeviceType.CPU ? xs : xs.to(device); // (N, 1, 72, 48)
            var simSem = device.type == DeviceType.CPU ? ys : ys.to(device);
            model.set_input(realSem, simSem);
            model.LastLossTensors.Clear();
            model.optimize_parameters(s);
            foreach (var (k, v) in model.LastLossTensors)
            {
                // no host synchronisation
                (st.Sums.TryGetValue(k, out var sum) ? sum : st.Sums[k] = new LossSum()).Add(v);
                guard.Observe(st.Done, Models.Count > 1 ? $"{k} (Case_{m + 1})" : k, v);
            }
            st.Images += 2L * bs;
            st.Done++;
            if (!TrainProgress.Due(s, iters))
                continue;
            guard.ObserveGradients(st.Done - 1, model.Nets.parameters());
            guard.Check();
            if (progress is not null)
                progress.Report(
                    new TrainProgress(
                        Options.Name,
                        epoch,
                        Options.Epochs,
                        st.Done,
                        st.TotalIters,
                        model.LastLosses.GetValueOrDefault("cycle", double.NaN),
                        Losses: new Dictionary<string, double>(model.LastLosses)
                    )
                );
        }
    }

    /// <summary>The epoch's history row, logs, checkpoint and progress.</summary>
    void EndEpoch(int epoch, double secs, EpochState st, IProgress<TrainProgress>? progress)
    {
        double Mean(string k) => st.Sums.TryGetValue(k, out var sum) ? sum.Mean : double.NaN;
        var e = new CycleGanEpoch(
            epoch,
            Mean("G_adv"),
            Mean("cycle"),
            Mean("identity"),
            Mean("D_sim"),
            Mean("D_real"),
            Mean("GP"),
            Models[0].LearningRate,
            secs,
            st.Images / secs
        );
        foreach (var sum in st.Sums.Values)
            sum.Dispose();
        History.Add(e);
        Epoch = epoch;
        var row = new Dictionary<string, double>
        {
            ["epoch"] = epoch,
            ["G_adv"] = e.GAdv,
            ["cycle"] = e.Cycle,
            ["identity"] = e.Identity,
            ["D_sim"] = e.DSim,
            ["D_real"] = e.DReal,
            ["GP"] = e.Gp,
            ["lr"] = e.LearningRate,
            ["seconds"] = secs,
            ["images_per_s"] = e.ImagesPerSecond,
        };
        foreach (var (k, v) in row)
            if (k != "epoch" && !double.IsNaN(v))
                _log.Scalar(k is "lr" or "seconds" or "images_per_s" ? $"train/{k}" : $"loss/{k}", v, epoch);
        _log.Append(row);
        Checkpoint.Save(
            _log.CheckpointDir,
            _bundle,
            Models
                .SelectMany((mo, i) => new[] { ($"optimizer-G{i}.bin", mo.OptG), ($"optimizer-D{i}.bin", mo.OptD) })
                .ToList(),
            epoch,
            Checkpoint.CycleGanKind,
            Options.ToJson()
        );
        var losses = row.Where(kv =>
                kv.Key is "G_adv" or "cycle" or "identity" or "D_sim" or "D_real" or "GP" && !double.IsNaN(kv.Value)
            )
            .ToDictionary();
        progress?.Report(
            new TrainProgress(
                Options.Name,
                epoch,
                Options.Epochs,
                st.TotalIters,
                st.TotalIters,
                e.Cycle,
                new EpochMetrics(epoch, e.Cycle, double.NaN, secs, e.ImagesPerSecond),
                losses
            )
        );
    }

    /// <summary>Cases 2-4 take Case_1's weights, as the winners started them (<see
    /// cref="CycleGanOptions.WarmStartAfter"/>); their optimizers keep their fresh state.</summary>
    void WarmStart()
    {
        using var noGrad = torch.no_grad();
        for (int m = 1; m < Models.Count; m++)
        {
            // in place: the optimizers (flat multi-tensor buffers too) keep pointing at these tensors
            foreach (var (a, b) in Models[0].Nets.parameters().Zip(Models[m].Nets.parameters()))
                b.copy_(a);
            foreach (var (a, b) in Models[0].Nets.buffers().Zip(Models[m].Nets.buffers()))
                b.copy_(a);
        }
    }

    /// <summary>The Real -> Sim generator for images of case <paramref name="c"/> (the shared one unless per
    /// case).</summary>
    public ResnetGenerator GenRealToSim(int c) => Models[Options.PerCase ? c - 1 : 0].Nets.GenRealToSim;

    public ResnetGenerator GenSimToReal(int c) => Models[Options.PerCase ? c - 1 : 0].Nets.GenSimToReal;

    /// <summary>Runs a generator over images (eval mode): 8-bit images of the other domain.</summary>
    public static byte[] Translate(
        ResnetGenerator gen,
        ImageSet set,
        IReadOnlyList<int> idx,
        int batchSize = Inference.DefaultBatch
    )
    {
        var o = new byte[idx.Count * Geometry.Pixels];
        Inference.Batched(
            gen,
            set,
            idx,
            PixelScale.Symmetric,
            (fake, start) => Batches.ToBytes(fake, PixelScale.Symmetric).CopyTo(o, start * Geometry.Pixels),
            batchSize
        );
        return o;
    }

    /// <summary>This process's hold on the run folder (<see cref="Workspace.RunLock"/>).</summary>
    readonly Workspace.RunLock _lock;

    public void Dispose()
    {
        _log.Dispose();
        _lock.Dispose();
        foreach (var m in Models)
            m.Dispose();
    }
}
