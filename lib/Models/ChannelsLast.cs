using SemDepth.Workspace;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Models;

/// <summary>
/// Channels-last batches on the CPU. libtorch's max pooling on a (N, C, H, W) contiguous batch is a scalar loop
/// (12.7 ms forward for 64 x 16 x 72 x 48 on the 2-core AVX2 EPYC, 1.6 ms channels-last), and once a batch is
/// channels-last oneDNN's convolutions, BatchNorm, ReLU and pooling keep it so: no layout changes inside the net.
/// <c>SEMDEPTH_CHANNELS_LAST=0</c> keeps the old layout (docs/benchmarks.md has both).
/// </summary>
public static class ChannelsLast
{
    /// <summary>
    /// <paramref name="x"/> (N, C, H, W) with channels-last strides where it runs on the CPU, else as it is. A
    /// one-channel batch is the same memory in both layouts, so it only gets the strides that say so (no copy):
    /// libtorch reads a contiguous one-channel batch as channels-first, and the first convolution would pass that on.
    /// </summary>
    public static Tensor Of(Tensor x)
    {
        if (!Settings.Current.ChannelsLast || x.device_type != DeviceType.CPU || x.dim() != 4)
            return x;
        var s = x.shape;
        if (s[1] != 1)
            return x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        var c = x.contiguous(); // a view keeps its offset into the storage (a batch cut from a larger one)
        return c.as_strided(s, [s[2] * s[3], 1, s[3], 1], c.storage_offset());
    }
}
