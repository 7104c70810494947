using SemDepth.Images;

namespace SemDepth.Data;

/// <summary>
/// What a metrologist reads from one 72x48 depth map (0-255, deeper = smaller). Lengths are in pixels and
/// depths in map levels: the Dacon set gives neither a pixel size nor a level's depth in nanometres.
/// </summary>
/// <param name="MeanDepth">The map's mean padded with its case's plateau pixels, as average_depth.csv defines a site's
/// value.</param>
/// <param name="Plateau">Level of the flat surface around the hole: the median of the map's 2-pixel border.</param>
/// <param name="Deepest">The smallest level, at (<paramref name="DeepestRow"/>, <paramref name="DeepestCol"/>).</param>
/// <param name="HoleDepth">Plateau minus deepest.</param>
/// <param name="AreaHalfDepth">Pixels below half the hole depth (plateau - HoleDepth / 2).</param>
/// <param name="DiameterHalfDepth">Diameter of the circle with that area.</param>
/// <param name="TopWidthX">Top width along a row through the hole's centre: the run of pixels more than 10 % of the
/// hole depth below the plateau.</param>
/// <param name="BottomWidthX">Bottom width along that row: the run of pixels within 10 % of the hole depth of the
/// deepest level.</param>
/// <param name="WallSlope">Levels per pixel of the wall between the 10 % and 90 % levels: 0.8 x HoleDepth over half the
/// difference of top and bottom widths, both axes averaged; a wall that drops within a pixel reads as over half a
/// pixel.</param>
/// <param name="Case">The case (1..4, plateau 140/150/160/170): the classifier's where one was given, else the nearest
/// plateau's.</param>
public sealed record HoleMeasurements(
    double MeanDepth,
    double Plateau,
    int Deepest,
    int DeepestRow,
    int DeepestCol,
    double HoleDepth,
    int AreaHalfDepth,
    double DiameterHalfDepth,
    int TopWidthX,
    int TopWidthY,
    int BottomWidthX,
    int BottomWidthY,
    double WallSlope,
    int Case
)
{
    /// <summary>Fraction of the hole depth that separates the top and bottom widths from the plateau and the
    /// bottom.</summary>
    public const double EdgeFraction = 0.1;

    /// <summary>Wall runs shorter than this (px) read as this: a vertical wall has no measurable run in
    /// pixels.</summary>
    public const double MinWallRun = 0.5;

    /// <summary>Measures <paramref name="map"/> (72x48 row-major). <paramref name="caseOfMap"/>: the classifier's case,
    /// or null to take the case whose plateau is nearest the measured one.</summary>
    public static HoleMeasurements Of(ReadOnlySpan<byte> map, int? caseOfMap = null)
    {
        const int W = Geometry.Width;
        if (map.Length != Geometry.Pixels)
            throw new ArgumentException($"a depth map has {Geometry.Pixels} pixels, not {map.Length}", nameof(map));
        double plateau = BorderMedian(map);
        int c = caseOfMap ?? Cases.All.MinBy(k => Math.Abs(Cases.Plateau(k) - plateau));
        var (sum, deepest, dr, dc) = SumAndDeepest(map);
        double mean = Cases.PaddedMean(c, sum / map.Length);
        double depth = Math.Max(0, plateau - deepest);
        if (depth < 1)
            return new HoleMeasurements(mean, plateau, deepest, dr, dc, depth, 0, 0, 0, 0, 0, 0, double.NaN, c);

        double half = plateau - depth / 2,
            top = plateau - EdgeFraction * depth,
            bottom = deepest + EdgeFraction * depth;
        int area = 0;
        double cy = 0,
            cx = 0;
        for (int i = 0; i < map.Length; i++)
            if (map[i] < half)
            {
                area++;
                cy += i / W;
                cx += i % W;
            }
        // the centre of the half-depth region, where it lies inside the region; else the deepest point
        int ry = (int)Math.Round(cy / area),
            rx = (int)Math.Round(cx / area);
        if (map[ry * W + rx] >= half)
            (ry, rx) = (dr, dc);
        var m = map.ToArray();
        Func<byte, bool> below = v => v < top,
            near = v => v <= bottom;
        int topX = Run(m, ry, rx, 0, 1, below),
            topY = Run(m, ry, rx, 1, 0, below);
        // the bottom run goes through the deepest point: the centre of a sloped bottom need not be within 10 % of it
        int bottomX = Run(m, dr, dc, 0, 1, near),
            bottomY = Run(m, dr, dc, 1, 0, near);
        double slopeX = 0.8 * depth / Math.Max(MinWallRun, (topX - bottomX) / 2.0);
        double slopeY = 0.8 * depth / Math.Max(MinWallRun, (topY - bottomY) / 2.0);
        return new HoleMeasurements(
            mean,
            plateau,
            deepest,
            dr,
            dc,
            depth,
            area,
            2 * Math.Sqrt(area / Math.PI),
            topX,
            topY,
            bottomX,
            bottomY,
            (slopeX + slopeY) / 2,
            c
        );
    }

    /// <summary>Sum of the map's pixels and its first deepest pixel (value, row, column).</summary>
    static (double Sum, int Deepest, int Row, int Col) SumAndDeepest(ReadOnlySpan<byte> map)
    {
        double sum = 0;
        int deepest = 255,
            dr = 0,
            dc = 0;
        for (int i = 0; i < map.Length; i++)
        {
            sum += map[i];
            if (map[i] < deepest)
            {
                deepest = map[i];
                dr = i / Geometry.Width;
                dc = i % Geometry.Width;
            }
        }
        return (sum, deepest, dr, dc);
    }

    /// <summary>Length of the run of pixels <paramref name="inside"/> through (y, x) along (stepY, stepX), both
    /// ways; 0 when (y, x) itself is not inside.</summary>
    static int Run(byte[] m, int y, int x, int stepY, int stepX, Func<byte, bool> inside)
    {
        const int H = Geometry.Height,
            W = Geometry.Width;
        if (!inside(m[y * W + x]))
            return 0;
        int n = 1;
        foreach (int s in new[] { -1, 1 })
            for (
                int yy = y + s * stepY, xx = x + s * stepX;
                yy is >= 0 and < H && xx is >= 0 and < W && inside(m[yy * W + xx]);
                yy += s * stepY, xx += s * stepX
            )
                n++;
        return n;
    }

    /// <summary>Median of the pixels within 2 of the map's edge.</summary>
    static double BorderMedian(ReadOnlySpan<byte> map)
    {
        const int H = Geometry.Height,
            W = Geometry.Width;
        Span<int> hist = stackalloc int[256];
        int n = 0;
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (y < 2 || y >= H - 2 || x < 2 || x >= W - 2)
            {
                hist[map[y * W + x]]++;
                n++;
            }
        int acc = 0;
        for (int v = 0; v < 256; v++)
        {
            acc += hist[v];
            if (2 * acc >= n)
                return v;
        }
        return 255;
    }

    /// <summary>The measurements' names and values in CSV column order (<see cref="CsvHeader"/>).</summary>
    public IEnumerable<(string Name, double Value)> Values()
    {
        yield return ("mean_depth", MeanDepth);
        yield return ("plateau", Plateau);
        yield return ("deepest", Deepest);
        yield return ("hole_depth", HoleDepth);
        yield return ("area_half_depth_px", AreaHalfDepth);
        yield return ("diameter_half_depth_px", DiameterHalfDepth);
        yield return ("top_width_x_px", TopWidthX);
        yield return ("top_width_y_px", TopWidthY);
        yield return ("bottom_width_x_px", BottomWidthX);
        yield return ("bottom_width_y_px", BottomWidthY);
        yield return ("wall_slope_levels_per_px", WallSlope);
        yield return ("case", Case);
    }

    /// <summary>The CSV header of <see cref="Values"/>.</summary>
    public static string CsvHeader => string.Join(",", Names);

    /// <summary>The measurements' names in CSV column order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [.. Of(new byte[Geometry.Pixels]).Values().Select(v => v.Name)];
}
