using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SemDepth.Data;
using SemDepth.Models;
using SemDepth.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Cli;

/// <summary>`semdepth bench ae`: AE training beside the PyTorch peer.</summary>
static partial class Bench
{
    /// <summary>AE training images/s with loading on and off, side by side with PyTorch; RSS per epoch.</summary>
    public static int Ae(SemData d, int batches, int reps, int rssEpochs)
    {
        var device = Torch.TorchDevice.Current;
        _ = d.SimSem;
        _ = d.SimDepth; // the cache files the peer reads too
        Console.WriteLine(
            $"AE training speed: batch 128, {batches} batches a repetition, median of {reps} after a "
                + $"warm-up; torch threads {torch.get_num_threads()}, device {device.type}"
        );
        Console.WriteLine($"data: {d.DataSet.Root} ({d.SimSem.Count:N0} simulated SEM)");
        var idx = Batches.Shuffled(Enumerable.Range(0, d.SimSem.Count).ToArray(), 41, 1);
        var results = new Dictionary<string, double>();
        foreach (
            var (loading, optimizer) in new[]
            {
                (true, AdamImpl.MultiTensor),
                (false, AdamImpl.MultiTensor),
                (false, AdamImpl.TorchSharp),
            }
        )
        {
            var rates = AeRates(d, idx, loading, optimizer, batches, reps);
            string key = loading ? "on" : "off";
            if (optimizer == AdamImpl.TorchSharp)
            {
                Console.WriteLine(
                    $"TorchSharp 0.107  loading {key, -3}: median {Median(rates), 7:F0} images/s   "
                        + $"[{Rates(rates)}] with TorchSharp's per-parameter Adam "
                        + $"(multi-tensor Adam: {results["torchsharp-off"] / Median(rates):F2}x of it)"
                );
                continue;
            }
            results["torchsharp-" + key] = Median(rates);
            Console.WriteLine(
                $"TorchSharp 0.107  loading {key, -3}: median {Median(rates), 7:F0} images/s   "
                    + $"[{Rates(rates)}] (multi-tensor Adam)"
            );
        }
        var peerSeen = AePeer(d, batches, reps, results);
        foreach (string key in new[] { "on", "off" })
            if (results.TryGetValue("pytorch-" + key, out double py))
                Console.WriteLine(
                    $"ratio TorchSharp / PyTorch, loading {key}: {results["torchsharp-" + key] / py:F2}x (goal >= 1.3x)"
                );
        if (peerSeen is { } ps)
            PrintPeerBlas(ps);
        Console.WriteLine(
            $"loading cost in TorchSharp: "
                + $"{(1 - results["torchsharp-on"] / results["torchsharp-off"]) * 100:F1}% of the rate"
        );

        if (rssEpochs > 0)
            AeRss(d, rssEpochs);
        return 0;
    }

    /// <summary>AE training images/s of each repetition after a warm-up: with batch loading or on one batch, with
    /// the multi-tensor or TorchSharp's Adam.</summary>
    static List<double> AeRates(SemData d, int[] idx, bool loading, AdamImpl optimizer, int batches, int reps)
    {
        var device = Torch.TorchDevice.Current;
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
                    for (int k = 0; k < 128; k++)
                        tIdx[k] = s[k] / 2;
                    Batches.Fill(d.SimSem, s, PixelScale.Unit, default, xs);
                    Batches.Fill(d.SimDepth, tIdx, PixelScale.Unit, default, ys);
                }
                var x = device.type == DeviceType.CPU ? xs : xs.to(device);
                var y = device.type == DeviceType.CPU ? ys : ys.to(device);
                opt.zero_grad();
                var loss = nn.functional.l1_loss(model.forward(x), y);
                loss.backward();
                opt.step();
                if (b == batches - 1)
                    _ = loss.item<float>(); // wait for the device
            }
            if (rep > 0)
                rates.Add(128.0 * batches / sw.Elapsed.TotalSeconds);
        }
        return rates;
    }

    /// <summary>The PyTorch peer's AE rates with loading on and off, into <paramref name="results"/>; the last
    /// peer report (its BLAS), or null without a peer.</summary>
    static JsonElement? AePeer(SemData d, int batches, int reps, Dictionary<string, double> results)
    {
        JsonElement? peerSeen = null;
        foreach (string key in new[] { "on", "off" })
        {
            var peer = Peer(
                "ae",
                "--sem",
                Path.Combine(d.CacheDir, "sim-sem.u8"),
                "--depth",
                Path.Combine(d.CacheDir, "sim-depth.u8"),
                "--batches",
                batches.ToString(CultureInfo.InvariantCulture),
                "--reps",
                reps.ToString(CultureInfo.InvariantCulture),
                "--loading",
                key,
                "--threads",
                torch.get_num_threads().ToString(CultureInfo.InvariantCulture)
            );
            if (peer is not { } pe)
                continue;
            peerSeen = pe;
            double med = pe.GetProperty("median").GetDouble();
            results["pytorch-" + key] = med;
            var list = pe.GetProperty("images_per_s").EnumerateArray().Select(v => v.GetDouble()).ToList();
            Console.WriteLine(
                $"{pe.GetProperty("peer").GetString(), -17} loading {key, -3}: median {med, 7:F0} images/s   "
                    + $"[{Rates(list)}]"
            );
        }
        return peerSeen;
    }

    /// <summary>Resident memory after each of <paramref name="rssEpochs"/> epochs of DepthTrainer.</summary>
    static void AeRss(SemData d, int rssEpochs)
    {
        Console.WriteLine(
            $"resident memory across {rssEpochs} epochs of DepthTrainer (every batch in a dispose scope):"
        );
        var rss = new List<double>();
        using var t = new DepthTrainer(DepthOptions.Default with { Name = "bench-rss", Epochs = rssEpochs }, d);
        t.Fit(
            new Progress(p =>
            {
                if (p.Finished is not null)
                {
                    GC.Collect();
                    rss.Add(RssMiB());
                }
            })
        );
        for (int e = 0; e < rss.Count; e++)
            Console.WriteLine($"  after epoch {e + 1}: {rss[e]:F0} MiB");
        if (rss.Count >= 3)
            Console.WriteLine($"  growth after epoch 2: {(rss[^1] / rss[1] - 1) * 100:F1}% (goal < 5%)");
    }
}
