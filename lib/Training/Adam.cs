using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemDepth.Training.MultiTensor;

/// <summary>
/// Multi-tensor Adam: every parameter, its gradient and both moment estimates are views of four flat
/// buffers, so a step is seven kernels over one buffer instead of about seven per parameter (TorchSharp's
/// Adam loops over parameters; PyTorch's default "foreach" Adam groups them). Same arithmetic in the same
/// order as TorchSharp's Adam, element by element, so the result is bit-identical on the CPU (a test
/// checks it over several steps). It is a TorchSharp <see cref="TorchSharp.Modules.Adam"/>: checkpoints,
/// learning-rate changes through <c>ParamGroups</c> and <c>save_state_dict</c>/<c>load_state_dict</c> work
/// unchanged, and state saved by either loads into the other (TorchSharp checks the optimizer's class name
/// when loading, hence the same name in its own namespace).
/// </summary>
/// <remarks>
/// Gradients are zeroed in the flat buffer (one kernel) rather than set to none: with gradients as views
/// of one buffer, autograd accumulates in place and nothing is allocated per step. One difference from
/// TorchSharp's Adam: a parameter that gets no gradient in a step is still updated from its moments (its
/// gradient reads as zero), as PyTorch's Adam does for a zero gradient; every network here gives every
/// parameter a gradient each step. Only plain Adam (no weight decay, AMSGrad or maximize) and one
/// parameter group on one device.
/// </remarks>
public sealed class Adam : TorchSharp.Modules.Adam
{
    readonly Tensor _params,
        _grads,
        _expAvg,
        _expAvgSq;
    readonly List<Parameter> _list;
    readonly double _beta1,
        _beta2,
        _eps;
    long _step;

    /// <summary>Flat Adam over <paramref name="parameters"/> (PyTorch's defaults: betas 0.9, 0.999, eps
    /// 1e-8).</summary>
    public Adam(
        IEnumerable<Parameter> parameters,
        double lr = 1e-3,
        double beta1 = 0.9,
        double beta2 = 0.999,
        double eps = 1e-8
    )
        : this(parameters.ToList(), lr, beta1, beta2, eps) { }

    Adam(List<Parameter> list, double lr, double beta1, double beta2, double eps)
        : base(list, lr, beta1, beta2, eps)
    {
        if (list.Count == 0)
            throw new ArgumentException("no parameters to optimise");
        if (list.Select(p => (p.device.type, p.device.index, p.dtype)).Distinct().Count() > 1)
            throw new ArgumentException("multi-tensor Adam needs every parameter on one device with one dtype");
        (_list, _beta1, _beta2, _eps) = (list, beta1, beta2, eps);
        long total = list.Sum(p => p.numel());
        var device = list[0].device;
        var dtype = list[0].dtype;
        _params = torch.empty(total, dtype: dtype, device: device).DetachFromDisposeScope();
        _grads = torch.zeros(total, dtype: dtype, device: device).DetachFromDisposeScope();
        _expAvg = torch.zeros(total, dtype: dtype, device: device).DetachFromDisposeScope();
        _expAvgSq = torch.zeros(total, dtype: dtype, device: device).DetachFromDisposeScope();
        using var noGrad = torch.no_grad();
        long offset = 0;
        foreach (var p in list)
        {
            long n = p.numel();
            var shape = p.shape;
            using (var slot = _params.narrow(0, offset, n))
                slot.copy_(p.detach().reshape(n));
            // the parameter, its gradient and its moments become views into the flat buffers
            p.set_(_params.narrow(0, offset, n).view(shape));
            p.grad = _grads.narrow(0, offset, n).view(shape);
            var state = (State)_state[p.Handle];
            state.exp_avg.Dispose();
            state.exp_avg_sq.Dispose();
            state.exp_avg = _expAvg.narrow(0, offset, n).view(shape).DetachFromDisposeScope();
            state.exp_avg_sq = _expAvgSq.narrow(0, offset, n).view(shape).DetachFromDisposeScope();
            offset += n;
        }
    }

    /// <summary>Adam by name: multi-tensor (this class) or torchsharp (TorchSharp's per-parameter Adam), same
    /// hyperparameters.</summary>
    public static optim.Optimizer Create(
        AdamImpl kind,
        IEnumerable<Parameter> parameters,
        double lr,
        double beta1 = 0.9,
        double beta2 = 0.999,
        double eps = 1e-8
    ) =>
        kind switch
        {
            AdamImpl.MultiTensor => new Adam(parameters, lr, beta1, beta2, eps),
            AdamImpl.TorchSharp => new TorchSharp.Modules.Adam(parameters, lr, beta1, beta2, eps),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown optimizer"),
        };

    /// <summary>Zeroes every gradient: one kernel over the flat gradient buffer.</summary>
    public override void zero_grad()
    {
        using var noGrad = torch.no_grad();
        _grads.zero_();
    }

    /// <summary>One Adam step over the flat buffers.</summary>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        Tensor? loss = null;
        if (closure is not null)
        {
            using var enable = torch.enable_grad();
            loss = closure();
        }
        double lr = ParamGroups.First().LearningRate;
        // the step count lives in each parameter's state too, so that saved state reads like TorchSharp's
        _step = ((State)_state[_list[0].Handle]).step + 1;
        foreach (var p in _list)
            ((State)_state[p.Handle]).step = _step;
        double bc1 = 1 - Math.Pow(_beta1, _step),
            bc2 = 1 - Math.Pow(_beta2, _step);
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
            using Scalar beta1 = _beta1,
                rest1 = 1 - _beta1,
                beta2 = _beta2,
                rest2 = 1 - _beta2;
            using Scalar root2 = Math.Sqrt(bc2),
                eps = _eps,
                stepSize = -(lr / bc1),
                one = 1;
            _expAvg.mul_(beta1).add_(_grads, alpha: rest1);
            _expAvgSq.mul_(beta2).addcmul_(_grads, _grads, value: rest2);
            var denom = (_expAvgSq.sqrt() / root2).add_(eps, one);
            _params.addcdiv_(_expAvg, denom, value: stepSize);
        }
        return loss!;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing); // disposes the per-parameter views of the moments
        if (disposing)
        {
            _params.Dispose();
            _grads.Dispose();
            _expAvg.Dispose();
            _expAvgSq.Dispose();
        }
    }
}
