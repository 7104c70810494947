using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SemDepth.Data;
using SemDepth.Methods;
using SemDepth.Models;
using SemDepth.Training;
using SemDepth.Workspace;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Cli;

/// <summary>
/// Training-speed benchmarks with the Python peer side by side (bench/peer.py on Debian's python3-torch,
/// installed by bench/setup.sh; SEMDEPTH_PEER_PYTHON picks another python with torch), on the same cached images, the same batch sizes and thread count.
/// All figures are medians of several repetitions after a warm-up one.
/// </summary>
static class Bench
{
    internal static double Median(List<double> v) { v.Sort(); return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2; }

    static string Rates(List<double> v) => string.Join(", ", v.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)));

    internal static double RssMiB() { using var p = Process.GetCurrentProcess(); p.Refresh(); return p.WorkingSet64 / 1048576.0; }

    /// <summary>Runs the Python peer; null (with the reason printed) when it cannot run.</summary>
    internal static JsonElement? PeerJson(params string[] args) => Peer(args);

    static JsonElement? Peer(params string[] args)
    {
        var (code, o, e) = Python("peer.py", [.. args, "--device", Torch.TorchDevice.Current.type == DeviceType.CUDA ? "cuda" : "cpu"]); // the peer runs where TorchSharp runs
        if (code is null) return null;
        if (code != 0) { Console.WriteLine($"python peer failed: {e.Trim()}"); return null; }
        return JsonDocument.Parse(o.Trim().Split('\n')[^1]).RootElement;
    }

    /// <summary>Runs bench/<paramref name="script"/> with the peer's Python (bench/setup.sh installs it when
    /// missing; SEMDEPTH_PEER_PYTHON chooses another). Exit code null (reason printed) when it cannot run.</summary>
    internal static (int? Code, string Out, string Err) Python(string script, IEnumerable<string> args)
    {
        string repo = Paths.Root;
        var setup = Process.Start(new ProcessStartInfo("bash", [Path.Combine(repo, "bench", "setup.sh")]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        setup.WaitForExit(); // bench/setup.sh honours SEMDEPTH_PEER_PYTHON too
        if (setup.ExitCode != 0) { Console.WriteLine($"python peer unavailable: bench/setup.sh failed: {setup.StandardError.ReadToEnd().Trim()}"); return (null, "", ""); }
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("SEMDEPTH_PEER_PYTHON") ?? "/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(repo, "bench", script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception ex) { Console.WriteLine($"python peer unavailable: {psi.FileName}: {ex.Message}"); return (null, "", ""); }
        using var _ = p;
        var so = p.StandardOutput.ReadToEndAsync(); var se = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, so.Result, se.Result);
    }

    /// <summary>The peer's BLAS beside its ratio: the libraries its process mapped and torch's build config lines.</summary>
    public static void PrintPeerBlas(JsonElement peer)
    {
        static string List(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? string.Join("; ", v.EnumerateArray().Select(x => x.GetString())) : "?";
        Console.WriteLine($"  peer BLAS loaded: {List(peer, "blas_libraries_loaded")}");
        // torch's build line is long: keep what names the BLAS
        var config = List(peer, "config_blas").Split([',', ';'], StringSplitOptions.TrimEntries)
            .Where(t => t.Contains("BLAS_INFO=", StringComparison.Ordinal) || t.StartsWith("USE_MKLDNN", StringComparison.Ordinal)).Select(t => t[t.IndexOf(t.Contains("BLAS_INFO=", StringComparison.Ordinal) ? (t.Contains("LAPACK_INFO=", StringComparison.Ordinal) ? "LAPACK_INFO=" : "BLAS_INFO=") : "USE_MKLDNN", StringComparison.Ordinal)..]);
        Console.WriteLine($"  peer torch build: {string.Join(", ", config)} (the generic BLAS_INFO resolves to the libraries above)");
        Console.WriteLine($"  heap: peer {(peer.TryGetProperty("heap", out var heap) ? heap.GetString() : "?")}; TorchSharp {Torch.NativeHeap.Status}");
        if (peer.TryGetProperty("gpu", out var gpu))
            Console.WriteLine($"  peer GPU {gpu.GetString()}: matmul allow_tf32 {peer.GetProperty("matmul_allow_tf32")}, cudnn allow_tf32 {peer.GetProperty("cudnn_allow_tf32")}, " +
                              $"float32 matmul precision {peer.GetProperty("float32_matmul_precision").GetString()}; TorchSharp: matmul allow_tf32 {torch.backends.cuda.matmul.allow_tf32}, " +
                              $"cudnn allow_tf32 {torch.backends.cudnn.allow_tf32}");
    }

    /// <summary>AE training images/s with loading on and off, side by side with PyTorch; RSS per epoch.</summary>
    public static int Ae(SemData d, int batches, int reps, int rssEpochs)
    {
        var device = Torch.TorchDevice.Current;
        _ = d.SimSem; _ = d.SimDepth; // the cache files the peer reads too
        Console.WriteLine($"AE training speed: batch 128, {batches} batches a repetition, median of {reps} after a warm-up; torch threads {torch.get_num_threads()}, device {device.type}");
        Console.WriteLine($"data: {d.Layout.Root} ({d.SimSem.Count:N0} simulated SEM)");
        var idx = Batches.Shuffled(Enumerable.Range(0, d.SimSem.Count).ToArray(), 41, 1);
        var results = new Dictionary<string, double>();
        foreach (var (loading, optimizer) in new[] { (true, "multi-tensor"), (false, "multi-tensor"), (false, "torchsharp") })
        {
            TorchSharp.torch.manual_seed(41);
            using var model = new DepthAutoencoder();
            model.to(device);
            using var opt = SemDepth.Training.MultiTensor.Adam.Create(optimizer, model.parameters(), 1e-3);
            using var xs = Batches.HostBuffer(128);
            using var ys = Batches.HostBuffer(128);
            var tIdx = new int[128];
            var rates = new List<double>();
            for (int rep = 0; rep <= reps; rep++)
            {
                var sw = Stopwatch.StartNew();
                for (int b = 0; b < batches; b++)
                {
                    using var scope = torch.NewDisposeScope();
                    if (loading || (rep == 0 && b == 0))
                    {
                        var s = idx.AsSpan((b * 128 + rep * 977) % (idx.Length - 128), 128);
                        for (int k = 0; k < 128; k++) tIdx[k] = s[k] / 2;
                        Batches.Fill(d.SimSem, s, PixelScale.Unit, default, xs);
                        Batches.Fill(d.SimDepth, tIdx, PixelScale.Unit, default, ys);
                    }
                    var x = device.type == DeviceType.CPU ? xs : xs.to(device);
                    var y = device.type == DeviceType.CPU ? ys : ys.to(device);
                    opt.zero_grad();
                    var loss = nn.functional.l1_loss(model.forward(x), y);
                    loss.backward();
                    opt.step();
                    if (b == batches - 1) _ = loss.item<float>(); // wait for the device
                }
                if (rep > 0) rates.Add(128.0 * batches / sw.Elapsed.TotalSeconds);
            }
            string key = loading ? "on" : "off";
            if (optimizer == "torchsharp")
            {
                Console.WriteLine($"TorchSharp 0.107  loading {key,-3}: median {Median(rates),7:F0} images/s   [{Rates(rates)}] with TorchSharp's per-parameter Adam " +
                    $"(multi-tensor Adam: {results["torchsharp-off"] / Median(rates):F2}x of it)");
                continue;
            }
            results["torchsharp-" + key] = Median(rates);
            Console.WriteLine($"TorchSharp 0.107  loading {key,-3}: median {Median(rates),7:F0} images/s   [{Rates(rates)}] (multi-tensor Adam)");
        }
        JsonElement? peerSeen = null;
        foreach (string key in new[] { "on", "off" })
        {
            var peer = Peer("ae", "--sem", Path.Combine(d.CacheDir, "sim-sem.u8"), "--depth", Path.Combine(d.CacheDir, "sim-depth.u8"),
                "--batches", batches.ToString(CultureInfo.InvariantCulture), "--reps", reps.ToString(CultureInfo.InvariantCulture), "--loading", key,
                "--threads", torch.get_num_threads().ToString(CultureInfo.InvariantCulture));
            if (peer is not { } pe) continue;
            peerSeen = pe;
            double med = pe.GetProperty("median").GetDouble();
            results["pytorch-" + key] = med;
            var list = pe.GetProperty("images_per_s").EnumerateArray().Select(v => v.GetDouble()).ToList();
            Console.WriteLine($"{pe.GetProperty("peer").GetString(),-17} loading {key,-3}: median {med,7:F0} images/s   [{Rates(list)}]");
        }
        foreach (string key in new[] { "on", "off" })
            if (results.TryGetValue("pytorch-" + key, out double py))
                Console.WriteLine($"ratio TorchSharp / PyTorch, loading {key}: {results["torchsharp-" + key] / py:F2}x (goal >= 1.3x)");
        if (peerSeen is { } ps) PrintPeerBlas(ps);
        Console.WriteLine($"loading cost in TorchSharp: {(1 - results["torchsharp-on"] / results["torchsharp-off"]) * 100:F1}% of the rate");

        if (rssEpochs > 0)
        {
            Console.WriteLine($"resident memory across {rssEpochs} epochs of DepthTrainer (every batch in a dispose scope):");
            var rss = new List<double>();
            using var t = new DepthTrainer(DepthOptions.Default with { Name = "bench-rss", Epochs = rssEpochs }, d);
            t.Fit(new Progress(p => { if (p.Finished is not null) { GC.Collect(); rss.Add(RssMiB()); } }));
            for (int e = 0; e < rss.Count; e++) Console.WriteLine($"  after epoch {e + 1}: {rss[e]:F0} MiB");
            if (rss.Count >= 3) Console.WriteLine($"  growth after epoch 2: {(rss[^1] / rss[1] - 1) * 100:F1}% (goal < 5%)");
        }
        return 0;
    }

    /// <summary>CycleGAN training step images/s (both domains counted), PyTorch side by side, FLOP/s
    /// against the measured matmul ceiling, RSS across chunks of steps.</summary>
    public static int CycleGan(SemData d, int batch, int steps, int reps, int chunks)
    {
        var device = Torch.TorchDevice.Current;
        var o = CycleGanOptions.Default with { BatchSize = batch };
        Console.WriteLine($"CycleGAN step (LSGAN, generators {o.GenWidth} ch x {o.GenBlocks} blocks, PatchGAN {o.DiscWidth} ch, batch {batch} a domain): " +
            $"{steps} steps a repetition, median of {reps} after a warm-up; torch threads {torch.get_num_threads()}, device {device.type}");
        _ = d.SimSem; _ = d.Train;
        var simRefs = Enumerable.Range(0, d.SimSem.Count).Select(i => new ImageRef(d.SimSem, i)).ToArray();
        var realRefs = Enumerable.Range(0, d.Train.Count).Select(i => new ImageRef(d.Train, i)).ToArray();
        var models = new Dictionary<string, CycleGanModel>();
        using var xs = Batches.HostBuffer(batch);
        using var ys = Batches.HostBuffer(batch);
        var rb = new ImageRef[batch]; var sb = new ImageRef[batch];
        long step = 0;
        double RunSteps(CycleGanModel model, int n)
        {
            var sw = Stopwatch.StartNew();
            for (int s = 0; s < n; s++, step++)
            {
                using var scope = torch.NewDisposeScope();
                for (int k = 0; k < batch; k++) { rb[k] = realRefs[(int)((step * batch + k) * 7919 % realRefs.Length)]; sb[k] = simRefs[(int)((step * batch + k) * 104729 % simRefs.Length)]; }
                Batches.Fill(rb, PixelScale.Symmetric, default, xs);
                Batches.Fill(sb, PixelScale.Symmetric, default, ys);
                model.set_input(device.type == DeviceType.CPU ? xs : xs.to(device), device.type == DeviceType.CPU ? ys : ys.to(device));
                model.optimize_parameters(s);
            }
            return 2.0 * batch * n / sw.Elapsed.TotalSeconds;
        }
        var medians = new Dictionary<string, double>();
        foreach (var optimizer in new[] { "multi-tensor", "torchsharp" })
        {
            torch.manual_seed(41);
            var model = models[optimizer] = new CycleGanModel(o with { Optimizer = optimizer }, device);
            model.StartEpoch(1);
            model.train();
            var rates = new List<double>();
            for (int rep = 0; rep <= reps; rep++) { double r = RunSteps(model, steps); if (rep > 0) rates.Add(r); }
            medians[optimizer] = Median(rates);
            Console.WriteLine($"TorchSharp 0.107 ({optimizer} Adam): median {medians[optimizer],6:F1} images/s   [{string.Join(", ", rates.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}]");
        }
        double ts = medians["multi-tensor"];
        Console.WriteLine($"multi-tensor Adam / TorchSharp's Adam: {ts / medians["torchsharp"]:F2}x");
        models["torchsharp"].Dispose();
        using var main = models["multi-tensor"];
        if (device.type == DeviceType.CPU) OneDnnRoutes(d, main, n => RunSteps(main, n), steps, reps);

        var peer = Peer("cyclegan", "--sem", Path.Combine(d.CacheDir, "sim-sem.u8"), "--real", Path.Combine(d.CacheDir, "train.u8"),
            "--batch", batch.ToString(CultureInfo.InvariantCulture), "--batches", steps.ToString(CultureInfo.InvariantCulture),
            "--reps", reps.ToString(CultureInfo.InvariantCulture), "--threads", torch.get_num_threads().ToString(CultureInfo.InvariantCulture));
        if (peer is { } pe)
        {
            double py = pe.GetProperty("median").GetDouble();
            var list = pe.GetProperty("images_per_s").EnumerateArray().Select(v => v.GetDouble()).ToList();
            Console.WriteLine($"{pe.GetProperty("peer").GetString()}: median {py,6:F1} images/s   [{string.Join(", ", list.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}]");
            Console.WriteLine($"ratio TorchSharp / PyTorch: {ts / py:F2}x (goal >= 1.3x)");
            PrintPeerBlas(pe);
        }

        double ceiling = MatmulGflops(device);
        double perPair = 18 * GeneratorFlops(o) + 16 * DiscriminatorFlops(o);
        double achieved = ts / 2 * perPair / 1e9;
        Console.WriteLine($"analytic step cost: {perPair / 1e9:F2} GFLOP an image pair (18 generator-forward equivalents + 16 discriminator ones: " +
            $"G {GeneratorFlops(o) / 1e6:F0} MFLOP, D {DiscriminatorFlops(o) / 1e6:F0} MFLOP a forward)");
        Console.WriteLine($"achieved {achieved:F1} GFLOP/s = {achieved / ceiling * 100:F1}% of the measured matmul ceiling {ceiling:F0} GFLOP/s");

        if (chunks > 0)
        {
            var rss = new List<double>();
            for (int c = 0; c < chunks; c++) { RunSteps(main, steps); GC.Collect(); rss.Add(RssMiB()); }
            Console.WriteLine($"resident memory after each of {chunks} chunks of {steps} steps: {string.Join(", ", rss.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} MiB; " +
                $"growth after chunk 2: {(rss[^1] / rss[Math.Min(1, rss.Count - 1)] - 1) * 100:F1}%");
        }
        return 0;
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
                    double c = cycleGanSteps(steps), u = UNetSteps(steps);
                    if (rep == 0) continue; // warm-up of each route
                    rates[route].Cycle.Add(c);
                    rates[route].UNet.Add(u);
                }
        }
        finally { Torch.OneDnn.Use(Torch.OneDnnRoute.Guarded); }
        double g = Median(rates[Torch.OneDnnRoute.Guarded].Cycle), gu = Median(rates[Torch.OneDnnRoute.Guarded].UNet);
        foreach (var route in routes)
        {
            var (c, u) = rates[route];
            Console.WriteLine($"  {route,-10} CycleGAN step median {Median(c),6:F1} images/s ({Median(c) / g:F2}x guarded), " +
                $"U-Net step median {Median(u),6:F1} images/s ({Median(u) / gu:F2}x guarded)   " +
                $"[{string.Join(", ", c.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}] [{string.Join(", ", u.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}]");
        }
        Console.WriteLine("  (Everywhere is what libtorch does unguarded: on a CPU where the probe found the fault its gradients are wrong)");
    }

    /// <summary>float32 2048x2048 matmul, median of 5, GFLOP/s.</summary>
    static double MatmulGflops(Device device)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.rand(2048, 2048, device: device); var b = torch.rand(2048, 2048, device: device);
        var r = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            var sw = Stopwatch.StartNew();
            _ = torch.matmul(a, b).sum().item<float>();
            if (i > 0) r.Add(2.0 * 2048 * 2048 * 2048 / sw.Elapsed.TotalSeconds / 1e9);
        }
        return Median(r);
    }

    static double Conv(long cin, long cout, int k, long pixels) => 2.0 * cin * cout * k * k * pixels;

    /// <summary>Forward FLOPs of one 72x48 image through the ResNet generator (convolutions only).</summary>
    public static double GeneratorFlops(CycleGanOptions o)
    {
        long w = o.GenWidth; const long full = 72 * 48, half = 36 * 24, quarter = 18 * 12;
        return Conv(1, w, 7, full) + Conv(w, 2 * w, 3, half) + Conv(2 * w, 4 * w, 3, quarter)
            + o.GenBlocks * 2 * Conv(4 * w, 4 * w, 3, quarter)
            + Conv(4 * w, 2 * w, 3, quarter) + Conv(2 * w, w, 3, half) // transposed: per input pixel
            + Conv(w, 1, 7, full);
    }

    /// <summary>Forward FLOPs of one 72x48 image through the 3-layer PatchGAN.</summary>
    public static double DiscriminatorFlops(CycleGanOptions o)
    {
        long w = o.DiscWidth;
        return Conv(1, w, 4, 36 * 24) + Conv(w, 2 * w, 4, 18 * 12) + Conv(2 * w, 4 * w, 4, 9 * 6) + Conv(4 * w, 8 * w, 4, 8 * 5) + Conv(8 * w, 1, 4, 7 * 4);
    }

    sealed class Progress(Action<TrainProgress> a) : IProgress<TrainProgress> { public void Report(TrainProgress p) => a(p); }
}

/// <summary>`semdepth bench-retrieval`: restyling plus search of the test set, exact vs approximate, beside
/// the PyTorch peer's exact search on the same cached images.</summary>
static class RetrievalBench
{
    static double PeakRssMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }

    public static int Run(SemData d, int recallQueries, int peerQueries, int reps, int chunkMiB, bool exactAll = false, string cyclegan = "cyclegan", string keys = "both", double smooth = 1.0, bool perfectRestyle = false, int maxShift = 0, bool shiftBack = true, int topK = 1, int lists = 0, int probes = 32)
    {
        var device = Torch.TorchDevice.Current;
        Console.WriteLine($"retrieval benchmark: {d.Layout.Root}; device {device.type}, torch threads {torch.get_num_threads()}");
        Console.WriteLine($"library {d.Layout.Sim.Count:N0} depth maps (keys), {d.Test.Count:N0} test queries, {(2 * maxShift + 1) * (2 * maxShift + 1)} shifts, chunk bound {chunkMiB} MiB");
        Console.WriteLine($"search products (A x B^T): {Torch.OpenBlas.Status}");
        string cgRun = Path.IsPathRooted(cyclegan) ? cyclegan : Path.Combine(Paths.Runs, cyclegan);
        Func<int, ResnetGenerator>? genSimToReal = null, genRealToSim = null;
        if (File.Exists(Path.Combine(cgRun, "checkpoint", Checkpoint.StateFile)))
        {
            var (cgo, nets, epoch) = CycleGanTrainer.LoadNets(cgRun);
            genSimToReal = c => nets(c).GenSimToReal;
            genRealToSim = c => nets(c).GenRealToSim;
            Console.WriteLine($"GenSimToReal: {cgRun} epoch {epoch} (per case: {cgo.PerCase}, width {cgo.GenWidth}, {cgo.GenBlocks} blocks)");
        }
        else Console.WriteLine($"no {cgRun}: the library is restyled by an untrained generator of the default size (the timing is the same)");
        genSimToReal ??= Untrained();
        genRealToSim ??= genSimToReal;
        var testIdx = Enumerable.Range(0, d.Test.Count).ToList();
        int[] cases = d.TestCases ?? throw new InvalidOperationException("the benchmark needs the synthetic set's test cases (truth/)");
        var known = new KnownCases(cases);
        var opt = new RetrievalOptions
        {
            Search = "approx",
            ChunkMiB = chunkMiB,
            MaxShift = maxShift,
            ShiftBack = shiftBack,
            TopK = topK,
            SmoothSigma = smooth,
            Lists = lists,
            Probes = probes,
            Restyle = keys is "both" or "restyled",
            TranslateQueries = keys is "both" or "translated",
        };
        opt.Check();
        Console.WriteLine($"compared: {(perfectRestyle ? "perfect-restyle keys" : opt.Describe())}");

        double rss0 = Bench.RssMiB();
        var total = Stopwatch.StartNew();
        using var lib = perfectRestyle ? RetrievalLibrary.BuildPerfectRestyle(d, opt) : RetrievalLibrary.Build(d, genSimToReal, opt, genRealToSim: genRealToSim);
        if (perfectRestyle) Console.WriteLine("keys: the perfect restyle (real-domain physics, no noise; a ceiling)");
        var retrieval = new RetrievalPredictor("retrieval", lib, d, known);
        var rss = new List<double>();
        retrieval.ChunkDone = _ => rss.Add(Bench.RssMiB());
        var sw = Stopwatch.StartNew();
        var approx = retrieval.Search(d.Test, testIdx, "approx");
        double approxSeconds = sw.Elapsed.TotalSeconds;
        double endToEnd = total.Elapsed.TotalSeconds;
        Console.WriteLine($"restyle {lib.Count:N0} keys: {lib.RestyleSeconds:F1} s ({lib.Count / lib.RestyleSeconds:N0} images/s); " +
                          $"index (subspaces, lists) {lib.IndexSeconds:F1} s; approximate search of {testIdx.Count:N0} queries: {approxSeconds - lib.IndexSeconds:F1} s");
        Console.WriteLine($"END TO END (restyle + approximate search): {endToEnd:F1} s  (goal <= 180 s on the 2-core CPU)");

        var sample = testIdx.Take(recallQueries).ToList();
        sw.Restart();
        var exact = retrieval.Search(d.Test, sample, "exact");
        double exactSample = sw.Elapsed.TotalSeconds;
        int agree = Enumerable.Range(0, sample.Count).Count(q => exact[q][0].Key == approx[q][0].Key);
        Console.WriteLine($"recall@1 of approximate vs exact on {sample.Count:N0} queries: {100.0 * agree / sample.Count:F2}% (goal >= 99%)");
        Console.WriteLine($"exact search: {exactSample:F1} s for {sample.Count:N0} queries -> {exactSample * testIdx.Count / sample.Count:F0} s for all {testIdx.Count:N0} (extrapolated)");
        if (d.TestTruth is { } truth && d.TestLibrary is { } lib1)
        {
            var pred = topK > 1 ? retrieval.Predict(d.Test, testIdx) : new byte[testIdx.Count * Geometry.Pixels];
            if (topK == 1) for (int q = 0; q < testIdx.Count; q++) retrieval.Place(approx[q][0], pred.AsSpan(q * Geometry.Pixels, Geometry.Pixels));
            double rmse = Metrics.Rmse(pred, Batches.Gather(truth, testIdx));
            int reused = lib1.Count(i => i >= 0), hits = testIdx.Count(q => lib1[q] >= 0 && approx[q][0].Key == lib1[q]);
            Console.WriteLine($"test RMSE (true cases) {rmse:F2}; exact library map found for {hits:N0} of {reused:N0} reused holes");
            // how the true map scored against the winner, on up to 200 reused holes the search missed
            var missed = testIdx.Where(q => lib1[q] >= 0 && approx[q][0].Key != lib1[q]).Take(200).ToList();
            if (missed.Count > 0)
            {
                var trueCos = missed.Select(q => (double)retrieval.CosineWith(d.Test, q, cases[q], lib1[q])).ToList();
                var winCos = missed.Select(q => (double)approx[q][0].Cosine).ToList();
                var gap = missed.Select((q, j) => winCos[j] - trueCos[j]).ToList();
                var mapRmse = missed.Select(q => Metrics.Rmse(d.SimDepth[approx[q][0].Key], d.SimDepth[lib1[q]])).ToList();
                Console.WriteLine($"missed holes ({missed.Count} sampled): cosine of the winner median {Bench.Median(winCos):F4}, of the true map {Bench.Median(trueCos):F4}, " +
                                  $"gap median {Bench.Median(gap):F4}; RMSE between the winner's map and the true map median {Bench.Median(mapRmse):F2}");
            }
        }
        Console.WriteLine($"RSS MiB: before {rss0:F0}, per chunk first/median/last {rss.First():F0}/{rss.Order().ElementAt(rss.Count / 2):F0}/{rss.Last():F0}, peak (VmHWM) {PeakRssMiB():F0}");
        if (exactAll)
        {
            var (all, allTimes) = Timed(reps, () => retrieval.Search(d.Test, testIdx, "exact"));
            int agreeAll = Enumerable.Range(0, testIdx.Count).Count(q => all[q][0].Key == approx[q][0].Key);
            Console.WriteLine($"EXACT SEARCH of all {testIdx.Count:N0} queries x {lib.Count:N0} keys x {(2 * maxShift + 1) * (2 * maxShift + 1)} shifts ({(perfectRestyle ? "perfect restyle" : opt.Describe())}): median {Bench.Median(allTimes):F2} s " +
                              $"[{string.Join(", ", allTimes.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))}]; approximate top-1 agrees on {100.0 * agreeAll / testIdx.Count:F2}%");
        }

        // exact search, raw library (no restyling), side by side with PyTorch on the same cached images
        var raw = opt with { Restyle = false, TranslateQueries = false, SmoothSigma = 0, Search = "exact" }; // what the peer computes
        using var rawLib = RetrievalLibrary.Build(d, null, raw);
        var rawSearch = new RetrievalPredictor("raw", rawLib, d, known);
        var peerIdx = testIdx.Take(peerQueries).ToList();
        var (ours, times) = Timed(reps, () => rawSearch.Search(d.Test, peerIdx, "exact"));
        double med = Bench.Median(times);
        Console.WriteLine($"exact search, {peerIdx.Count:N0} queries x {d.Layout.Sim.Count / 4:N0} keys a case x {(2 * maxShift + 1) * (2 * maxShift + 1)} shifts: TorchSharp median {med:F2} s [{string.Join(", ", times.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))}]");
        if (Torch.OpenBlas.Available)
        {
            // the same search with libtorch's own matmul, to show what the BLAS is worth
            Torch.OpenBlas.Enabled = false;
            var (_, torchTimes) = Timed(reps, () => rawSearch.Search(d.Test, peerIdx, "exact"));
            Torch.OpenBlas.Enabled = null;
            Console.WriteLine($"  the same with libtorch's matmul instead of OpenBLAS: median {Bench.Median(torchTimes):F2} s [{string.Join(", ", torchTimes.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))}]");
        }
        var peer = PeerRetrieval(d, peerIdx.Count, cases, reps, chunkMiB, maxShift);
        if (peer is { } p)
        {
            double pm = p.GetProperty("median").GetDouble();
            var found = p.GetProperty("found").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            int same = Enumerable.Range(0, peerIdx.Count).Count(q => found[q] == ours[q][0].Key);
            Console.WriteLine($"  {p.GetProperty("peer").GetString()} (threads {p.GetProperty("threads").GetInt32()}) median {pm:F2} s; " +
                              $"ratio {pm / med:F2}x (goal >= 1.0x); same top-1 for {same} of {peerIdx.Count}");
            Bench.PrintPeerBlas(p);
        }
        return 0;
    }

    /// <summary>One warm-up call, then <paramref name="reps"/> timed calls: the last result and the seconds of each.</summary>
    static (T Last, List<double> Seconds) Timed<T>(int reps, Func<T> work)
    {
        T last = work();
        var seconds = new List<double>();
        for (int r = 0; r < reps; r++)
        {
            var sw = Stopwatch.StartNew();
            last = work();
            seconds.Add(sw.Elapsed.TotalSeconds);
        }
        return (last, seconds);
    }

    static JsonElement? PeerRetrieval(SemData d, int queries, int[] testCases, int reps, int chunkMiB, int maxShift)
    {
        string simCache = Path.Combine(d.CacheDir, "sim-sem.u8"), testCache = Path.Combine(d.CacheDir, "test.u8");
        // the case lists go through files: the full preset's 86,652 cases are too long for a command line
        string simCases = Path.GetTempFileName(), qCases = Path.GetTempFileName();
        File.WriteAllText(simCases, string.Join(",", d.Layout.Sim.Select(p => p.Case)));
        File.WriteAllText(qCases, string.Join(",", testCases.Take(queries)));
        try
        {
            return Bench.PeerJson("retrieval", "--sem", simCache, "--real", testCache, "--queries", queries.ToString(CultureInfo.InvariantCulture),
                "--cases", "@" + simCases, "--query-cases", "@" + qCases, "--reps", reps.ToString(CultureInfo.InvariantCulture),
            "--chunk-mib", chunkMiB.ToString(CultureInfo.InvariantCulture), "--shift", maxShift.ToString(CultureInfo.InvariantCulture),
                "--threads", torch.get_num_threads().ToString(CultureInfo.InvariantCulture)); // the same thread count on both sides
        }
        finally { File.Delete(simCases); File.Delete(qCases); }
    }

    static Func<int, ResnetGenerator> Untrained()
    {
        var nets = CycleGanOptions.Default.CreateNets();
        nets.to(Torch.TorchDevice.Current);
        nets.eval();
        return _ => nets.GenSimToReal;
    }

    sealed class KnownCases(int[] cases) : ICasePredictor
    {
        public int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx) => idx.Select(i => cases[i]).ToArray();
    }
}
