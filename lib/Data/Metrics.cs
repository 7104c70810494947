using SemDepth.Images;

namespace SemDepth.Data;

/// <summary>The competition metric: pixel RMSE on the 0-255 depth scale, in floating point
/// (the organiser's baseline cast to int8 and overflowed).</summary>
public static class Metrics
{
    /// <summary>Pooled RMSE over every pixel of every image.</summary>
    public static double Rmse(ReadOnlySpan<byte> pred, ReadOnlySpan<byte> truth)
    {
        if (pred.Length != truth.Length)
            throw new ArgumentException($"prediction has {pred.Length} pixels, truth {truth.Length}");
        if (pred.Length == 0)
            return double.NaN;
        double s = 0;
        for (int i = 0; i < pred.Length; i++)
        {
            double d = pred[i] - truth[i];
            s += d * d;
        }
        return Math.Sqrt(s / pred.Length);
    }

    /// <summary>Mean over images of each image's RMSE (the other reading of the metric).</summary>
    public static double MeanImageRmse(
        ReadOnlySpan<byte> pred,
        ReadOnlySpan<byte> truth,
        int pixelsPerImage = Geometry.Pixels
    )
    {
        if (pred.Length != truth.Length || pred.Length % pixelsPerImage != 0)
            throw new ArgumentException("prediction and truth must hold the same whole images");
        int n = pred.Length / pixelsPerImage;
        double acc = 0;
        for (int k = 0; k < n; k++)
            acc += Rmse(
                pred.Slice(k * pixelsPerImage, pixelsPerImage),
                truth.Slice(k * pixelsPerImage, pixelsPerImage)
            );
        return n == 0 ? double.NaN : acc / n;
    }

    /// <summary>Mean absolute error.</summary>
    public static double Mae(IReadOnlyList<double> pred, IReadOnlyList<double> truth)
    {
        if (pred.Count != truth.Count)
            throw new ArgumentException("lengths differ");
        return pred.Count == 0 ? double.NaN : pred.Zip(truth, (a, b) => Math.Abs(a - b)).Average();
    }

    /// <summary>
    /// Where the error lives: pooled RMSE on plateau pixels (truth at its case's plateau value) and on
    /// hole pixels (the rest), the distribution of per-image RMSE and the worst images.
    /// Plateau and hole RMSE combine to the total: N·total² = Np·plateau² + Nh·hole².
    /// </summary>
    /// <param name="cases">The case (1..4) of each image.</param>
    public static ErrorSplit Split(
        ReadOnlySpan<byte> pred,
        ReadOnlySpan<byte> truth,
        IReadOnlyList<int> cases,
        int worst = 6
    )
    {
        int px = Geometry.Pixels;
        if (pred.Length != truth.Length || pred.Length != cases.Count * px)
            throw new ArgumentException(
                $"prediction {pred.Length}, truth {truth.Length} bytes for {cases.Count} images"
            );
        double sp = 0,
            sh = 0;
        long np = 0,
            nh = 0;
        var perImage = new double[cases.Count];
        for (int k = 0; k < cases.Count; k++)
        {
            int plateau = Data.Cases.Plateau(cases[k]);
            double si = 0;
            for (int i = k * px; i < (k + 1) * px; i++)
            {
                double d = pred[i] - truth[i],
                    d2 = d * d;
                si += d2;
                if (truth[i] == plateau)
                {
                    sp += d2;
                    np++;
                }
                else
                {
                    sh += d2;
                    nh++;
                }
            }
            perImage[k] = Math.Sqrt(si / px);
        }
        var sorted = perImage.Order().ToArray();
        double Q(double q) =>
            sorted.Length == 0
                ? double.NaN
                : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        var worstIdx = Enumerable
            .Range(0, perImage.Length)
            .OrderByDescending(k => perImage[k])
            .ThenBy(k => k)
            .Take(worst)
            .ToArray();
        long n = np + nh;
        return new ErrorSplit(
            n == 0 ? double.NaN : Math.Sqrt((sp + sh) / n),
            np == 0 ? double.NaN : Math.Sqrt(sp / np),
            nh == 0 ? double.NaN : Math.Sqrt(sh / nh),
            np,
            nh,
            Q(0.5),
            Q(0.9),
            perImage,
            worstIdx
        );
    }
}

/// <summary>What <see cref="Metrics.Split"/> found. <paramref name="PerImage"/> is each image's RMSE,
/// <paramref name="Worst"/> positions of the worst images, worst first; quantiles are nearest-rank.</summary>
public sealed record ErrorSplit(
    double Total,
    double Plateau,
    double Hole,
    long PlateauPixels,
    long HolePixels,
    double MedianImage,
    double P90Image,
    double[] PerImage,
    int[] Worst
);
