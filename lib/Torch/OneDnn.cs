using SemDepth.Workspace;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Torch;

/// <summary>
/// Keeps convolution gradients right on CPUs where libtorch's oneDNN (mkldnn) backward-data kernel is
/// wrong, and says once what it switched.
/// </summary>
/// <remarks>
/// <para><b>The fault.</b> On some AVX-512 CPUs (seen on an AMD EPYC of cpu family 26), TorchSharp 0.107's
/// libtorch 2.10 computes the float32 input gradient of <c>conv2d</c> wrongly (NaN, or errors of the
/// order of the gradient itself, varying from call to call) whenever the output-channel count is not a
/// multiple of 16, the AVX-512 float block; forward outputs, weight gradients, 1x1 convolutions and
/// transposed convolutions are right. docs/performance.md has the measurements.</para>
/// <para><b>The route around it.</b> <see cref="Probe"/> runs once per process, on the CPU: a few small
/// convolutions to 1, 2, 3 and 7 channels, their input gradients against float64. Where any is wrong,
/// <see cref="Conv2d"/> gives a convolution whose input gradient is needed zero output channels up to a
/// multiple of 16 (16 channels is a shape the faulty kernel gets right) and slices them off again: same
/// values and gradients, oneDNN's speed kept for every layer. The padded route is probed too; should it
/// also be wrong, oneDNN is switched off for the whole process (right, but several times slower).
/// Where the probe finds nothing wrong, nothing is switched. <c>SEMDEPTH_ONEDNN=off</c> forces oneDNN
/// off, <c>=on</c> skips the probe and the route (to measure the fault).</para>
/// </remarks>
public static class OneDnn
{
    /// <summary>The output-channel multiple the padded route rounds up to (the AVX-512 float block).</summary>
    public const long Block = 16;

    static readonly object Gate = new();
    static bool _probed;
    static bool _padSmallOutputs;
    static string _status = "not probed yet";

    /// <summary>Whether convolutions whose input gradient is needed pad their outputs to <see cref="Block"/>.</summary>
    public static bool PadSmallOutputs
    {
        get
        {
            Probe();
            return _padOverride ?? _padSmallOutputs;
        }
    }

    /// <summary>One line: what the probe found and what was switched.</summary>
    public static string Status
    {
        get
        {
            Probe();
            return _status;
        }
    }

    /// <summary>The worst relative error of the probe's input gradients, before any switch (NaN when a
    /// gradient held NaN), and the worst after it.</summary>
    public static (double Before, double After) ProbeErrors { get; private set; } = (0, 0);

    /// <summary>Probes once (idempotent, thread-safe); the route and <see cref="Status"/> follow from it.</summary>
    public static void Probe()
    {
        if (_probed)
            return;
        lock (Gate)
        {
            if (_probed)
                return;
            TorchNatives.EnsureLoaded();
            var mode = Settings.Current.OneDnn;
            try
            {
                if (mode == OneDnnMode.Off)
                {
                    SetEnabled(false);
                    _status = "oneDNN off (SEMDEPTH_ONEDNN=off)";
                }
                else if (mode == OneDnnMode.On)
                    _status = "oneDNN on, not probed (SEMDEPTH_ONEDNN=on): convolution gradients unchecked";
                else
                    Decide();
            }
            catch (InvalidOperationException e)
            {
                // libtorch's switch not reachable (another platform's library names): nothing is switched
                _status = $"oneDNN not probed: {e.Message}";
            }
            finally
            {
                _probed = true;
            }
        }
    }

    static void Decide()
    {
        if (!Enabled())
        {
            _status = "oneDNN not in use: nothing to probe";
            return;
        }
        double before = WorstInputGradientError(pad: false);
        if (IsRight(before))
        {
            ProbeErrors = (before, before);
            _status =
                $"oneDNN convolutions right on this CPU (probe: max relative error {before:E1}): nothing switched";
            return;
        }
        double padded = WorstInputGradientError(pad: true);
        if (IsRight(padded))
        {
            _padSmallOutputs = true;
            ProbeErrors = (before, padded);
            _status =
                $"oneDNN's conv input gradient is wrong on this CPU for outputs not a multiple of {Block} "
                + $"(probe error {Describe(before)}): such convolutions pad their outputs to {Block} "
                + $"(probe error then {padded:E1})";
            return;
        }
        SetEnabled(false);
        double off = WorstInputGradientError(pad: false);
        ProbeErrors = (before, off);
        _status =
            $"oneDNN's conv input gradient is wrong on this CPU (probe error {Describe(before)}, padded "
            + $"{Describe(padded)}): oneDNN switched off for this process (probe error then {off:E1}; slower)";
    }

    static string Describe(double e) => double.IsNaN(e) ? "NaN" : e.ToString("E1");

    /// <summary>float32 against float64 at this relative tolerance.</summary>
    public const double Tolerance = 1e-4;

    static bool IsRight(double e) => !double.IsNaN(e) && e < Tolerance;

    // The probe: small output-channel counts at the kernel sizes the networks use, three calls each (the
    // fault reads memory it never wrote, so one call can come out right by chance).
    static readonly (long Ci, long Co, long Kh, long Kw)[] ProbeShapes =
    [
        (16, 1, 7, 7),
        (16, 7, 1, 7),
        (16, 2, 3, 3),
        (8, 3, 3, 3),
        (128, 1, 4, 4),
    ];

    static double WorstInputGradientError(bool pad)
    {
        using var scope = torch.NewDisposeScope();
        using var grad = torch.enable_grad();
        double worst = 0;
        var gen = new Generator(1234);
        foreach (var (ci, co, kh, kw) in ProbeShapes)
        {
            var x = torch.randn(new long[] { 4, ci, 20, 13 }, dtype: float64, generator: gen);
            using Scalar tenth = 0.1; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
            var w = torch.randn(new long[] { co, ci, kh, kw }, dtype: float64, generator: gen) * tenth;
            var b = torch.randn(new long[] { co }, dtype: float64, generator: gen);
            var ho = 20 - kh + 1;
            var wo = 13 - kw + 1;
            var up = torch.randn(new long[] { 4, co, ho, wo }, dtype: float64, generator: gen);
            var reference = InputGradient(x, w, b, up, pad: false);
            double scale = Math.Max(reference.abs().max().item<double>(), 1e-12);
            for (int rep = 0; rep < 3; rep++)
            {
                var got = InputGradient(x.to(float32), w.to(float32), b.to(float32), up.to(float32), pad);
                double e = (got.to(float64) - reference).abs().max().item<double>() / scale;
                if (double.IsNaN(e))
                    return double.NaN;
                worst = Math.Max(worst, e);
            }
        }
        return worst;
    }

    static Tensor InputGradient(Tensor x, Tensor w, Tensor b, Tensor upstream, bool pad)
    {
        var xs = x.detach().requires_grad_();
        var y = pad ? Padded(xs, w, b, [1, 1], [0, 0], [1, 1], 1) : nn.functional.conv2d(xs, w, b);
        return torch.autograd.grad([(y * upstream).sum()], [xs])[0];
    }

    /// <summary>
    /// <c>conv2d</c> with the route above: on the CPU, where the probe found the fault and the input
    /// gradient will be needed, the output channels are padded with zero filters to a multiple of
    /// <see cref="Block"/> and sliced off again; everywhere else the plain call.
    /// </summary>
    public static Tensor Conv2d(
        Tensor x,
        Tensor weight,
        Tensor? bias,
        long[] stride,
        long[] padding,
        long[] dilation,
        long groups = 1
    )
    {
        long co = weight.shape[0];
        bool route =
            co % Block != 0
            && groups == 1
            && x.device_type == DeviceType.CPU
            && x.requires_grad
            && torch.is_grad_enabled()
            && PadSmallOutputs;
        return route
            ? Padded(x, weight, bias, stride, padding, dilation, groups)
            : nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    static Tensor Padded(
        Tensor x,
        Tensor weight,
        Tensor? bias,
        long[] stride,
        long[] padding,
        long[] dilation,
        long groups
    )
    {
        using var scope = torch.NewDisposeScope();
        long co = weight.shape[0];
        long extra = (co + Block - 1) / Block * Block - co;
        var zeros = torch.zeros(
            new long[] { extra, weight.shape[1], weight.shape[2], weight.shape[3] },
            weight.dtype,
            weight.device
        );
        var w = torch.cat([weight, zeros], 0); // (co + extra, ci, kh, kw): the extra filters are constant zeros
        var b = bias is null ? null : torch.cat([bias, torch.zeros(extra, bias.dtype, bias.device)], 0);
        var y = nn.functional.conv2d(x, w, b, stride, padding, dilation, groups); // (N, co + extra, h, w)
        return y.narrow(1, 0, co).MoveToOuterDisposeScope();
    }

    // libtorch's global context: at::globalContext(), Context::setUserEnabledMkldnn, userEnabledMkldnn
    // (exported by libtorch_cpu.so, already loaded by the time the natives are in).
    static unsafe IntPtr Context() =>
        ((delegate* unmanaged<IntPtr>)LibTorch.Export("libtorch_cpu.so", "_ZN2at13globalContextEv"))();

    /// <summary>Whether libtorch may use oneDNN (its global switch).</summary>
    public static unsafe bool Enabled()
    {
        TorchNatives.EnsureLoaded();
        var get = (delegate* unmanaged<IntPtr, byte>)
            LibTorch.Export("libtorch_cpu.so", "_ZNK2at7Context17userEnabledMkldnnEv");
        return get(Context()) != 0;
    }

    /// <summary>
    /// Sets the route by hand, for benchmarks that compare the three ways of computing: <c>Guarded</c> (what the
    /// probe chose), <c>Everywhere</c> (oneDNN for every convolution, unguarded: wrong gradients on a faulty CPU)
    /// and <c>Off</c> (libtorch's own kernels).
    /// </summary>
    public static void Use(OneDnnRoute route)
    {
        Probe();
        lock (Gate)
        {
            _padOverride = route switch
            {
                OneDnnRoute.Guarded => null,
                _ => false,
            };
            SetEnabled(route != OneDnnRoute.Off);
        }
    }

    static bool? _padOverride;

    /// <summary>Sets libtorch's global oneDNN switch (the benchmark and the tests compare both).</summary>
    public static unsafe void SetEnabled(bool on)
    {
        TorchNatives.EnsureLoaded();
        var set = (delegate* unmanaged<IntPtr, byte, void>)
            LibTorch.Export("libtorch_cpu.so", "_ZN2at7Context20setUserEnabledMkldnnEb");
        set(Context(), on ? (byte)1 : (byte)0);
    }
}

/// <summary>How convolutions are computed (<see cref="OneDnn.Use"/>).</summary>
public enum OneDnnRoute
{
    /// <summary>As the probe chose: oneDNN, with the padded route where its input gradient is wrong.</summary>
    Guarded,

    /// <summary>oneDNN for every convolution, no route (what libtorch does by default).</summary>
    Everywhere,

    /// <summary>oneDNN switched off: libtorch's own convolution kernels.</summary>
    Off,
}
