using SemDepth.Images;

namespace SemDepth.Data;

/// <summary>
/// The one mapping between a simulation case, the train folder of the same depth and the plateau
/// value of its depth maps: Case k &lt;-&gt; Depth_{100+10k} &lt;-&gt; plateau 130+10k.
/// </summary>
public static class Cases
{
    /// <summary>Case numbers 1..4.</summary>
    public static readonly IReadOnlyList<int> All = [1, 2, 3, 4];

    /// <summary>Train folder depth for a case: 110, 120, 130, 140.</summary>
    public static int DepthFolder(int c) => 100 + 10 * Check(c);

    /// <summary>Value of every depth-map pixel outside the hole: 140, 150, 160, 170.</summary>
    public static int Plateau(int c) => 130 + 10 * Check(c);

    /// <summary>Plateau pixels that, added to a 3,456-pixel map, reproduce the site averages of
    /// average_depth.csv (the site average covers flat surface outside the crop).</summary>
    public static int PlateauPadding(int c) =>
        Check(c) switch
        {
            1 => 750,
            2 => 1100,
            3 => 1450,
            _ => 1800,
        };

    /// <summary>Case of a train folder depth (110..140).</summary>
    public static int FromDepthFolder(int depth) =>
        depth is 110 or 120 or 130 or 140
            ? (depth - 100) / 10
            : throw new ArgumentOutOfRangeException(
                nameof(depth),
                depth,
                "train depth folders are Depth_110, _120, _130, _140"
            );

    /// <summary>Site average implied by a depth map's mean (with the plateau padding).</summary>
    public static double PaddedMean(int c, double mapMean) =>
        (mapMean * Geometry.Pixels + PlateauPadding(c) * (double)Plateau(c)) / (Geometry.Pixels + PlateauPadding(c));

    static int Check(int c) =>
        c is >= 1 and <= 4 ? c : throw new ArgumentOutOfRangeException(nameof(c), c, "cases are 1..4");
}
