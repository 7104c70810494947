namespace SemDepth.Images;

/// <summary>Statistics of one 72x48 image.</summary>
public readonly record struct ImageStat(double Mean, double Sd, double BackgroundSd, byte Min, byte Max)
{
    /// <summary>Background patches: four 6x6 corners, well away from the hole.</summary>
    const int Patch = 6;

    public static ImageStat Of(ReadOnlySpan<byte> img)
    {
        double s = 0,
            s2 = 0;
        byte mn = 255,
            mx = 0;
        foreach (byte v in img)
        {
            s += v;
            s2 += v * v;
            if (v < mn)
                mn = v;
            if (v > mx)
                mx = v;
        }
        int n = img.Length;
        double mean = s / n;
        return new ImageStat(mean, Math.Sqrt(Math.Max(0, s2 / n - mean * mean)), BackgroundNoise(img), mn, mx);
    }

    /// <summary>Mean SD of the four corner patches: the noise level where the surface is flat.</summary>
    public static double BackgroundNoise(ReadOnlySpan<byte> img)
    {
        const int w = Geometry.Width,
            h = Geometry.Height;
        double total = 0;
        foreach (
            var (r0, c0) in new[] { (1, 1), (1, w - 1 - Patch), (h - 1 - Patch, 1), (h - 1 - Patch, w - 1 - Patch) }
        )
        {
            double s = 0,
                s2 = 0;
            for (int r = r0; r < r0 + Patch; r++)
            for (int c = c0; c < c0 + Patch; c++)
            {
                double v = img[r * w + c];
                s += v;
                s2 += v * v;
            }
            double m = s / (Patch * Patch);
            total += Math.Sqrt(Math.Max(0, s2 / (Patch * Patch) - m * m));
        }
        return total / 4;
    }
}

/// <summary>Mean, SD, minimum and maximum of a list of values.</summary>
public readonly record struct Summary(int Count, double Mean, double Sd, double Min, double Max)
{
    public static Summary Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0)
            return new Summary(0, double.NaN, double.NaN, double.NaN, double.NaN);
        double m = v.Average();
        double sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1)) : 0;
        return new Summary(v.Length, m, sd, v.Min(), v.Max());
    }

    public override string ToString() => $"n={Count} mean={Mean:F2} sd={Sd:F2} [{Min:F2}, {Max:F2}]";
}
