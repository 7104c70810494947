using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Torch;

/// <summary>
/// Sums of tensors with an alpha Scalar that stays alive through the call. TorchSharp 0.107's <c>a + b</c> calls
/// <c>add(b)</c>, which passes libtorch an alpha of 1 made by an implicit conversion and kept by no one, so a
/// collection on another thread can finalize it while libtorch reads it (its <c>sub</c> takes no alpha: <c>a - b</c>
/// is safe, but <c>s - a</c> with a Scalar first adds). docs/dependencies.md, "TorchSharp's Scalars";
/// ScalarLifetimeTests reads the library's IL for such calls, through TorchSharp's own.
/// </summary>
public static class TensorArithmetic
{
    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b)
    {
        using Scalar one = 1;
        return a.add(b, one);
    }

    /// <summary><paramref name="a"/> + <paramref name="b"/> (a Scalar the caller keeps).</summary>
    public static Tensor Plus(this Tensor a, Scalar b)
    {
        using Scalar one = 1;
        return a.add(b, one);
    }
}
