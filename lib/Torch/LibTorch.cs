using System.Runtime.InteropServices;
using SemDepth.Workspace;

namespace SemDepth.Torch;

/// <summary>
/// libtorch's own C++ exports that TorchSharp does not wrap (the oneDNN switch, NNPACK's availability,
/// the C++ log level), looked up in the libraries already loaded.
/// </summary>
public static class LibTorch
{
    /// <summary>The address of <paramref name="symbol"/> in <paramref name="library"/> (a soname already
    /// loaded by <see cref="TorchNatives.EnsureLoaded"/>); throws naming both when it is not there.</summary>
    public static IntPtr Export(string library, string symbol)
    {
        TorchNatives.EnsureLoaded();
        if (
            NativeLibrary.TryLoad(library, out var handle)
            && NativeLibrary.TryGetExport(handle, symbol, out var address)
        )
            return address;
        throw new InvalidOperationException(
            $"{library} has no export {symbol}: this libtorch is not the one the workspace knows"
        );
    }

    /// <summary>Whether NNPACK initialises on this CPU (<c>at::native::_nnpack_available</c>).</summary>
    public static unsafe bool NnpackAvailable()
    {
        var f = (delegate* unmanaged<byte>)Export("libtorch_cpu.so", "_ZN2at6native17_nnpack_availableEv");
        return f() != 0;
    }

    /// <summary>
    /// libtorch's C++ log threshold (c10's <c>FLAGS_caffe2_log_level</c>: 0 info, 1 warning, 2 error).
    /// Where NNPACK does not initialise, libtorch logs "Could not initialize NNPACK! Reason: Unsupported
    /// hardware" as a warning on every convolution it plans; <see cref="QuietNnpack"/> says it once instead.
    /// </summary>
    public static int LogLevel
    {
        get => Marshal.ReadInt32(Export("libc10.so", "FLAGS_caffe2_log_level"));
        set => Marshal.WriteInt32(Export("libc10.so", "FLAGS_caffe2_log_level"), value);
    }

    static string? _nnpack;

    /// <summary>
    /// Checks NNPACK once with libtorch's C++ warnings held back; where it is unavailable the warnings stay
    /// held back (libtorch would repeat that one on every convolution) unless <c>SEMDEPTH_TORCH_LOG=warning</c>.
    /// Returns the one line to show in doctor and the notebooks' setup summary.
    /// </summary>
    public static string QuietNnpack()
    {
        if (_nnpack is not null)
            return _nnpack;
        try
        {
            int level = LogLevel;
            LogLevel = Math.Max(level, 2);
            bool available = NnpackAvailable();
            bool keepWarnings = Settings.Current.TorchWarnings;
            if (available || keepWarnings)
                LogLevel = level;
            return _nnpack = available
                ? "NNPACK available"
                : "NNPACK unavailable on this CPU (libtorch's \"Could not initialize NNPACK\" warning, "
                    + "repeated on every "
                    + (
                        keepWarnings
                            ? "convolution, is kept: SEMDEPTH_TORCH_LOG=warning)"
                            : "convolution, is said here once; its C++ warnings are off)"
                    );
        }
        catch (InvalidOperationException e)
        {
            return _nnpack = $"NNPACK not checked: {e.Message}";
        }
    }
}
