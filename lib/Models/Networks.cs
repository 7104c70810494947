using System.Text.Json.Serialization;
using SemDepth.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemDepth.Models;

/// <summary>Normalisation layers the networks can use; options files name them batch, instance or none.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NormKind>))]
public enum NormKind
{
    /// <summary>BatchNorm2d (the seed's choice; batch statistics).</summary>
    [JsonStringEnumMemberName("batch")]
    Batch,

    /// <summary>InstanceNorm2d without affine parameters (the CycleGAN paper's choice).</summary>
    [JsonStringEnumMemberName("instance")]
    Instance,

    /// <summary>No normalisation (a WGAN-GP critic must not mix samples in a batch).</summary>
    [JsonStringEnumMemberName("none")]
    None,
}

/// <summary>Factories with a closed set of choices; an unknown one fails loudly.</summary>
public static class Layers
{
    public static Module<Tensor, Tensor> Norm(NormKind kind, long channels) =>
        kind switch
        {
            NormKind.Batch => BatchNorm2d(channels),
            NormKind.Instance => InstanceNorm2d(channels),
            NormKind.None => Identity(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown normalisation"),
        };

    /// <summary>Number of trainable parameters.</summary>
    public static long ParameterCount(Module m) => m.parameters().Sum(p => p.numel());
}

/// <summary>A residual block: reflection pad, 3x3 conv, norm, ReLU, [dropout], pad, 3x3 conv, norm; plus the
/// input.</summary>
public sealed class ResnetBlock : Module<Tensor, Tensor>
{
    readonly Sequential body;

    public ResnetBlock(long channels, NormKind norm, double dropout)
        : base(nameof(ResnetBlock))
    {
        var mods = new List<Module<Tensor, Tensor>>
        {
            ReflectionPad2d(1),
            new GuardedConv2d(channels, channels, 3, bias: norm != NormKind.Batch),
            Layers.Norm(norm, channels),
            ReLU(inplace: true),
        };
        if (dropout > 0)
            mods.Add(Dropout(dropout));
        mods.AddRange([
            ReflectionPad2d(1),
            new GuardedConv2d(channels, channels, 3, bias: norm != NormKind.Batch),
            Layers.Norm(norm, channels),
        ]);
        body = Sequential(mods);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x.Plus(body.forward(x));
}

/// <summary>
/// A stride-1, unpadded k x k convolution to a few output channels (the generators' last layer, 16 -> 1,
/// 7 x 7), computed as one 1 x k convolution to (out x k) row maps whose k rows are then summed, each
/// shifted by its kernel row. Same weight and bias as <c>Conv2d(in, out, k)</c> (checkpoints of either
/// load into the other), same result and gradients to float rounding; faster on a CPU, where libtorch runs a
/// convolution to one output channel at a few GFLOP/s (docs/performance.md).
/// </summary>
public sealed class RowSumConv2d : Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter bias;
    readonly long outChannels,
        kernel;

    public RowSumConv2d(long inChannels, long outChannels, long kernel)
        : base(nameof(RowSumConv2d))
    {
        this.outChannels = outChannels;
        this.kernel = kernel;
        // the initialisation of Conv2d (Kaiming uniform with a = sqrt(5), bias uniform in +-1/sqrt(fan_in))
        using var reference = Conv2d(inChannels, outChannels, kernel);
        weight = Parameter(reference.weight!.detach().clone());
        bias = Parameter(reference.bias!.detach().clone());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0],
            h = x.shape[2] - kernel + 1,
            w = x.shape[3] - kernel + 1,
            ci = x.shape[1];
        // (out, in, k rows, k cols) -> (out * k rows, in, 1, k cols): one row filter per output channel and kernel row
        var rowFilters = weight.permute(0, 2, 1, 3).reshape(outChannels * kernel, ci, 1, kernel);
        var rows = OneDnn
            .Conv2d(x, rowFilters, null, [1, 1], [0, 0], [1, 1])
            .reshape(n, outChannels, kernel, x.shape[2], w);
        // a new tensor: the rest adds in place
        var sum = rows.select(2, 0).narrow(2, 0, h).Plus(bias.view(1, outChannels, 1, 1));
        using Scalar one = 1; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        for (long r = 1; r < kernel; r++)
            sum.add_(rows.select(2, r).narrow(2, r, h), one);
        return sum.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The CycleGAN ResNet generator: 7x7 conv, two stride-2 downsamples, <c>blocks</c> residual blocks,
/// two transposed-conv upsamples, 7x7 conv, tanh. Input and output (N, 1, 72, 48) in [-1, 1];
/// 72x48 divides by 4, so the upsampled map has the input's size exactly.
/// </summary>
public sealed class ResnetGenerator : Module<Tensor, Tensor>
{
    readonly Sequential model;

    public ResnetGenerator(
        int width = 16,
        int blocks = 3,
        NormKind norm = NormKind.Batch,
        double dropout = 0.5,
        int inChannels = 1,
        int outChannels = 1
    )
        : base(nameof(ResnetGenerator))
    {
        if (width < 1 || blocks < 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"width {width} and blocks {blocks} must be positive");
        bool bias = norm != NormKind.Batch; // a bias before BatchNorm is cancelled by it
        var mods = new List<Module<Tensor, Tensor>>
        {
            ReflectionPad2d(3),
            new GuardedConv2d(inChannels, width, 7, bias: bias),
            Layers.Norm(norm, width),
            ReLU(inplace: true),
        };
        long ch = width;
        for (int i = 0; i < 2; i++, ch *= 2) // (N, w, 72, 48) -> (N, 2w, 36, 24) -> (N, 4w, 18, 12)
            mods.AddRange([
                new GuardedConv2d(ch, ch * 2, 3, stride: 2, padding: 1, bias: bias),
                Layers.Norm(norm, ch * 2),
                ReLU(inplace: true),
            ]);
        for (int i = 0; i < blocks; i++)
            mods.Add(new ResnetBlock(ch, norm, dropout));
        for (int i = 0; i < 2; i++, ch /= 2) // back to (N, w, 72, 48)
            mods.AddRange([
                ConvTranspose2d(ch, ch / 2, 3, stride: 2, padding: 1, output_padding: 1, bias: bias),
                Layers.Norm(norm, ch / 2),
                ReLU(inplace: true),
            ]);
        mods.AddRange([ReflectionPad2d(3), new RowSumConv2d(width, outChannels, 7), Tanh()]);
        model = Sequential(mods);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => model.forward(ChannelsLast.Of(x));
}

/// <summary>
/// PatchGAN discriminator: 4x4 convs, LeakyReLU 0.2, <c>layers</c> stride-2 stages doubling the width
/// (capped at 8x), one stride-1 stage, and a 1-channel map of patch scores (no sigmoid: LSGAN and
/// WGAN both want raw scores). On 72x48 with 3 layers the output is (N, 1, 7, 4).
/// </summary>
public sealed class PatchDiscriminator : Module<Tensor, Tensor>
{
    readonly Sequential model;

    public PatchDiscriminator(int width = 16, int layers = 3, NormKind norm = NormKind.Batch, int inChannels = 1)
        : base(nameof(PatchDiscriminator))
    {
        if (layers < 1 || layers > 3)
            throw new ArgumentOutOfRangeException(nameof(layers), layers, "1 to 3 stride-2 layers fit a 72x48 image");
        bool bias = norm != NormKind.Batch;
        var mods = new List<Module<Tensor, Tensor>>
        {
            new GuardedConv2d(inChannels, width, 4, stride: 2, padding: 1),
            LeakyReLU(0.2, inplace: true),
        };
        long ch = width;
        for (int i = 1; i <= layers; i++)
        {
            long next = width * Math.Min(1 << i, 8);
            long stride = i < layers ? 2 : 1;
            mods.AddRange([
                new GuardedConv2d(ch, next, 4, stride: stride, padding: 1, bias: bias),
                Layers.Norm(norm, next),
                LeakyReLU(0.2, inplace: true),
            ]);
            ch = next;
        }
        mods.Add(new GuardedConv2d(ch, 1, 4, stride: 1, padding: 1)); // (N, 1, h, w) patch scores
        model = Sequential(mods);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => model.forward(ChannelsLast.Of(x));
}

/// <summary>
/// The stronger depth network: a convolutional encoder-decoder with skip connections (a small U-Net).
/// Input SEM (N, 1, 72, 48) in [-1, 1] (the generators' scale); output depth (N, 1, 72, 48) in [0, 1].
/// Three 2x poolings: 72x48 -> 36x24 -> 18x12 -> 9x6.
/// </summary>
public sealed class DepthUNet : Module<Tensor, Tensor>
{
    readonly ModuleList<Sequential> down;
    readonly Sequential bottom;
    readonly ModuleList<ConvTranspose2d> up;
    readonly ModuleList<Sequential> merge;
    readonly GuardedConv2d head;
    readonly MaxPool2d pool;

    public DepthUNet(int width = 16, int depth = 3)
        : base(nameof(DepthUNet))
    {
        if (depth is < 1 or > 3)
            throw new ArgumentOutOfRangeException(nameof(depth), depth, "1 to 3 poolings fit 72x48");
        down = new ModuleList<Sequential>();
        up = new ModuleList<ConvTranspose2d>();
        merge = new ModuleList<Sequential>();
        long ch = 1,
            w = width;
        for (int i = 0; i < depth; i++, w *= 2)
        {
            down.Add(DoubleConv(ch, w));
            ch = w;
        }
        bottom = DoubleConv(ch, w);
        for (int i = 0; i < depth; i++, w /= 2)
        {
            up.Add(ConvTranspose2d(w, w / 2, 2, stride: 2)); // doubles H and W
            merge.Add(DoubleConv(w, w / 2)); // skip (w/2) + upsampled (w/2) channels
        }
        head = new GuardedConv2d(w, 1, 1);
        pool = MaxPool2d(2);
        RegisterComponents();
    }

    static Sequential DoubleConv(long cin, long cout) =>
        Sequential(
            new GuardedConv2d(cin, cout, 3, padding: 1, bias: false),
            BatchNorm2d(cout),
            ReLU(inplace: true),
            new GuardedConv2d(cout, cout, 3, padding: 1, bias: false),
            BatchNorm2d(cout),
            ReLU(inplace: true)
        );

    public override Tensor forward(Tensor x)
    {
        x = ChannelsLast.Of(x);
        var skips = new List<Tensor>();
        foreach (var d in down)
        {
            x = d.forward(x);
            skips.Add(x);
            x = pool.forward(x);
        }
        x = bottom.forward(x); // (N, w * 2^depth, 9, 6) at depth 3
        for (int i = 0; i < up.Count; i++)
            x = merge[i].forward(torch.cat([skips[^(i + 1)], up[i].forward(x)], 1));
        return head.forward(x); // (N, 1, 72, 48), linear: the loss sees depth / 255
    }
}

/// <summary>
/// Case classifier: a small CNN predicting Case_1..4 (logits, class k-1) from one SEM image
/// (N, 1, 72, 48) in [-1, 1]. Four conv stages with pooling, global average, linear.
/// </summary>
public sealed class CaseClassifier : Module<Tensor, Tensor>
{
    readonly Sequential features;
    readonly Linear fc;

    public CaseClassifier(int width = 16, int classes = 4, NormKind norm = NormKind.Batch)
        : base(nameof(CaseClassifier))
    {
        var mods = new List<Module<Tensor, Tensor>>();
        long ch = 1;
        for (int i = 0; i < 4; i++)
        {
            long next = width << i;
            mods.AddRange([
                new GuardedConv2d(ch, next, 3, padding: 1, bias: norm != NormKind.Batch),
                Layers.Norm(norm, next),
                ReLU(inplace: true),
            ]);
            if (i < 3)
                mods.Add(MaxPool2d(2)); // 72x48 -> 36x24 -> 18x12 -> 9x6
            ch = next;
        }
        mods.Add(AdaptiveAvgPool2d(1));
        features = Sequential(mods);
        fc = Linear(ch, classes);
        RegisterComponents();
    }

    // (N, classes)
    public override Tensor forward(Tensor x) => fc.forward(features.forward(ChannelsLast.Of(x)).flatten(1));
}
