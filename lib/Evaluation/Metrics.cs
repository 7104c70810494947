namespace SemDepth.Evaluation;

/// <summary>The competition metric: pixel RMSE on the 0-255 depth scale, in floating point
/// (the organiser's baseline cast to int8 and overflowed).</summary>
public static class Metrics
{
    /// <summary>Pooled RMSE over every pixel of every image.</summary>
    public static double Rmse(ReadOnlySpan<byte> pred, ReadOnlySpan<byte> truth)
    {
        if (pred.Length != truth.Length) throw new ArgumentException($"prediction has {pred.Length} pixels, truth {truth.Length}");
        if (pred.Length == 0) return double.NaN;
        double s = 0;
        for (int i = 0; i < pred.Length; i++) { double d = pred[i] - truth[i]; s += d * d; }
        return Math.Sqrt(s / pred.Length);
    }

    /// <summary>Mean over images of each image's RMSE (the other reading of the metric).</summary>
    public static double MeanImageRmse(ReadOnlySpan<byte> pred, ReadOnlySpan<byte> truth, int pixelsPerImage = Data.Geometry.Pixels)
    {
        if (pred.Length != truth.Length || pred.Length % pixelsPerImage != 0) throw new ArgumentException("prediction and truth must hold the same whole images");
        int n = pred.Length / pixelsPerImage;
        double acc = 0;
        for (int k = 0; k < n; k++) acc += Rmse(pred.Slice(k * pixelsPerImage, pixelsPerImage), truth.Slice(k * pixelsPerImage, pixelsPerImage));
        return n == 0 ? double.NaN : acc / n;
    }

    /// <summary>Mean absolute error.</summary>
    public static double Mae(IReadOnlyList<double> pred, IReadOnlyList<double> truth)
    {
        if (pred.Count != truth.Count) throw new ArgumentException("lengths differ");
        return pred.Count == 0 ? double.NaN : pred.Zip(truth, (a, b) => Math.Abs(a - b)).Average();
    }
}
