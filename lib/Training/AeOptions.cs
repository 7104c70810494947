using System.Text.Json;
using System.Text.Json.Serialization;

namespace SemDepth.Training;

/// <summary>Options of the organiser's autoencoder baseline; saved beside every checkpoint.
/// Override in a notebook with <c>AeOptions.Default with { Epochs = 3 }</c>.</summary>
public sealed record AeOptions
{
    /// <summary>Run name: the folder under runs/.</summary>
    public string Name { get; init; } = "ae-baseline";
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
    /// <summary>Use at most this many training images per epoch (0: all); for quick looks.</summary>
    public int MaxTrainImages { get; init; }
    /// <summary>Data preset or root the run used (recorded, informative).</summary>
    public string Data { get; init; } = "";
    /// <summary>Device the run used (recorded, informative).</summary>
    public string Device { get; init; } = "";

    public static AeOptions Default => new();

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    public string ToJson() => JsonSerializer.Serialize(this, Json);
    public static AeOptions FromJson(string json) => JsonSerializer.Deserialize<AeOptions>(json, Json) ?? throw new InvalidDataException("empty options");
}

/// <summary>Metrics of one finished epoch.</summary>
public sealed record EpochMetrics(int Epoch, double TrainL1, double ValRmse, double Seconds, double ImagesPerSecond);

/// <summary>Where a training loop is, for progress displays.</summary>
public sealed record TrainProgress(string Run, int Epoch, int Epochs, int Batch, int Batches, double Loss, EpochMetrics? Finished = null)
{
    public override string ToString() => Finished is { } f
        ? $"[{Run}] epoch {f.Epoch}/{Epochs}: train L1 {f.TrainL1:F4}, val RMSE {f.ValRmse:F2}, {f.ImagesPerSecond:F0} img/s"
        : $"[{Run}] epoch {Epoch}/{Epochs} batch {Batch}/{Batches} loss {Loss:F4}";
}
