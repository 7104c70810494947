namespace SemDepth.Training;

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
public sealed record TrainProgress(
    string Run,
    int Epoch,
    int Epochs,
    int Batch,
    int Batches,
    double Loss,
    EpochMetrics? Finished = null,
    IReadOnlyDictionary<string, double>? Losses = null
)
{
    /// <summary>Whether batch <paramref name="b"/> of <paramref name="batches"/> gets a progress report (every 10th and
    /// the last).</summary>
    public static bool Due(int b, int batches) => b % 10 == 0 || b == batches - 1;

    public override string ToString()
    {
        string extra = Losses is null ? "" : ", " + string.Join(", ", Losses.Select(kv => $"{kv.Key} {kv.Value:F3}"));
        return Finished is { } f
            ? $"[{Run}] epoch {f.Epoch}/{Epochs}: train loss "
                + $"{f.TrainL1:F4}{(double.IsNaN(f.ValRmse) ? "" : $", val {f.ValMetricName} {f.ValRmse:F2}")}{extra}, "
                + $"{f.ImagesPerSecond:F0} img/s"
            : $"[{Run}] epoch {Epoch}/{Epochs} batch {Batch}/{Batches} loss {Loss:F4}{extra}";
    }
}
