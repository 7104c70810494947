using System.Diagnostics;
using SemDepth.Torch;
using TorchSharp;

namespace SemDepth.Diagnostics;

/// <summary>
/// <c>semdepth doctor</c> and the notebooks' setup line: what this machine computes with (CPU and its
/// SIMD flags, libtorch and TorchSharp, BLAS, threads, heap, device, what the library switched) and
/// whether every layer the networks use computes the right numbers here (<see cref="LayerCheck"/>).
/// </summary>
public static class Doctor
{
    /// <summary>The environment, one "name  value" line each.</summary>
    public static List<string> Environment()
    {
        TorchNatives.EnsureLoaded();
        var (model, flags) = LayerCheck.Cpu();
        return
        [
            $"cpu       {model}",
            $"simd      {flags}",
            $"libtorch  {LibTorchLocation()}",
            $"torchsharp {typeof(torch).Assembly.GetName().Version}",
            $"natives   {TorchNatives.Status}",
            $"device    {TorchDevice.Current}",
            $"threads   {torch.get_num_threads()} (torch intra-op)",
            $"blas      {OpenBlas.Status}",
            $"heap      {NativeHeap.Status}",
            $"onednn    {OneDnn.Status}",
            $"nnpack    {TorchNatives.Nnpack}",
        ];
    }

    /// <summary>The folder libtorch_cpu.so was loaded from (its package version is in the path).</summary>
    static string LibTorchLocation()
    {
        try
        {
            string? line = File.ReadLines("/proc/self/maps").FirstOrDefault(l => l.EndsWith("/libtorch_cpu.so"));
            return line is null
                ? "libtorch_cpu.so (location unknown)"
                : Path.GetDirectoryName(line[line.IndexOf('/')..])!;
        }
        catch (IOException)
        {
            return "libtorch_cpu.so (no /proc/self/maps)";
        }
    }

    static string? _verdict;

    /// <summary>Every check once per process (a few seconds), summed up in one line.</summary>
    public static string Verdict()
    {
        if (_verdict is not null)
            return _verdict;
        var sw = Stopwatch.StartNew();
        var results = LayerCheck.RunAll();
        var failed = results.Where(r => !r.Passed).ToList();
        return _verdict =
            failed.Count == 0
                ? $"all {results.Count} layer and product checks right in float32 "
                    + $"({sw.Elapsed.TotalSeconds:F1} s; semdepth doctor lists them)"
                : $"WRONG NUMBERS: {failed.Count} of {results.Count} checks failed, first: "
                    + $"{failed[0].Name}: {failed[0].Detail} (semdepth doctor lists them)";
    }
}
