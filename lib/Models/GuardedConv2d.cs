using SemDepth.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemDepth.Models;

/// <summary>
/// <c>Conv2d</c> through <see cref="OneDnn.Conv2d"/>: right input gradients on CPUs where oneDNN's are
/// wrong for output counts off its 16-channel block (the probe decides; elsewhere the plain call).
/// Same initialisation (it draws a <c>Conv2d</c>'s weights), parameter names and shapes as
/// <c>Conv2d</c>, so seeded runs and checkpoints are unchanged.
/// </summary>
public sealed class GuardedConv2d : Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter? bias;
    readonly long[] _stride,
        _padding,
        _dilation = [1, 1];

    public GuardedConv2d(
        long inChannels,
        long outChannels,
        long kernel,
        long stride = 1,
        long padding = 0,
        bool bias = true
    )
        : this(inChannels, outChannels, kernel, kernel, stride, padding, bias) { }

    public GuardedConv2d(
        long inChannels,
        long outChannels,
        long kernelH,
        long kernelW,
        long stride,
        long padding,
        bool bias
    )
        : base(nameof(GuardedConv2d))
    {
        _stride = [stride, stride];
        _padding = [padding, padding];
        using var reference = Conv2d(
            inChannels,
            outChannels,
            (kernelH, kernelW),
            (stride, stride),
            (padding, padding),
            bias: bias
        );
        weight = Parameter(reference.weight!.detach().clone()); // (out, in, kh, kw)
        this.bias = bias ? Parameter(reference.bias!.detach().clone()) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => OneDnn.Conv2d(x, weight, bias, _stride, _padding, _dilation);
}
