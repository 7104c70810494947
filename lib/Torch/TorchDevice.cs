using SemDepth.Workspace;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Torch;

/// <summary>The one place that picks the compute device. Every model and batch follows <see cref="Current"/>.</summary>
public static class TorchDevice
{
    static Device? _current;

    /// <summary>
    /// CUDA when available, else CPU. <c>SEMDEPTH_DEVICE=cpu</c> or <c>cuda</c> forces one
    /// (forcing cuda on a machine without it is an error, not a silent fallback).
    /// </summary>
    public static Device Current => _current ??= Pick(Settings.Current.Device);

    /// <summary>Overrides the device for this process (tests, notebooks comparing devices).</summary>
    public static void Use(Device device) => _current = device;

    public static Device Pick(DeviceChoice choice)
    {
        TorchNatives.EnsureLoaded();
        switch (ModeNames.Defined(choice, "SEMDEPTH_DEVICE"))
        {
            case DeviceChoice.Cpu:
                return CPU;
            case DeviceChoice.Cuda:
                if (!CudaAvailable())
                    throw new InvalidOperationException(
                        "SEMDEPTH_DEVICE=cuda but CUDA is not available: build with -p:TorchBackend=cuda "
                            + "on a machine with an NVIDIA GPU and driver."
                    );
                return CUDA;
            default:
                return CudaAvailable() ? CUDA : CPU;
        }
    }

    static bool CudaAvailable()
    {
        try
        {
            // TorchSharp needs this before first CUDA use when hosted in .NET Interactive (TorchSharp #1491).
            torch.InitializeDeviceType(DeviceType.CUDA);
            return torch.cuda.is_available();
        }
        catch (Exception)
        {
            return false; // the CPU bundle has no CUDA backend
        }
    }

    /// <summary>Seeds torch's generator (and CUDA's when present) for reproducible runs.</summary>
    public static void Seed(long seed)
    {
        TorchNatives.EnsureLoaded();
        torch.manual_seed(seed);
        if (Current.type == DeviceType.CUDA)
            torch.cuda.manual_seed_all(seed);
    }
}
