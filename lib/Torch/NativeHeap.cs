using System.Runtime.InteropServices;
using SemDepth.Workspace;

namespace SemDepth.Torch;

/// <summary>
/// Keeps libtorch's large CPU buffers in the process heap instead of fresh memory maps (glibc only).
/// </summary>
/// <remarks>
/// <para><b>Why.</b> libtorch allocates every activation, im2col buffer and result with
/// <c>posix_memalign</c>. glibc serves a block above its mmap threshold (128 KiB at start, raised
/// only when such a block is freed, and never above 32 MiB) with a new <c>mmap</c> and unmaps it on
/// free, and returns the top of the heap to the system once 2x that threshold is free. A batch of 32
/// images through the CycleGAN generator allocates buffers of 1-16 MiB again and again, so every
/// batch page-faults and zeroes them anew (docs/performance.md has the measurements).</para>
/// <para><b>What.</b> <c>mallopt</c>: mmap threshold 32 MiB (glibc's maximum), no mmap for large
/// blocks at all (<c>M_MMAP_MAX</c> 0: blocks above the threshold come from the heap too) and trim
/// threshold 1 GiB (freed heap stays with the process, up to that much, so peak RSS is what the process
/// keeps). Blocks above 32 MiB are retrieval's search chunks (the shifted queries, 25 x 776 x 3,456
/// floats, 268 MB; the gathered candidates, 172 MB; a 256 MiB score block): mapped and faulted in anew for
/// every chunk they made the approximate search slower. A thread's own arena may still map a block larger than its
/// 64 MiB heap as a last resort;
/// glibc never fails an allocation for these settings. The PyTorch peer in <c>bench/peer.py</c> sets the
/// same three values. <c>SEMDEPTH_HEAP_TUNING=0</c> leaves glibc's defaults; other C libraries are left
/// alone.</para>
/// </remarks>
public static class NativeHeap
{
    /// <summary>mmap threshold set by <see cref="Tune"/> (glibc's upper limit for it on 64-bit).</summary>
    public const int MmapThreshold = 32 << 20;

    /// <summary>Trim threshold set by <see cref="Tune"/>.</summary>
    public const int TrimThreshold = 1 << 30;

    const int M_TRIM_THRESHOLD = -1,
        M_MMAP_THRESHOLD = -3,
        M_MMAP_MAX = -4;
    static readonly object Gate = new();
    static bool _done;

    /// <summary>What <see cref="Tune"/> did, for display.</summary>
    public static string Status { get; private set; } = "not tuned yet";

    /// <summary>Idempotent; safe on any OS. Called by <see cref="TorchNatives.EnsureLoaded"/>.</summary>
    public static void Tune()
    {
        lock (Gate)
        {
            if (_done)
                return;
            _done = true;
            Status = Apply();
        }
    }

    static string Apply()
    {
        if (!OperatingSystem.IsLinux())
            return "not Linux: allocator left as it is";
        if (!Settings.Current.HeapTuning)
            return "left at glibc's defaults (SEMDEPTH_HEAP_TUNING=0)";
        try
        {
            bool ok = MallOpt(M_MMAP_THRESHOLD, MmapThreshold) == 1 & MallOpt(M_TRIM_THRESHOLD, TrimThreshold) == 1;
            if (!ok)
                return "mallopt refused the settings: glibc defaults";
            bool noMmap = MallOpt(M_MMAP_MAX, 0) == 1;
            return $"glibc mmap threshold {MmapThreshold >> 20} "
                + $"MiB{(noMmap ? " (no mmap: large blocks from the heap)" : "")}, trim threshold "
                + $"{TrimThreshold >> 20} MiB";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return "no glibc mallopt (another C library): allocator left as it is";
        }
    }

    /// <summary>Hands the heap's free pages back to the system (glibc's <c>malloc_trim</c>): between the main job's
    /// notebooks, which share one process, so that what one notebook freed is not counted against the next. Returns the
    /// resident bytes it released (0 where there is no glibc).</summary>
    public static long Trim()
    {
        if (!OperatingSystem.IsLinux())
            return 0;
        long before = Environment.WorkingSet;
        try
        {
            MallocTrim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return 0;
        }
        return Math.Max(0, before - Environment.WorkingSet);
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int MallOpt(int param, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);
}
