using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SemDepth.Data;
using SemDepth.Models;
using SemDepth.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Cli;

/// <summary>`semdepth bench nets`: the training steps and batched inference the main job pays for, beside the
/// PyTorch peer, interleaved repetition by repetition.</summary>
static partial class Bench
{
    /// <summary>One thing timed: a network, training or inference, the main job's batch.</summary>
    sealed record NetCase(string Name, string What, int Batch, bool Symmetric, bool Train);

    static readonly NetCase[] NetCases =
    [
        new("unet-train", "U-Net training step (simulated pairs, L1, Adam)", 64, true, true),
        new("unet-weak-train", "U-Net step with site averages (+ 8 sites x 4 real images)", 64, true, true),
        new("classifier-train", "case classifier training step (cross-entropy, Adam)", 64, true, true),
        new("unet-infer", "U-Net inference", Inference.DefaultBatch, true, false),
        new("classifier-infer", "case classifier inference", Inference.DefaultBatch, true, false),
        new("ae-infer", "AE inference", Inference.DefaultBatch, false, false),
        new("generator-infer", "CycleGAN generator inference", Inference.DefaultBatch, true, false),
    ];

    const int WeakSites = 8,
        WeakPerSite = 4;

    /// <summary>Each case: a warm-up, then <paramref name="reps"/> repetitions of <paramref name="steps"/> steps on
    /// each side in turn (TorchSharp, then the peer); medians of images/s, the ratio and FLOP/s against the matmul
    /// ceiling measured here.</summary>
    public static int Nets(SemData d, int steps, int reps)
    {
        var device = Torch.TorchDevice.Current;
        _ = d.SimSem;
        _ = d.SimDepth;
        _ = d.Train; // the cache files the peer reads too
        double ceiling = MatmulGflops(device);
        Console.WriteLine(
            $"networks beside PyTorch: {steps} steps a repetition, median of {reps} after a warm-up, the two sides "
                + $"alternating; torch threads {torch.get_num_threads()}, device {device.type}; float32 matmul "
                + $"ceiling {ceiling:F0} GFLOP/s (2048x2048, median of 5)"
        );
        Console.WriteLine($"data: {d.DataSet.Root}; {Environment.ProcessorCount} logical CPUs");
        using var peer = NetPeer.Start(d);
        if (peer?.Info is { } info)
            PrintPeerBlas(info);
        Console.WriteLine(
            $"{"case", -58} {"batch", 5} {"TorchSharp", 11} {"PyTorch", 9} {"ratio", 6} {"GFLOP/s TS", 10} "
                + $"{"GFLOP/s PT", 10} (of {ceiling:F0})"
        );
        foreach (var c in NetCases)
        {
            using var side = new NetSide(c, d);
            var ts = new List<double>();
            var py = new List<double>();
            double flops = double.NaN;
            for (int rep = 0; rep <= reps; rep++)
            {
                double s = side.Run(steps);
                if (rep > 0)
                    ts.Add(c.Batch * steps / s);
                if (peer?.Run(c, steps) is { } p)
                {
                    flops = p.ForwardFlops;
                    if (rep > 0)
                        py.Add(p.Images / p.Seconds);
                }
            }
            double t = Median(ts),
                q = py.Count > 0 ? Median(py) : double.NaN;
            // a training step: forward, input and weight gradients; the site-average step also runs its real images
            double extra = c.Name == "unet-weak-train" ? (c.Batch + WeakSites * WeakPerSite) / (double)c.Batch : 1;
            double perImage = flops * (c.Train ? 3 : 1) * extra;
            Console.WriteLine(
                $"{c.What, -58} {c.Batch, 5} {t, 11:F0} {q, 9:F0} {t / q, 5:F2}x {t * perImage / 1e9, 10:F1} "
                    + $"{q * perImage / 1e9, 10:F1}"
            );
        }
        Console.WriteLine(
            "images/s, medians; ratio = TorchSharp / PyTorch (goal: training >= 1.3x, inference >= 1.0x); GFLOP/s "
                + "from the forward FLOPs the peer counts for the same architecture (x3 for a training step)"
        );
        return 0;
    }

    /// <summary>The TorchSharp side of one case: the library's network, optimiser and batch assembly.</summary>
    sealed class NetSide : IDisposable
    {
        readonly NetCase _c;
        readonly SemData _d;
        readonly nn.Module<Tensor, Tensor> _model;
        readonly optim.Optimizer? _opt;
        readonly Tensor _x,
            _y,
            _real;
        readonly Tensor _labels;
        int _step;

        public NetSide(NetCase c, SemData d)
        {
            (_c, _d) = (c, d);
            torch.manual_seed(41);
            _model = c.Name.Split('-')[0] switch
            {
                "unet" => new DepthUNet(16),
                "classifier" => new CaseClassifier(16),
                "ae" => new DepthAutoencoder(),
                _ => new ResnetGenerator(),
            };
            _model.to(Torch.TorchDevice.Current);
            if (c.Train)
                _model.train();
            else
                _model.eval();
            _opt = c.Train ? new SemDepth.Training.MultiTensor.Adam(_model.parameters(), 1e-3) : null;
            _x = Batches.HostBuffer(c.Batch);
            _y = Batches.HostBuffer(c.Batch);
            _real = Batches.HostBuffer(WeakSites * WeakPerSite);
            _labels = torch.tensor(Enumerable.Range(0, c.Batch).Select(i => (long)(i % 4)).ToArray());
        }

        int[] Draw(int n, int count) =>
            new Random(++_step).GetItems(Enumerable.Range(0, count).ToArray(), n).Order().ToArray();

        Tensor OnDevice(Tensor t) =>
            Torch.TorchDevice.Current.type == DeviceType.CPU ? t : t.to(Torch.TorchDevice.Current);

        public double Run(int steps)
        {
            var scale = _c.Symmetric ? PixelScale.Symmetric : PixelScale.Unit;
            var sw = Stopwatch.StartNew();
            for (int s = 0; s < steps; s++)
            {
                using var scope = torch.NewDisposeScope();
                var idx = Draw(_c.Batch, _d.SimSem.Count);
                Batches.Fill(_d.SimSem, idx, scale, null, _x);
                var x = OnDevice(_x);
                if (!_c.Train)
                {
                    using var noGrad = torch.no_grad();
                    _ = _model.forward(x);
                    continue;
                }
                if (_c.Name == "classifier-train")
                {
                    Inference.Step(_opt!, () => nn.functional.cross_entropy(_model.forward(x), OnDevice(_labels)));
                    continue;
                }
                Batches.Fill(_d.SimDepth, idx.Select(i => i / 2).ToArray(), PixelScale.Unit, null, _y);
                var y = OnDevice(_y);
                if (_c.Name == "unet-weak-train")
                {
                    var real = Draw(WeakSites * WeakPerSite, _d.Train.Count);
                    Batches.Fill(_d.Train, real, scale, null, _real);
                    var sites = Enumerable.Range(0, WeakSites * WeakPerSite).Select(i => i / WeakPerSite).ToArray();
                    Inference.Step(_opt!, () =>
                    {
                        var o = _model.forward(torch.cat([x, OnDevice(_real)], 0));
                        return nn.functional.l1_loss(o[.._c.Batch], y)
                            + SiteLoss.L1(
                                o[_c.Batch..],
                                [.. Enumerable.Repeat(1, sites.Length)],
                                sites,
                                [.. Enumerable.Repeat(120.0, WeakSites)]
                            );
                    });
                    continue;
                }
                Inference.Step(_opt!, () => nn.functional.l1_loss(_model.forward(x), y));
            }
            _ = torch.zeros(1, device: Torch.TorchDevice.Current).sum().item<float>(); // wait for the device
            return sw.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            _model.Dispose();
            _opt?.Dispose();
            _x.Dispose();
            _y.Dispose();
            _real.Dispose();
            _labels.Dispose();
        }
    }

    /// <summary>bench/peer.py in serve mode: one JSON request a repetition, one answer.</summary>
    sealed class NetPeer : IDisposable
    {
        readonly Process _p;
        readonly SemData _d;
        public JsonElement? Info { get; private set; }

        NetPeer(Process p, SemData d) => (_p, _d) = (p, d);

        public static NetPeer? Start(SemData d)
        {
            var (code, _, _) = Python("peer.py", ["blas"]); // installs the peer when missing, says why it cannot
            if (code != 0)
                return null;
            var psi = PeerStart(
                "peer.py",
                [
                    "serve",
                    "--threads",
                    torch.get_num_threads().ToString(CultureInfo.InvariantCulture),
                    "--device",
                    Torch.TorchDevice.Current.type == DeviceType.CUDA ? "cuda" : "cpu",
                ]
            );
            psi.RedirectStandardInput = true;
            var peer = new NetPeer(Process.Start(psi)!, d);
            string? first = peer._p.StandardOutput.ReadLine();
            if (first is null)
            {
                Console.WriteLine($"python peer failed: {peer._p.StandardError.ReadToEnd().Trim()}");
                return null;
            }
            peer.Info = JsonDocument.Parse(first).RootElement;
            Console.WriteLine($"peer: {peer.Info.Value.GetProperty("peer").GetString()}");
            return peer;
        }

        public (double Seconds, int Images, double ForwardFlops)? Run(NetCase c, int steps)
        {
            var request = new Dictionary<string, object>
            {
                ["case"] = c.Name,
                ["batch"] = c.Batch,
                ["steps"] = steps,
                ["sem"] = Path.Combine(_d.CacheDir, "sim-sem.u8"),
                ["depth"] = Path.Combine(_d.CacheDir, "sim-depth.u8"),
                ["real"] = Path.Combine(_d.CacheDir, "train.u8"),
                ["symmetric"] = c.Symmetric,
                ["sites"] = WeakSites,
                ["per_site"] = WeakPerSite,
            };
            _p.StandardInput.WriteLine(JsonSerializer.Serialize(request));
            _p.StandardInput.Flush();
            string? line = _p.StandardOutput.ReadLine();
            if (line is null)
            {
                Console.WriteLine($"python peer stopped: {_p.StandardError.ReadToEnd().Trim()}");
                return null;
            }
            var r = JsonDocument.Parse(line).RootElement;
            return (
                r.GetProperty("seconds").GetDouble(),
                r.GetProperty("images").GetInt32(),
                r.GetProperty("forward_flops").GetDouble()
            );
        }

        public void Dispose()
        {
            try
            {
                _p.StandardInput.Close();
                if (!_p.WaitForExit(5000))
                    _p.Kill();
            }
            catch (InvalidOperationException) { }
            _p.Dispose();
        }
    }
}
