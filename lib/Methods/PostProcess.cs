using SemDepth.Data;
using SemDepth.Images;

namespace SemDepth.Methods;

/// <summary>
/// The published post-processing of predicted depth maps: a 3x3 cross-shaped grey-scale closing
/// (dilation, the maximum over the pixel and its 4 neighbours, then erosion, the minimum), after which
/// every pixel at or above plateau - 1 is set to the plateau of the image's case (140/150/160/170).
/// Outside the hole a simulated map is exactly the plateau, so near-plateau noise is pure error.
/// </summary>
public static class PostProcess
{
    const int H = Geometry.Height,
        W = Geometry.Width,
        P = Geometry.Pixels;

    /// <summary>Closing with the 3x3 cross; pixels outside the image are ignored.</summary>
    public static void CrossClosing(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        if (src.Length != P || dst.Length != P)
            throw new ArgumentException($"images must have {P} pixels");
        Span<byte> dil = stackalloc byte[P];
        CrossFilter(src, dil, max: true);
        CrossFilter(dil, dst, max: false);
    }

    static void CrossFilter(ReadOnlySpan<byte> s, Span<byte> d, bool max)
    {
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
        {
            int i = y * W + x,
                v = s[i];
            if (y > 0)
                v = max ? Math.Max(v, s[i - W]) : Math.Min(v, s[i - W]);
            if (y < H - 1)
                v = max ? Math.Max(v, s[i + W]) : Math.Min(v, s[i + W]);
            if (x > 0)
                v = max ? Math.Max(v, s[i - 1]) : Math.Min(v, s[i - 1]);
            if (x < W - 1)
                v = max ? Math.Max(v, s[i + 1]) : Math.Min(v, s[i + 1]);
            d[i] = (byte)v;
        }
    }

    /// <summary>Closing, then snap to the plateau of <paramref name="caseNumber"/>, in place.</summary>
    public static void Apply(Span<byte> map, int caseNumber)
    {
        int plateau = Cases.Plateau(caseNumber);
        Span<byte> closed = stackalloc byte[P];
        CrossClosing(map, closed);
        for (int i = 0; i < P; i++)
            map[i] = closed[i] >= plateau - 1 ? (byte)plateau : closed[i];
    }

    /// <summary>Applies <see cref="Apply"/> to every map of a batch with its case.</summary>
    public static void ApplyAll(byte[] maps, IReadOnlyList<int> cases)
    {
        if (maps.Length != cases.Count * P)
            throw new ArgumentException($"{maps.Length / P} maps but {cases.Count} cases");
        for (int k = 0; k < cases.Count; k++)
            Apply(maps.AsSpan(k * P, P), cases[k]);
    }

    /// <summary>The case whose plateau is nearest to a predicted map's upper values (its 90th percentile).</summary>
    public static int CaseOfMap(ReadOnlySpan<byte> map)
    {
        Span<int> hist = stackalloc int[256];
        foreach (byte v in map)
            hist[v]++;
        int target = (int)(map.Length * 0.9),
            acc = 0,
            p90 = 255;
        for (int v = 0; v < 256; v++)
        {
            acc += hist[v];
            if (acc >= target)
            {
                p90 = v;
                break;
            }
        }
        return Cases.All.MinBy(c => Math.Abs(Cases.Plateau(c) - p90));
    }
}
