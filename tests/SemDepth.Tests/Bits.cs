using static TorchSharp.torch;

namespace SemDepth.Tests;

/// <summary>Bitwise tensor comparison (TorchSharp's torch.equal compares element by element).</summary>
public static class Bits
{
    /// <summary>Same shape, same dtype and every element equal.</summary>
    public static bool Same(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && (a.numel() == 0 || a.eq(b).all().item<bool>());
}
