using System.Diagnostics;
using System.Globalization;
using SemDepth.Data;
using SemDepth.Training;
using SemDepth.Translation;
using SemDepth.Workspace;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Cli;

/// <summary>`semdepth bench cyclegan`: a CycleGAN step beside the PyTorch peer, and its oneDNN routes.</summary>
static partial class Bench
{
    /// <summary>CycleGAN training step images/s (both domains counted), PyTorch side by side, FLOP/s
    /// against the measured matmul ceiling, RSS across chunks of steps.</summary>
    public static int CycleGan(SemData d, int batch, int steps, int reps, int chunks)
    {
        var device = Torch.TorchDevice.Current;
        var o = CycleGanOptions.Default with { BatchSize = batch };
        Console.WriteLine(
            $"CycleGAN step (LSGAN, generators {o.GenWidth} ch x {o.GenBlocks} blocks, PatchGAN "
                + $"{o.DiscWidth} ch, batch {batch} a domain): "
                + $"{steps} steps a repetition, median of {reps} after a warm-up; torch threads "
                + $"{torch.get_num_threads()}, device {device.type}"
        );
        _ = d.SimSem;
        _ = d.Train;
        var simRefs = Enumerable.Range(0, d.SimSem.Count).Select(i => new ImageRef(d.SimSem, i)).ToArray();
        var realRefs = Enumerable.Range(0, d.Train.Count).Select(i => new ImageRef(d.Train, i)).ToArray();
        var models = new Dictionary<AdamImpl, CycleGanModel>();
        using var xs = Batches.HostBuffer(batch);
        using var ys = Batches.HostBuffer(batch);
        var rb = new ImageRef[batch];
        var sb = new ImageRef[batch];
        long step = 0;
        double RunSteps(CycleGanModel model, int n)
        {
            var sw = Stopwatch.StartNew();
            for (int s = 0; s < n; s++, step++)
            {
                using var scope = torch.NewDisposeScope();
                for (int k = 0; k < batch; k++)
                {
                    rb[k] = realRefs[(int)((step * batch + k) * 7919 % realRefs.Length)];
                    sb[k] = simRefs[(int)((step * batch + k) * 104729 % simRefs.Length)];
                }
                Batches.Fill(rb, PixelScale.Symmetric, default, xs);
                Batches.Fill(sb, PixelScale.Symmetric, default, ys);
                model.set_input(
                    device.type == DeviceType.CPU ? xs : xs.to(device),
                    device.type == DeviceType.CPU ? ys : ys.to(device)
                );
                model.optimize_parameters(s);
            }
            return 2.0 * batch * n / sw.Elapsed.TotalSeconds;
        }
        var medians = new Dictionary<AdamImpl, double>();
        foreach (var optimizer in new[] { AdamImpl.MultiTensor, AdamImpl.TorchSharp })
        {
            torch.manual_seed(41);
            var model = models[optimizer] = new CycleGanModel(o with { Optimizer = optimizer }, device);
            model.StartEpoch(1);
            model.train();
            var rates = new List<double>();
            for (int rep = 0; rep <= reps; rep++)
            {
                double r = RunSteps(model, steps);
                if (rep > 0)
                    rates.Add(r);
            }
            medians[optimizer] = Median(rates);
            Console.WriteLine(
                $"TorchSharp 0.107 ({ModeNames.Of(optimizer)} Adam): median {medians[optimizer], 6:F1} "
                    + $"images/s   "
                    + $"[{string.Join(", ", rates.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}]"
            );
        }
        double ts = medians[AdamImpl.MultiTensor];
        Console.WriteLine($"multi-tensor Adam / TorchSharp's Adam: {ts / medians[AdamImpl.TorchSharp]:F2}x");
        models[AdamImpl.TorchSharp].Dispose();
        using var main = models[AdamImpl.MultiTensor];
        if (device.type == DeviceType.CPU)
            OneDnnRoutes(d, main, n => RunSteps(main, n), steps, reps);

        CycleGanPeer(d, batch, steps, reps, ts);
        PrintFlops(o, ts, device);

        if (chunks > 0)
            RssAcrossChunks(n => RunSteps(main, n), steps, chunks);
        return 0;
    }

    /// <summary>Resident memory after each of <paramref name="chunks"/> chunks of <paramref name="steps"/>
    /// steps.</summary>
    static void RssAcrossChunks(Func<int, double> runSteps, int steps, int chunks)
    {
        var rss = new List<double>();
        for (int c = 0; c < chunks; c++)
        {
            runSteps(steps);
            GC.Collect();
            rss.Add(RssMiB());
        }
        Console.WriteLine(
            $"resident memory after each of {chunks} chunks of {steps} steps: "
                + $"{string.Join(", ", rss.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} MiB; "
                + $"growth after chunk 2: {(rss[^1] / rss[Math.Min(1, rss.Count - 1)] - 1) * 100:F1}%"
        );
    }

    /// <summary>The PyTorch peer's CycleGAN step on the same cached images, and TorchSharp's rate
    /// <paramref name="ts"/> against it.</summary>
    static void CycleGanPeer(SemData d, int batch, int steps, int reps, double ts)
    {
        var peer = Peer(
            "cyclegan",
            "--sem",
            Path.Combine(d.CacheDir, "sim-sem.u8"),
            "--real",
            Path.Combine(d.CacheDir, "train.u8"),
            "--batch",
            batch.ToString(CultureInfo.InvariantCulture),
            "--batches",
            steps.ToString(CultureInfo.InvariantCulture),
            "--reps",
            reps.ToString(CultureInfo.InvariantCulture),
            "--threads",
            torch.get_num_threads().ToString(CultureInfo.InvariantCulture)
        );
        if (peer is { } pe)
        {
            double py = pe.GetProperty("median").GetDouble();
            var list = pe.GetProperty("images_per_s").EnumerateArray().Select(v => v.GetDouble()).ToList();
            Console.WriteLine(
                $"{pe.GetProperty("peer").GetString()}: median {py, 6:F1} images/s   "
                    + $"[{string.Join(", ", list.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}]"
            );
            Console.WriteLine($"ratio TorchSharp / PyTorch: {ts / py:F2}x (goal >= 1.3x)");
            PrintPeerBlas(pe);
        }
    }

    /// <summary>The step's analytic FLOPs and the rate <paramref name="ts"/> as GFLOP/s against the measured matmul
    /// ceiling.</summary>
    static void PrintFlops(CycleGanOptions o, double ts, Device device)
    {
        double ceiling = MatmulGflops(device);
        double perPair = 18 * GeneratorFlops(o) + 16 * DiscriminatorFlops(o);
        double achieved = ts / 2 * perPair / 1e9;
        Console.WriteLine(
            $"analytic step cost: {perPair / 1e9:F2} GFLOP an image pair (18 generator-forward "
                + $"equivalents + 16 discriminator ones: "
                + $"G {GeneratorFlops(o) / 1e6:F0} MFLOP, D {DiscriminatorFlops(o) / 1e6:F0} MFLOP a forward)"
        );
        Console.WriteLine(
            $"achieved {achieved:F1} GFLOP/s = {achieved / ceiling * 100:F1}% of the measured matmul "
                + $"ceiling {ceiling:F0} GFLOP/s"
        );
    }

    /// <summary>
    /// The cost of the oneDNN route (<see cref="Torch.OneDnn"/>): the CycleGAN step and a U-Net training step
    /// (batch 16, the depth network's) guarded, with oneDNN everywhere (unguarded: wrong input gradients on a
    /// CPU where the probe found the fault) and with oneDNN off, interleaved repetition by repetition.
    /// </summary>
    static void OneDnnRoutes(SemData d, CycleGanModel cyclegan, Func<int, double> cycleGanSteps, int steps, int reps)
    {
        Console.WriteLine($"oneDNN: {Torch.OneDnn.Status}");
        torch.manual_seed(41);
        using var unet = new Models.DepthUNet();
        using var opt = new Training.MultiTensor.Adam(unet.parameters(), 1e-3);
        unet.train();
        const int bs = 16;
        using var x = Batches.HostBuffer(bs);
        using var y = Batches.HostBuffer(bs);
        long at = 0;
        double UNetSteps(int n)
        {
            var sw = Stopwatch.StartNew();
            for (int s = 0; s < n; s++, at++)
            {
                using var scope = torch.NewDisposeScope();
                var idx = Enumerable.Range(0, bs).Select(k => (int)((at * bs + k) * 7919 % d.SimSem.Count)).ToArray();
                Batches.Fill(d.SimSem, idx, PixelScale.Symmetric, default, x);
                Batches.Fill(d.SimDepth, idx.Select(i => i / 2).ToArray(), PixelScale.Unit, default, y);
                Training.Inference.Step(opt, () => nn.functional.l1_loss(unet.forward(x), y));
            }
            return bs * n / sw.Elapsed.TotalSeconds;
        }
        var routes = new[] { Torch.OneDnnRoute.Guarded, Torch.OneDnnRoute.Everywhere, Torch.OneDnnRoute.Off };
        var rates = routes.ToDictionary(r => r, _ => (Cycle: new List<double>(), UNet: new List<double>()));
        try
        {
            for (int rep = 0; rep <= reps; rep++)
                foreach (var route in routes)
                {
                    Torch.OneDnn.Use(route);
                    double c = cycleGanSteps(steps),
                        u = UNetSteps(steps);
                    if (rep == 0)
                        continue; // warm-up of each route
                    rates[route].Cycle.Add(c);
                    rates[route].UNet.Add(u);
                }
        }
        finally
        {
            Torch.OneDnn.Use(Torch.OneDnnRoute.Guarded);
        }
        double g = Median(rates[Torch.OneDnnRoute.Guarded].Cycle),
            gu = Median(rates[Torch.OneDnnRoute.Guarded].UNet);
        foreach (var route in routes)
        {
            var (c, u) = rates[route];
            Console.WriteLine(
                $"  {route, -10} CycleGAN step median {Median(c), 6:F1} images/s ({Median(c) / g:F2}x guarded), "
                    + $"U-Net step median {Median(u), 6:F1} images/s ({Median(u) / gu:F2}x guarded)   "
                    + $"[{string.Join(", ", c.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}] "
                    + $"[{string.Join(", ", u.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}]"
            );
        }
        Console.WriteLine(
            "  (Everywhere is what libtorch does unguarded: on a CPU where the probe found the fault its "
                + "gradients are wrong)"
        );
    }

    /// <summary>Forward FLOPs of one 72x48 image through the ResNet generator (convolutions only).</summary>
    public static double GeneratorFlops(CycleGanOptions o)
    {
        long w = o.GenWidth;
        const long full = 72 * 48,
            half = 36 * 24,
            quarter = 18 * 12;
        return Conv(1, w, 7, full)
            + Conv(w, 2 * w, 3, half)
            + Conv(2 * w, 4 * w, 3, quarter)
            + o.GenBlocks * 2 * Conv(4 * w, 4 * w, 3, quarter)
            + Conv(4 * w, 2 * w, 3, quarter)
            + Conv(2 * w, w, 3, half) // transposed: per input pixel
            + Conv(w, 1, 7, full);
    }

    /// <summary>Forward FLOPs of one 72x48 image through the 3-layer PatchGAN.</summary>
    public static double DiscriminatorFlops(CycleGanOptions o)
    {
        long w = o.DiscWidth;
        return Conv(1, w, 4, 36 * 24)
            + Conv(w, 2 * w, 4, 18 * 12)
            + Conv(2 * w, 4 * w, 4, 9 * 6)
            + Conv(4 * w, 8 * w, 4, 8 * 5)
            + Conv(8 * w, 1, 4, 7 * 4);
    }
}
