using System.Text.Json;
using System.Text.Json.Serialization;

namespace SemDepth.Training;

/// <summary>Options of a depth network (SEM -> depth map) trained on paired images: by default the
/// organiser's autoencoder baseline; saved beside every checkpoint. Override in a notebook with
/// <c>DepthOptions.Default with { Epochs = 3 }</c>; <see cref="UNet"/> is the stronger network.</summary>
public sealed record DepthOptions
{
    /// <summary>Run name: the folder under runs/.</summary>
    public string Name { get; init; } = "ae-baseline";
    /// <summary>Network: ae (the organiser's MLP autoencoder, inputs in [0, 1]) | unet (convolutional
    /// encoder-decoder with skips, inputs in [-1, 1] like the CycleGAN generators').</summary>
    public string Model { get; init; } = "ae";
    /// <summary>U-Net width (channels of the first stage).</summary>
    public int Width { get; init; } = 16;
    /// <summary>Training pairs: sim (simulated SEM with their depth maps, split by &lt;base&gt;) |
    /// real-truth (real-domain train images with the synthetic set's hidden truth, split by site: the
    /// oracle only a synthetic set makes possible).</summary>
    public string Source { get; init; } = "sim";
    /// <summary>Epochs (organiser: 10).</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Mini-batch size (organiser: 128).</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Adam learning rate (organiser: 1e-3).</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Seed of weights, shuffles and the split (organiser: 41).</summary>
    public int Seed { get; init; } = 41;
    /// <summary>Validation fraction of the simulated &lt;base&gt; groups (organiser: 0.2, but split by file).</summary>
    public double ValFraction { get; init; } = 0.2;
    /// <summary>Random flips / 180-degree rotation of SEM and depth together (organiser: none).</summary>
    public bool Augment { get; init; }
    /// <summary>Recompute BatchNorm statistics with each epoch's final weights before validating
    /// (<see cref="BatchNormCalibration"/>); off for the organiser's AE, on for the U-Net.</summary>
    public bool RecalibrateBatchNorm { get; init; }
    /// <summary>Use at most this many training images per epoch (0: all); for quick looks.</summary>
    public int MaxTrainImages { get; init; }
    /// <summary>Data preset or root the run used (recorded, informative).</summary>
    public string Data { get; init; } = "";
    /// <summary>Device the run used (recorded, informative).</summary>
    public string Device { get; init; } = "";

    public static DepthOptions Default => new();

    /// <summary>The U-Net depth network of the CycleGAN pipeline (Adam 1e-3, batch 64, flips).</summary>
    public static DepthOptions UNet => new() { Name = "unet-sim", Model = "unet", BatchSize = 64, Epochs = 2, Augment = true, RecalibrateBatchNorm = true };

    /// <summary>Input scale of the network.</summary>
    public SemDepth.Data.PixelScale InputScale => Model switch
    {
        "ae" => SemDepth.Data.PixelScale.Unit,
        "unet" => SemDepth.Data.PixelScale.Symmetric,
        _ => throw new ArgumentException($"unknown depth network '{Model}': use ae or unet"),
    };

    /// <summary>Builds the network these options name.</summary>
    public TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> CreateModel() => Model switch
    {
        "ae" => new Models.DepthAutoencoder(),
        "unet" => new Models.DepthUNet(Width),
        _ => throw new ArgumentException($"unknown depth network '{Model}': use ae or unet"),
    };

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    public string ToJson() => JsonSerializer.Serialize(this, Json);
    public static DepthOptions FromJson(string json) => JsonSerializer.Deserialize<DepthOptions>(json, Json) ?? throw new InvalidDataException("empty options");
}

/// <summary>Metrics of one finished epoch.</summary>
/// <param name="TrainL1">Mean training loss of the epoch (L1 for depth networks).</param>
/// <param name="ValRmse">Validation figure (RMSE 0-255 for depth networks; NaN when none).</param>
public sealed record EpochMetrics(int Epoch, double TrainL1, double ValRmse, double Seconds, double ImagesPerSecond)
{
    /// <summary>What <see cref="ValRmse"/> measures.</summary>
    public string ValMetricName { get; init; } = "RMSE";
}

/// <summary>Where a training loop is, for progress displays.</summary>
/// <param name="Losses">Named losses of a multi-loss trainer (CycleGAN), printed when present.</param>
public sealed record TrainProgress(string Run, int Epoch, int Epochs, int Batch, int Batches, double Loss, EpochMetrics? Finished = null,
    IReadOnlyDictionary<string, double>? Losses = null)
{
    /// <summary>Whether batch <paramref name="b"/> of <paramref name="batches"/> gets a progress report (every 10th and the last).</summary>
    public static bool Due(int b, int batches) => b % 10 == 0 || b == batches - 1;

    public override string ToString()
    {
        string extra = Losses is null ? "" : ", " + string.Join(", ", Losses.Select(kv => $"{kv.Key} {kv.Value:F3}"));
        return Finished is { } f
            ? $"[{Run}] epoch {f.Epoch}/{Epochs}: train loss {f.TrainL1:F4}{(double.IsNaN(f.ValRmse) ? "" : $", val {f.ValMetricName} {f.ValRmse:F2}")}{extra}, {f.ImagesPerSecond:F0} img/s"
            : $"[{Run}] epoch {Epoch}/{Epochs} batch {Batch}/{Batches} loss {Loss:F4}{extra}";
    }
}
