using System.Globalization;
using System.Text.RegularExpressions;
using SemDepth.Models;
using SemDepth.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemDepth.Diagnostics;

/// <summary>One check of <see cref="LayerCheck"/>: float32 against float64, worst relative error.</summary>
public sealed record CheckResult(string Name, double Error, string Detail)
{
    /// <summary>Relative error (max |float32 - float64| / max |float64|) above which a check fails: 1e-3 on
    /// a CPU (float32 sums are off by about 1e-6 here); 1e-2 on CUDA, whose cuDNN convolutions use TF32
    /// (10-bit mantissa) by default.</summary>
    public double Tolerance { get; init; } = TorchDevice.Current.type == DeviceType.CUDA ? 1e-2 : 1e-3;

    public bool Passed => !double.IsNaN(Error) && Error <= Tolerance;

    public override string ToString() =>
        Passed ? $"ok     {Name, -58} {Detail}" : $"error: {Name}: {Detail} (tolerance {Tolerance:E0})";
}

/// <summary>
/// What <c>semdepth doctor</c> checks on the running machine: every layer the networks use, at the shape
/// it sees in them (traced through a forward pass of each network at its defaults), in float32 against
/// the same layer in float64 — forward output, input gradient and every parameter's gradient — then
/// matrix products through each BLAS the library may call, then each whole network.
/// </summary>
public static class LayerCheck
{
    /// <summary>The default networks by name (what the trainers build at their default options).</summary>
    public static IReadOnlyList<(string Name, Func<nn.Module<Tensor, Tensor>> Make)> Networks { get; } =
    [
        ("CycleGAN generator", () => new ResnetGenerator()),
        ("PatchGAN discriminator", () => new PatchDiscriminator()),
        ("depth U-Net", () => new DepthUNet()),
        ("case classifier", () => new CaseClassifier()),
        ("organiser's AE", () => new DepthAutoencoder()),
    ];

    /// <summary>Runs every check on the current device; <paramref name="report"/> sees each as it ends.</summary>
    public static List<CheckResult> RunAll(Action<CheckResult>? report = null)
    {
        OneDnn.Probe();
        var results = new List<CheckResult>();
        void Add(CheckResult r)
        {
            results.Add(r);
            report?.Invoke(r);
        }
        var seen = new HashSet<string>();
        foreach (var (name, make) in Networks)
        {
            torch.manual_seed(7);
            using var net = make();
            foreach (var (layer, shape) in Trace(net))
            {
                string key = Describe(layer, shape);
                if (seen.Add(key))
                    Add(Layer(layer, shape, key));
            }
        }
        foreach (var r in Products())
            Add(r);
        foreach (var (name, make) in Networks)
        {
            torch.manual_seed(7);
            using var net = make();
            net.eval(); // dropout off: both precisions must see the same function
            Add(Layer(net, [4, 1, 72, 48], $"whole network: {name}"));
        }
        return results;
    }

    /// <summary>The leaf layers of <paramref name="net"/> with the input shape each gets from a (4, 1, 72, 48)
    /// batch.</summary>
    public static List<(nn.Module<Tensor, Tensor> Layer, long[] Shape)> Trace(nn.Module<Tensor, Tensor> net)
    {
        var found = new List<(nn.Module<Tensor, Tensor>, long[])>();
        var removers = new List<Action>();
        foreach (var (_, m) in net.named_modules())
        {
            if (m is not nn.Module<Tensor, Tensor> layer || !IsCheckedLayer(layer))
                continue;
            var remover = layer.register_forward_pre_hook(
                (mod, x) =>
                {
                    found.Add((mod, x.shape));
                    return x;
                }
            );
            removers.Add(remover.remove);
        }
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
            net.forward(torch.randn(4, 1, 72, 48, device: DeviceOf(net)));
        foreach (var remove in removers)
            remove();
        return found;
    }

    static bool IsCheckedLayer(nn.Module m) =>
        m is GuardedConv2d or RowSumConv2d or ConvTranspose2d or Conv2d or BatchNorm2d or InstanceNorm2d or Linear;

    static Device DeviceOf(nn.Module m) => m.parameters().FirstOrDefault()?.device ?? TorchDevice.Current;

    static string Describe(nn.Module<Tensor, Tensor> layer, long[] shape)
    {
        var shapes = layer.named_parameters().Select(p => $"{p.name} {string.Join('x', p.parameter.shape)}");
        return $"{layer.GetType().Name} [{string.Join(", ", shapes)}] on ({string.Join(", ", shape)})";
    }

    /// <summary>
    /// <paramref name="layer"/> in float32 against itself in float64 (moved there and back) on one seeded
    /// input: forward output, input gradient, every parameter's gradient; the worst names the failure.
    /// </summary>
    public static CheckResult Layer(nn.Module<Tensor, Tensor> layer, long[] shape, string name)
    {
        using var scope = torch.NewDisposeScope();
        using var grad = torch.enable_grad();
        var device = DeviceOf(layer);
        var gen = new Generator(11);
        var x = torch.randn(shape, dtype: float64, generator: gen).to(device);
        layer.to(float64);
        var (y64, dx64, dp64) = ForwardBackward(layer, x, null, out var upstream);
        layer.to(float32);
        var (y32, dx32, dp32) = ForwardBackward(layer, x.to(float32), upstream.to(float32), out _);
        var parts = new List<(string What, double Error)>
        {
            ("output", Relative(y32, y64)),
            ("input gradient", Relative(dx32, dx64)),
        };
        foreach (var (p, g) in dp64)
            parts.Add(($"{p} gradient", Relative(dp32[p], g)));
        var worst = parts.Any(t => double.IsNaN(t.Error))
            ? parts.First(t => double.IsNaN(t.Error))
            : parts.MaxBy(t => t.Error);
        string detail =
            string.Join(", ", parts.Take(3).Select(t => $"{t.What} {Fmt(t.Error)}"))
            + (parts.Count > 3 ? $"; worst {worst.What} {Fmt(worst.Error)}" : "");
        return new CheckResult(name, worst.Error, detail);
    }

    static (Tensor Y, Tensor Dx, Dictionary<string, Tensor> Dp) ForwardBackward(
        nn.Module<Tensor, Tensor> layer,
        Tensor x,
        Tensor? upstream,
        out Tensor up
    )
    {
        var xs = x.detach().requires_grad_();
        layer.zero_grad();
        var y = layer.forward(xs);
        up = upstream ?? torch.randn(y.shape, dtype: float64, generator: new Generator(13)).to(y.device);
        (y * up).sum().backward();
        var dp = layer
            .named_parameters()
            .Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone());
        layer.zero_grad();
        return (y.detach(), xs.grad!.detach(), dp);
    }

    /// <summary>max |a - b| / max |b| in float64; NaN when <paramref name="a"/> holds a NaN or an infinity.</summary>
    public static double Relative(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        var a64 = a.to(float64);
        if (!a64.isfinite().all().item<bool>())
            return double.NaN;
        double scale = Math.Max(b.abs().max().item<double>(), 1e-30);
        return (a64 - b).abs().max().item<double>() / scale;
    }

    static string Fmt(double e) => double.IsNaN(e) ? "NaN" : e.ToString("0.0E+0", CultureInfo.InvariantCulture);

    /// <summary>Matrix products through libtorch and, where it loads, OpenBLAS (the retrieval search's).</summary>
    public static IEnumerable<CheckResult> Products()
    {
        var gen = new Generator(17);
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(new long[] { 300, 512 }, dtype: float64, generator: gen);
        var b = torch.randn(new long[] { 260, 512 }, dtype: float64, generator: gen);
        var exact = a.matmul(b.t());
        var a32 = a.to(float32).to(TorchDevice.Current);
        var b32 = b.to(float32).to(TorchDevice.Current);
        double e = Relative(a32.matmul(b32.t()).cpu(), exact);
        yield return new CheckResult("matmul (libtorch) 300x512 x 512x260", e, $"product {Fmt(e)}");
        if (OpenBlas.Available && TorchDevice.Current.type == DeviceType.CPU)
        {
            long before = OpenBlas.Calls;
            var viaBlas = OpenBlas.TimesTransposed(a32, b32);
            string path = OpenBlas.Calls > before ? "" : " (went to libtorch: below the size rule)";
            double eb = Relative(viaBlas, exact);
            yield return new CheckResult(
                "matmul (OpenBLAS cblas_sgemm) 300x512 x 512x260",
                eb,
                $"product {Fmt(eb)}{path}"
            );
        }
    }

    /// <summary>The CPU's model name and its SIMD flags (AVX family, FMA, AMX), from /proc/cpuinfo.</summary>
    public static (string Model, string Flags) Cpu()
    {
        try
        {
            var lines = File.ReadLines("/proc/cpuinfo").Take(64).ToList();
            string model = lines.FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown";
            string family = lines.FirstOrDefault(l => l.StartsWith("cpu family"))?.Split(':', 2)[1].Trim() ?? "?";
            string number = lines.FirstOrDefault(l => l.StartsWith("model\t"))?.Split(':', 2)[1].Trim() ?? "?";
            var flags = (lines.FirstOrDefault(l => l.StartsWith("flags"))?.Split(':', 2)[1] ?? "").Split(
                ' ',
                StringSplitOptions.RemoveEmptyEntries
            );
            var simd = flags.Where(f => Regex.IsMatch(f, "^(avx.*|fma|amx.*)$")).Order(StringComparer.Ordinal);
            return (
                $"{model} (family {family}, model {number}, {Environment.ProcessorCount} logical CPUs)",
                string.Join(' ', simd)
            );
        }
        catch (IOException)
        {
            return (
                System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString(),
                "unknown (no /proc/cpuinfo)"
            );
        }
    }
}
