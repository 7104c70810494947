namespace SemDepth.Data;

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
