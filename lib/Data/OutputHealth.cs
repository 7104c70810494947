using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Data;

/// <summary>
/// Counts the non-finite values (NaN, infinity) a method's networks produced before they became bytes,
/// where a NaN would otherwise turn into an ordinary-looking depth. Thread-safe; one per predictor.
/// </summary>
public sealed class OutputHealth
{
    /// <summary>How many times the constant mean map's error a method may reach before it is marked suspect.</summary>
    public const double SuspectFactor = 2;

    long _nonFinite,
        _values;

    /// <summary>Non-finite values seen so far.</summary>
    public long NonFinite => Interlocked.Read(ref _nonFinite);

    /// <summary>Values seen so far.</summary>
    public long Values => Interlocked.Read(ref _values);

    /// <summary>Counts the non-finite values of <paramref name="t"/> (one reduction and one read).</summary>
    public void Add(Tensor t)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        long bad = t.isfinite().logical_not().sum().item<long>();
        Interlocked.Add(ref _nonFinite, bad);
        Interlocked.Add(ref _values, t.numel());
    }

    /// <summary>"N of M outputs non-finite" when any, else null.</summary>
    public string? Problem =>
        NonFinite == 0
            ? null
            : $"{NonFinite:N0} of {Values:N0} float outputs were NaN or infinite (before the conversion to bytes)";
}
