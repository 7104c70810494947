using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>A training run stopped by a non-finite loss or gradient: one line naming the run, epoch,
/// step and term; the run's last checkpoint is the one saved before that epoch.</summary>
public sealed class NonFiniteTrainingException(string message) : InvalidOperationException(message);

/// <summary>
/// Watches a run's loss terms and gradients for NaN and infinity on the device, without a host read per
/// step: each observation folds "is this value finite" into one flag tensor (a few scalar kernels); the
/// flag is read back only at <see cref="Check"/>, which trainers call with each progress line and before
/// each checkpoint save, so a bad epoch never overwrites the last good checkpoint.
/// </summary>
public sealed class FiniteGuard(string run) : IDisposable
{
    readonly List<string> _terms = [];
    Tensor? _first; // int64 scalar: code of the first non-finite observation, or -1
    int _epoch;

    /// <summary>Observations per step with distinct codes (terms beyond it share the last code).</summary>
    const long TermsPerStep = 64;

    /// <summary>Starts counting steps of <paramref name="epoch"/>.</summary>
    public void StartEpoch(int epoch) => _epoch = epoch;

    /// <summary>Notes <paramref name="value"/> (a loss term; any shape) of step <paramref name="step"/>.</summary>
    public void Observe(int step, string term, Tensor value)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        int t = _terms.IndexOf(term);
        if (t < 0)
        {
            _terms.Add(term);
            t = _terms.Count - 1;
        }
        long code = step * TermsPerStep + Math.Min(t, TermsPerStep - 1);
        using Scalar none = -1L,
            zero = 0,
            at = code; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        var bad = value.detach().isfinite().all().logical_not();
        if (_first is null)
            _first = torch.full([], none, ScalarType.Int64, value.device).DetachFromDisposeScope();
        var fresh = bad.logical_and(_first.lt(zero));
        _first.masked_fill_(fresh, at);
    }

    /// <summary>Notes the gradients of <paramref name="parameters"/> as the term "gradient norm" (one
    /// reduction each; a trainer calls it on steps that report progress).</summary>
    public void ObserveGradients(int step, IEnumerable<Tensor> parameters)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var sums = parameters.Where(p => p.grad is not null).Select(p => p.grad!.sum()).ToList();
        if (sums.Count > 0)
            Observe(step, "gradient norm", torch.stack(sums));
    }

    /// <summary>One host read: throws <see cref="NonFiniteTrainingException"/> when anything observed was
    /// NaN or infinite.</summary>
    public void Check()
    {
        if (_first is null)
            return;
        long code = _first.item<long>();
        if (code < 0)
            return;
        long step = code / TermsPerStep;
        string term = _terms[(int)(code % TermsPerStep)];
        throw new NonFiniteTrainingException(
            $"run '{run}' stopped: {term} is not finite at epoch {_epoch}, step {step + 1}; "
                + (_epoch > 1 ? $"its checkpoint of epoch {_epoch - 1} is left as it was" : "no checkpoint was written")
        );
    }

    public void Dispose() => _first?.Dispose();
}
