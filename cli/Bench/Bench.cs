using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SemDepth.Training;
using SemDepth.Workspace;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Cli;

/// <summary>
/// Training-speed benchmarks with the Python peer side by side (bench/peer.py on Debian's python3-torch, installed by
/// bench/setup.sh; SEMDEPTH_PEER_PYTHON picks another python with torch), on the same cached images, the same batch
/// sizes and thread count. All figures are medians of several repetitions after a warm-up one.
/// </summary>
static partial class Bench
{
    internal static double Median(List<double> v)
    {
        v.Sort();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    static string Rates(List<double> v) =>
        string.Join(", ", v.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)));

    internal static double RssMiB()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64 / 1048576.0;
    }

    /// <summary>Runs the Python peer; null (with the reason printed) when it cannot run.</summary>
    internal static JsonElement? PeerJson(params string[] args) => Peer(args);

    static JsonElement? Peer(params string[] args)
    {
        var (code, o, e) = Python(
            "peer.py",
            [.. args, "--device", Torch.TorchDevice.Current.type == DeviceType.CUDA ? "cuda" : "cpu"]
        ); // the peer runs where TorchSharp runs
        if (code is null)
            return null;
        if (code != 0)
        {
            Console.WriteLine($"python peer failed: {e.Trim()}");
            return null;
        }
        return JsonDocument.Parse(o.Trim().Split('\n')[^1]).RootElement;
    }

    /// <summary>Runs bench/<paramref name="script"/> with the peer's Python (bench/setup.sh installs it when
    /// missing; SEMDEPTH_PEER_PYTHON chooses another). Exit code null (reason printed) when it cannot run.</summary>
    internal static (int? Code, string Out, string Err) Python(string script, IEnumerable<string> args)
    {
        string repo = Paths.Root;
        var setup = Process.Start(
            new ProcessStartInfo("bash", [Path.Combine(repo, "bench", "setup.sh")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }
        )!;
        setup.WaitForExit(); // bench/setup.sh honours SEMDEPTH_PEER_PYTHON too
        if (setup.ExitCode != 0)
        {
            Console.WriteLine(
                $"python peer unavailable: bench/setup.sh failed: {setup.StandardError.ReadToEnd().Trim()}"
            );
            return (null, "", "");
        }
        var psi = PeerStart(script, args);
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Console.WriteLine($"python peer unavailable: {psi.FileName}: {ex.Message}");
            return (null, "", "");
        }
        using var _ = p;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, so.Result, se.Result);
    }

    /// <summary>bench/<paramref name="script"/> under the peer's Python (SEMDEPTH_PEER_PYTHON, else Debian's), its
    /// output read by the caller.</summary>
    internal static ProcessStartInfo PeerStart(string script, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(SemDepth.Workspace.Settings.Current.PeerPython)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Path.Combine(Paths.Root, "bench", script));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>The peer's BLAS beside its ratio: the libraries its process mapped and torch's build config
    /// lines.</summary>
    public static void PrintPeerBlas(JsonElement peer)
    {
        static string List(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) ? string.Join("; ", v.EnumerateArray().Select(x => x.GetString())) : "?";
        Console.WriteLine($"  peer BLAS loaded: {List(peer, "blas_libraries_loaded")}");
        // torch's build line is long: keep what names the BLAS
        var config = List(peer, "config_blas")
            .Split([',', ';'], StringSplitOptions.TrimEntries)
            .Where(t =>
                t.Contains("BLAS_INFO=", StringComparison.Ordinal)
                || t.StartsWith("USE_MKLDNN", StringComparison.Ordinal)
            )
            .Select(t =>
                t[
                    t.IndexOf(
                        t.Contains("BLAS_INFO=", StringComparison.Ordinal)
                            ? (t.Contains("LAPACK_INFO=", StringComparison.Ordinal) ? "LAPACK_INFO=" : "BLAS_INFO=")
                            : "USE_MKLDNN",
                        StringComparison.Ordinal
                    )..
                ]
            );
        Console.WriteLine(
            $"  peer torch build: {string.Join(", ", config)} (the generic BLAS_INFO resolves to the libraries above)"
        );
        Console.WriteLine(
            $"  heap: peer {(peer.TryGetProperty("heap", out var heap) ? heap.GetString() : "?")}; TorchSharp "
                + $"{Torch.NativeHeap.Status}"
        );
        if (peer.TryGetProperty("gpu", out var gpu))
            Console.WriteLine(
                $"  peer GPU {gpu.GetString()}: matmul allow_tf32 {peer.GetProperty("matmul_allow_tf32")}, "
                    + $"cudnn allow_tf32 {peer.GetProperty("cudnn_allow_tf32")}, "
                    + $"float32 matmul precision {peer.GetProperty("float32_matmul_precision").GetString()}; "
                    + $"TorchSharp: matmul allow_tf32 {torch.backends.cuda.matmul.allow_tf32}, "
                    + $"cudnn allow_tf32 {torch.backends.cudnn.allow_tf32}"
            );
    }

    /// <summary>float32 2048x2048 matmul, median of 5, GFLOP/s.</summary>
    static double MatmulGflops(Device device)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.rand(2048, 2048, device: device);
        var b = torch.rand(2048, 2048, device: device);
        var r = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            var sw = Stopwatch.StartNew();
            _ = torch.matmul(a, b).sum().item<float>();
            if (i > 0)
                r.Add(2.0 * 2048 * 2048 * 2048 / sw.Elapsed.TotalSeconds / 1e9);
        }
        return Median(r);
    }

    static double Conv(long cin, long cout, int k, long pixels) => 2.0 * cin * cout * k * k * pixels;

    sealed class Progress(Action<TrainProgress> a) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress p) => a(p);
    }
}
