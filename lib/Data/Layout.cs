using System.Text.RegularExpressions;

namespace SemDepth.Data;

/// <summary>Image geometry shared by every SEM image and depth map of the Dacon set.</summary>
public static class Geometry
{
    /// <summary>Rows of every image.</summary>
    public const int Height = 72;

    /// <summary>Columns of every image.</summary>
    public const int Width = 48;

    /// <summary>Pixels per image (72 x 48).</summary>
    public const int Pixels = Height * Width;
}

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

/// <summary>The Dacon folder and file names, exactly.</summary>
public static partial class DaconNames
{
    public const string Simulation = "simulation_data";
    public const string Train = "train";
    public const string Test = "test";
    public const string AverageDepthCsv = "average_depth.csv";
    public const string SampleSubmission = "sample_submission.zip";

    /// <summary>Hidden ground truth of the synthetic set (never part of the Dacon layout).</summary>
    public const string Truth = "truth";

    /// <summary>The simulated sub-folders of every case (their meaning is unknown).</summary>
    public static readonly IReadOnlyList<string> SubFolders = ["80", "81", "82", "83", "84"];

    public static string SimSemDir(string root, int c, string sub) =>
        Path.Combine(root, Simulation, "SEM", $"Case_{c}", sub);

    public static string SimDepthDir(string root, int c, string sub) =>
        Path.Combine(root, Simulation, "Depth", $"Case_{c}", sub);

    public static string TrainSiteDir(string root, int c, string site) =>
        Path.Combine(root, Train, "SEM", $"Depth_{Cases.DepthFolder(c)}", site);

    public static string TestDir(string root) => Path.Combine(root, Test, "SEM");

    public static string CsvPath(string root) => Path.Combine(root, Train, AverageDepthCsv);

    public static string TruthTrainPath(string root, int c, string site, string file) =>
        Path.Combine(root, Truth, "train", $"Depth_{Cases.DepthFolder(c)}", site, file);

    public static string TruthTestPath(string root, string file) => Path.Combine(root, Truth, "test", file);

    /// <summary>CSV key of a site: depth_110_site_00000.</summary>
    public static string SiteKey(int c, string site) => $"depth_{Cases.DepthFolder(c)}_{site}";

    [GeneratedRegex(@"^depth_(\d+)_(site_\d+)$")]
    public static partial Regex SiteKeyRegex();

    /// <summary>A test image's name, which is also its map's name in the submission: six digits.</summary>
    [GeneratedRegex(@"^\d{6}\.png$")]
    public static partial Regex TestNameRegex();

    /// <summary>A train image's usual name.</summary>
    [GeneratedRegex(@"^SEM_\d{6}\.png$")]
    public static partial Regex TrainNameRegex();

    [GeneratedRegex(@"^site_\d+$")]
    public static partial Regex SiteDirRegex();

    [GeneratedRegex(@"^Depth_(\d+)$")]
    public static partial Regex DepthDirRegex();

    [GeneratedRegex(@"^Case_([1-4])$")]
    public static partial Regex CaseDirRegex();

    [GeneratedRegex(@"^(.+)_itr([01])\.png$")]
    public static partial Regex ItrRegex();
}

/// <summary>One simulated depth map with its two SEM renderings.</summary>
/// <param name="Case">1..4.</param>
/// <param name="SubFolder">"80".."84".</param>
/// <param name="Base">The shared file stem (date_time_lot_wafer_site_image_holeindex).</param>
public sealed record SimPair(
    int Case,
    string SubFolder,
    string Base,
    string DepthPath,
    string Itr0Path,
    string Itr1Path
);

/// <summary>One real train SEM image; its site shares one average depth.</summary>
public sealed record TrainImage(int Case, string Site, string Name, string Path)
{
    public string SiteKey => DaconNames.SiteKey(Case, Site);
}

/// <summary>One real test SEM image (flat folder).</summary>
public sealed record TestImage(string Name, string Path);
