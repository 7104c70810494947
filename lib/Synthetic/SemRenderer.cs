using SemDepth.Data;
using SemDepth.Images;

namespace SemDepth.Synthetic;

/// <summary>One hole's geometry (px) and profile; <paramref name="Rim"/>: the rim's relative wander, cos and sin
/// amplitudes of modes 2, 3, ... (<see cref="ShapeConfig.RimModes"/>), or none.</summary>
public sealed record HoleShape(
    double CenterRow,
    double CenterCol,
    double HalfHeight,
    double HalfWidth,
    double Bottom,
    double Flat,
    double WallExp,
    double[]? Rim = null
)
{
    /// <summary>Samples a shape from the config.</summary>
    public static HoleShape Sample(ShapeConfig c, Rng r)
    {
        var s = new HoleShape(
            r.Normal(c.CenterRow, c.CenterRowSd),
            r.Normal(c.CenterCol, c.CenterColSd),
            r.Normal(c.HalfHeight, c.HalfHeightSd),
            r.Normal(c.HalfWidth, c.HalfWidthSd),
            r.Uniform(c.BottomMin, c.BottomMax),
            r.Uniform(c.FlatMin, c.FlatMax),
            r.Uniform(c.WallExpMin, c.WallExpMax)
        );
        // the rim's draws come last and only when asked for, so that every earlier draw stays where it was
        if (c.RimModes > 0 && c.RimRoughness > 0)
            s = s with { Rim = Enumerable.Range(0, 2 * c.RimModes).Select(_ => r.Normal(0, c.RimRoughness)).ToArray() };
        return s;
    }

    /// <summary>The same hole, resized by <paramref name="scale"/> and with the bottom moved by <paramref
    /// name="dBottom"/>.</summary>
    public HoleShape Jitter(double scale, double dBottom) =>
        this with
        {
            HalfHeight = HalfHeight * scale,
            HalfWidth = HalfWidth * scale,
            Bottom = Math.Clamp(Bottom + dBottom, 0.02, 0.4),
        };

    /// <summary>Normalised distance from the stadium's vertical axis: 0 at the centre line, 1 on the rim (which
    /// wanders by <see cref="Rim"/> when the shape has one).</summary>
    public double Rho(double row, double col)
    {
        double straight = Math.Max(0, HalfHeight - HalfWidth);
        double dy = Math.Max(0, Math.Abs(row - CenterRow) - straight) * Math.Sign(row - CenterRow),
            dx = col - CenterCol;
        double r = Math.Sqrt(dx * dx + dy * dy);
        if (Rim is null || r == 0)
            return r / HalfWidth;
        // the rim's radius wanders around the hole: modes 2, 3, ... of the angle th, each a relative amplitude;
        // cos/sin of k th by complex powers of (dx + i dy) / r
        double c1 = dx / r,
            s1 = dy / r,
            ck = c1 * c1 - s1 * s1,
            sk = 2 * c1 * s1,
            f = 1;
        for (int k = 0; k < Rim.Length / 2; k++)
        {
            f += Rim[2 * k] * ck + Rim[2 * k + 1] * sk;
            (ck, sk) = (ck * c1 - sk * s1, sk * c1 + ck * s1);
        }
        return r / (HalfWidth * f);
    }

    /// <summary>Depth profile as a fraction of the plateau: flat bottom, steep walls, 1 outside.</summary>
    public double Profile(double rho)
    {
        if (rho >= 1)
            return 1;
        double t = Math.Clamp((rho - Flat) / (1 - Flat), 0, 1);
        return Bottom + (1 - Bottom) * Math.Pow(t, WallExp);
    }
}

/// <summary>
/// The physics of the synthetic set (see shared/docs/dacon-dataset.md, "Physics"): a depth map from a
/// hole shape, and an SEM image from a depth map. Secondary-electron yield rises as sec(theta)^n on
/// tilted walls (the bright rim), electrons from deep in the hole mostly cannot escape (dark interior,
/// darker when deeper), the beam blurs (Gaussian), the "real" domain adds a charging ring, detector
/// shading and scan drift, and every image gets Poisson-Gaussian noise and saturates at 212.
/// </summary>
public static class SemRenderer
{
    const int H = Geometry.Height,
        W = Geometry.Width;

    /// <summary>Depth map (0..255 float, plateau outside) of <paramref name="s"/> at <paramref name="plateau"/>;
    /// 2x2 supersampled so the rim is anti-aliased.</summary>
    public static void RenderDepth(HoleShape s, int plateau, Span<float> depth)
    {
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
        {
            double acc = 0;
            for (int sy = 0; sy < 2; sy++)
            for (int sx = 0; sx < 2; sx++)
                acc += s.Profile(s.Rho(y + 0.25 + 0.5 * sy - 0.5, x + 0.25 + 0.5 * sx - 0.5));
            depth[y * W + x] = (float)(plateau * acc / 4);
        }
    }

    /// <summary>Rounds a float map to bytes (0..255).</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (int i = 0; i < src.Length; i++)
            dst[i] = (byte)Math.Clamp(MathF.Round(src[i]), 0, 255);
    }

    /// <summary>Noise-free SEM signal of a depth map (everything but the noise), into <paramref name="signal"/>.
    /// The shape is used for the charging ring (outside-rim distance).</summary>
    public static void RenderSignal(
        ReadOnlySpan<float> depth,
        int plateau,
        HoleShape shape,
        RenderConfig rc,
        Rng r,
        Span<float> signal
    )
    {
        double top = r.Normal(rc.TopLevel, rc.TopLevelSd);
        double peak = r.Normal(rc.RimPeak, rc.RimPeakSd);
        // deeper holes (higher aspect ratio): electrons escape less, from every depth
        double rate = rc.EscapeRate * Math.Pow(plateau / 150.0, rc.AspectExponent);
        double floor = rc.EscapeFloor * Math.Pow(150.0 / plateau, rc.AspectExponent);
        Span<float> raw = stackalloc float[H * W];
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
        {
            int i = y * W + x;
            // slope from central differences (depth units per px) -> tan(theta)
            float gx = (depth[y * W + Math.Min(x + 1, W - 1)] - depth[y * W + Math.Max(x - 1, 0)]) * 0.5f;
            float gy = (depth[Math.Min(y + 1, H - 1) * W + x] - depth[Math.Max(y - 1, 0) * W + x]) * 0.5f;
            double tan = rc.SlopeScale * Math.Sqrt(gx * gx + gy * gy);
            double sec = Math.Sqrt(1 + tan * tan);
            double below = (plateau - depth[i]) / 100.0; // depth under the surface, 100-unit steps
            double escape = floor + (1 - floor) * Math.Exp(-rate * below);
            double v = top * escape * Math.Pow(sec, rc.SecExponent);
            double outside = (shape.Rho(y, x) - 1) * shape.HalfWidth; // signed px from the rim, > 0 outside
            double e = (outside - rc.HaloOffset) / rc.HaloWidth;
            v += rc.HaloAmplitude * Math.Exp(-0.5 * e * e); // edge effect at the rim
            if (rc.ChargingAmplitude > 0 && outside > 0)
                v += rc.ChargingAmplitude * Math.Exp(-outside / rc.ChargingWidth); // charging beyond the rim
            if (rc.Shading != 0)
                v *= 1 + rc.Shading * ((x - (W - 1) / 2.0) / W);
            raw[i] = (float)v;
        }
        Blur(raw, signal, rc.BlurSigma);
        if (rc.DriftSd > 0)
            Drift(signal, rc.DriftSd, r);
        // Rescale what lies above the top level so the rim halo peaks at `peak` (the facts: 212 is the
        // image maximum in both domains; the noise then reaches and saturates at it).
        float max = 0;
        foreach (var v in signal)
            max = Math.Max(max, v);
        if (max > top + 1)
        {
            double k = (peak - top) / (max - top);
            for (int i = 0; i < signal.Length; i++)
                if (signal[i] > top)
                    signal[i] = (float)(top + (signal[i] - top) * k);
        }
    }

    /// <summary>Adds Poisson-Gaussian noise and saturates: the final 8-bit image.</summary>
    public static void AddNoise(ReadOnlySpan<float> signal, RenderConfig rc, Rng r, Span<byte> image)
    {
        double g2 = rc.GaussianSd * rc.GaussianSd;
        for (int i = 0; i < signal.Length; i++)
        {
            double s = Math.Max(0, signal[i]);
            double v = s + Math.Sqrt(rc.PoissonGain * s + g2) * r.Normal();
            image[i] = (byte)Math.Clamp(Math.Round(v), 0, rc.ClipMax);
        }
    }

    /// <summary>Separable Gaussian blur with clamped borders.</summary>
    public static void Blur(ReadOnlySpan<float> src, Span<float> dst, double sigma)
    {
        if (sigma <= 0)
        {
            src.CopyTo(dst);
            return;
        }
        int rad = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        Span<float> k = stackalloc float[2 * rad + 1];
        float sum = 0;
        for (int i = -rad; i <= rad; i++)
            sum += k[i + rad] = (float)Math.Exp(-i * i / (2 * sigma * sigma));
        for (int i = 0; i < k.Length; i++)
            k[i] /= sum;
        Span<float> tmp = stackalloc float[H * W];
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
        {
            float a = 0;
            for (int j = -rad; j <= rad; j++)
                a += k[j + rad] * src[y * W + Math.Clamp(x + j, 0, W - 1)];
            tmp[y * W + x] = a;
        }
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
        {
            float a = 0;
            for (int j = -rad; j <= rad; j++)
                a += k[j + rad] * tmp[Math.Clamp(y + j, 0, H - 1) * W + x];
            dst[y * W + x] = a;
        }
    }

    /// <summary>Scan drift: each row shifted horizontally by a smooth random walk (linear interpolation).</summary>
    static void Drift(Span<float> img, double sd, Rng r)
    {
        Span<float> row = stackalloc float[W];
        double shift = r.Normal(0, sd);
        for (int y = 0; y < H; y++)
        {
            shift = 0.9 * shift + 0.44 * r.Normal(0, sd); // AR(1) with stationary SD ~ sd
            img.Slice(y * W, W).CopyTo(row);
            for (int x = 0; x < W; x++)
            {
                double p = Math.Clamp(x + shift, 0, W - 1);
                int x0 = (int)p;
                int x1 = Math.Min(x0 + 1, W - 1);
                double f = p - x0;
                img[y * W + x] = (float)(row[x0] * (1 - f) + row[x1] * f);
            }
        }
    }
}
