using System.Text.RegularExpressions;

namespace SemDepth.Data;

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
