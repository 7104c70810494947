using System.Text.Json;
using System.Text.Json.Serialization;
using SemDepth.Data;
using SemDepth.Workspace;

namespace SemDepth.Synthetic;

/// <summary>How real-domain images take their holes from the simulated library
/// (<see cref="SyntheticConfig.LibraryUse"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LibraryUse>))]
public enum LibraryUse
{
    /// <summary>Every (case, structure) map is the truth of at most one real image, train or test; with as many real
    /// images a case as maps (every preset) of exactly one, as the real download's counts say.</summary>
    [JsonStringEnumMemberName("one-to-one")]
    OneToOne,

    /// <summary>Each real image draws its map independently: a map may be the truth of several images or of none
    /// (a config for testing methods where the one-to-one assumption is false).</summary>
    [JsonStringEnumMemberName("with-replacement")]
    WithReplacement,
}

/// <summary>
/// Every parameter of the synthetic data set, JSON-serialisable. Defaults reproduce the published
/// statistics of the Dacon set (shared/docs/dacon-dataset.md); presets only change the counts.
/// </summary>
public sealed record SyntheticConfig
{
    /// <summary>Preset the counts came from: tiny, quick, full or custom.</summary>
    public string Preset { get; init; } = "custom";

    /// <summary>Seed of everything; the same seed and config give byte-identical files.</summary>
    public int Seed { get; init; } = 41;

    /// <summary>Simulated depth maps per case (each with two SEM renderings), spread over sub-folders 80..84.
    /// The same hole shape (the same &lt;base&gt;) is rendered in every case, as the real set seems to.</summary>
    public int SimMapsPerCase { get; init; } = 600;

    /// <summary>Train sites per Depth folder (110, 120, 130, 140).</summary>
    public int[] TrainSitesPerCase { get; init; } = [40, 40, 40, 40];

    /// <summary>Train images per Depth folder, spread evenly over its sites.</summary>
    public int TrainImagesPerCase { get; init; } = 400;

    /// <summary>Test images. One-to-one (<see cref="LibraryUse"/>): split evenly over the cases (the first cases
    /// take a remainder), so that train + test images of a case equal its maps in every preset; with replacement:
    /// cases drawn uniformly.</summary>
    public int TestImages { get; init; } = 800;

    /// <summary>Write sample_submission.zip (one constant PNG per test image). Off by default: the real
    /// download that users reported held none, so every run exercises its absence.</summary>
    public bool WriteSampleSubmission { get; init; }

    /// <summary>
    /// How real images take library maps. The real download's counts (60,664 train + 25,988 test = 86,652 = the
    /// simulated maps, about 6,497 test images a case) say every (case, structure) map is the truth of exactly one
    /// real image: <see cref="LibraryUse.OneToOne"/>, the default. <see cref="LibraryUse.WithReplacement"/> keeps
    /// the older draw (a map may serve several images) for configs that test what happens when that is false.
    /// </summary>
    public LibraryUse LibraryUse { get; init; } = LibraryUse.OneToOne;

    /// <summary>
    /// Share of real-domain images (train and test) whose hole is a map of the simulated library of their case,
    /// exactly; the rest are new shapes (their maps then serve no image). 1 by default: one real image per map
    /// leaves no room for shapes outside the library.
    /// </summary>
    public double RealLibraryShare { get; init; } = 1.0;

    /// <summary>Correlation (Gaussian copula on the rank of the map's mean depth) between the library maps
    /// drawn by images of one train site, so that site averages spread as published (SD about 1.55 within a
    /// folder at 29 images a site; docs/benchmarks.md has the measured spreads); 0 draws maps independently.
    /// 0.7 one-to-one (0.9 gave SD 1.9 there: sites of one rank cannot share maps, so they spread further).</summary>
    public double SiteLibraryCorrelation { get; init; } = 0.7;

    /// <summary>The site's latent draw of that copula is kept within +-this many SDs, so that no site's
    /// average falls outside the published range of its folder (Depth_110: 105.33-111.89, Depth_140:
    /// 134.74-142.16) while the spread stays as published.</summary>
    public double SiteLatentBound { get; init; } = 1.0;

    /// <summary>
    /// Real-domain crops are offset from their depth maps: each real SEM image is rendered from its hole moved
    /// by a whole number of px on each axis, at most this many (a random stream of its own), while its truth
    /// map stays where it was; the image edges are rendered, not wrapped. The winners needed a +-2 px shifted
    /// search and returned the found map unshifted, which says real crops sit up to about 2 px off their maps.
    /// 0 aligns every image with its map.
    /// </summary>
    public int RealSemJitterPx { get; init; } = 2;

    /// <summary>
    /// SD (px) of each axis' offset before it is rounded and clipped to <see cref="RealSemJitterPx"/>. Most
    /// real crops must sit within a pixel of their maps: an offset costs every method that reads the hole's
    /// place from the image an error floor (1 px about 6 RMSE, 2 px about 12), and the published regression
    /// results on the real data (U-Net 8.0, with site averages 5.3, an ensemble 4.6) leave room for a floor of
    /// about 4 at most; offsets drawn uniformly from -2..2 would put it at 10.3 (docs/benchmarks.md).
    /// </summary>
    public double RealSemJitterSd { get; init; } = 0.5;

    /// <summary>Share of real-domain SEM PNGs (train and test) stored as 8-bit RGB with three identical
    /// channels, as about 2/3 of the real download's are; the rest are 8-bit gray. Depth maps, simulated
    /// SEM and the hidden truth stay gray, as in the real set.</summary>
    public double RealRgbShare { get; init; } = 2.0 / 3.0;

    /// <summary>Leave one stray Jupyter checkpoint file in one Depth_140 site folder
    /// (<c>.ipynb_checkpoints/SEM_NNNNNN-checkpoint.png</c>), as the real download has.</summary>
    public bool StrayCheckpointFile { get; init; } = true;

    /// <summary>Hole geometry.</summary>
    public ShapeConfig Shape { get; init; } = new();

    /// <summary>How simulated SEM images are rendered (darker, noisier, no charging).</summary>
    public RenderConfig SimRender { get; init; } = RenderConfig.SimDefault;

    /// <summary>How real SEM images are rendered (brighter top, low noise, charging ring, shading, drift).</summary>
    public RenderConfig RealRender { get; init; } = RenderConfig.RealDefault;

    /// <summary>Tests: a few hundred files, seconds.</summary>
    public static SyntheticConfig Tiny =>
        new()
        {
            Preset = "tiny",
            SimMapsPerCase = 34, // 24 train + 10 test images a case: one real image a map
            TrainSitesPerCase = [4, 4, 4, 4],
            TrainImagesPerCase = 24,
            TestImages = 40,
        };

    /// <summary>The main job on a 2-core CPU: big enough that training means something.</summary>
    public static SyntheticConfig Quick => new() { Preset = "quick" };

    /// <summary>The real set's counts: 86,652 depth maps, 173,304 sim SEM, 60,664 train, 25,988 test.</summary>
    public static SyntheticConfig Full =>
        new()
        {
            Preset = "full",
            SimMapsPerCase = 21663,
            TrainSitesPerCase = [516, 515, 514, 514],
            TrainImagesPerCase = 15166,
            TestImages = 25988,
        };

    /// <summary>A preset by name (tiny, quick, full).</summary>
    public static SyntheticConfig FromPreset(string name) =>
        FromPreset(ModeNames.Parse<Workspace.Preset>(name, "preset"));

    /// <summary>The config of <paramref name="preset"/>.</summary>
    public static SyntheticConfig FromPreset(Workspace.Preset preset) =>
        ModeNames.Defined(preset, "preset") switch
        {
            Workspace.Preset.Tiny => Tiny,
            Workspace.Preset.Quick => Quick,
            _ => Full,
        };

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a config file; missing fields keep their defaults.</summary>
    public static SyntheticConfig Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<SyntheticConfig>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException("empty config");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid synthetic config ({e.Message})", e);
        }
    }

    /// <summary>One-to-one: test images of case <paramref name="c"/> (1..4), the remainder to the first
    /// cases.</summary>
    public int TestImagesOf(int c) => TestImages / 4 + (c - 1 < TestImages % 4 ? 1 : 0);

    /// <summary>Throws on counts or parameters that cannot make a data set.</summary>
    public void Check()
    {
        if (SimMapsPerCase < 5)
            throw new ArgumentException("SimMapsPerCase must be at least 5 (one per sub-folder)");
        if (TrainSitesPerCase.Length != 4 || TrainSitesPerCase.Any(s => s < 1))
            throw new ArgumentException("TrainSitesPerCase needs 4 positive counts");
        if (TrainImagesPerCase < TrainSitesPerCase.Max())
            throw new ArgumentException("TrainImagesPerCase must give every site at least one image");
        if (TestImages < 1)
            throw new ArgumentException("TestImages must be positive");
        if (RealLibraryShare is < 0 or > 1 || double.IsNaN(RealLibraryShare))
            throw new ArgumentException("RealLibraryShare must be between 0 and 1");
        if (!Enum.IsDefined(LibraryUse))
            throw new ArgumentException($"LibraryUse must be one-to-one or with-replacement, not {(int)LibraryUse}");
        if (LibraryUse == LibraryUse.OneToOne)
            foreach (int c in Cases.All)
            {
                int real = TrainImagesPerCase + TestImagesOf(c);
                if (real > SimMapsPerCase)
                    throw new ArgumentException(
                        $"one-to-one needs at most as many real images a case as maps: Case_{c} has {real:N0} "
                            + $"({TrainImagesPerCase:N0} train + {TestImagesOf(c):N0} test) "
                            + $"for {SimMapsPerCase:N0} maps; "
                            + "raise SimMapsPerCase, lower the image counts or set LibraryUse to with-replacement"
                    );
            }
        if (SiteLibraryCorrelation is < 0 or >= 1 || double.IsNaN(SiteLibraryCorrelation))
            throw new ArgumentException("SiteLibraryCorrelation must be in [0, 1)");
        if (RealSemJitterPx is < 0 or > 8)
            throw new ArgumentException("RealSemJitterPx must be 0..8 px");
        if (RealSemJitterSd < 0 || double.IsNaN(RealSemJitterSd))
            throw new ArgumentException("RealSemJitterSd must be 0 or more");
        if (SiteLatentBound <= 0 || double.IsNaN(SiteLatentBound))
            throw new ArgumentException("SiteLatentBound must be positive");
        if (Shape.RimModes is < 0 or > 16)
            throw new ArgumentException($"Shape.RimModes must be 0..16, not {Shape.RimModes}");
        if (Shape.RimRoughness is < 0 or > 0.05 || double.IsNaN(Shape.RimRoughness))
            throw new ArgumentException(
                $"Shape.RimRoughness must be 0..0.05 (a share of the half-width), not {Shape.RimRoughness}"
            );
        if (RealRgbShare is < 0 or > 1 || double.IsNaN(RealRgbShare))
            throw new ArgumentException("RealRgbShare must be between 0 and 1");
    }
}

/// <summary>Hole geometry: a vertically elongated stadium with a flat bottom and steep walls.
/// Depth = plateau * u(rho), rho = distance from the stadium's axis / half-width.</summary>
public sealed record ShapeConfig
{
    /// <summary>Hole centre row (mean, SD).</summary>
    public double CenterRow { get; init; } = 35.5;
    public double CenterRowSd { get; init; } = 1.0;

    /// <summary>Hole centre column (mean, SD).</summary>
    public double CenterCol { get; init; } = 23.5;
    public double CenterColSd { get; init; } = 1.0;

    /// <summary>Half the hole's height in px (mean, SD): about 56 px tall.</summary>
    public double HalfHeight { get; init; } = 28.0;
    public double HalfHeightSd { get; init; } = 0.5;

    /// <summary>Half the hole's width in px (mean, SD): about 34 px wide.</summary>
    public double HalfWidth { get; init; } = 17.0;
    public double HalfWidthSd { get; init; } = 0.4;

    /// <summary>Bottom depth as a fraction of the plateau (uniform range): bottom about 15-30.</summary>
    public double BottomMin { get; init; } = 0.12;
    public double BottomMax { get; init; } = 0.20;

    /// <summary>Radius (fraction of the half-width) of the flat bottom (uniform range).</summary>
    public double FlatMin { get; init; } = 0.30;
    public double FlatMax { get; init; } = 0.50;

    /// <summary>Wall profile exponent (uniform range): above 1, steeper near the rim.</summary>
    public double WallExpMin { get; init; } = 1.2;
    public double WallExpMax { get; init; } = 1.9;

    /// <summary>
    /// Modes (2, 3, ...) of the rim's wander around the hole: its radius is scaled by 1 + the sum over modes of
    /// a cos(k th) + b sin(k th), each amplitude drawn with SD <see cref="RimRoughness"/>; 0: a smooth stadium.
    /// Without it the hole has 7 parameters, and among the full preset's 21,663 maps a case every map has a twin of
    /// the same rim within 0.05 px one whole pixel over, which a +-2 px search cannot tell apart: keys rendered by the
    /// real physics found the own map for 74 % of test images (ceiling 4.78 RMSE). With 5 modes at 0.005 (about
    /// 0.09 px on the half-width): 99 % (ceiling 1.04), and the nearest other map of a case is 2.05 RMSE away, as in
    /// the real library (about 2.0; it was 1.77) (docs/benchmarks.md, "Holes a search can tell apart").
    /// </summary>
    public int RimModes { get; init; } = 5;

    /// <summary>SD of each rim mode's relative amplitude (<see cref="RimModes"/>).</summary>
    public double RimRoughness { get; init; } = 0.005;

    /// <summary>Per-case jitter of a shared shape (relative SD of size).</summary>
    public double CaseJitter { get; init; } = 0.01;

    /// <summary>Real sites: relative SD of a site's hole size (the site averages' spread).</summary>
    public double SiteSizeSd { get; init; } = 0.02;

    /// <summary>Real sites: SD of a site's bottom fraction.</summary>
    public double SiteBottomSd { get; init; } = 0.01;

    /// <summary>Change of the bottom fraction per case step (deeper cases have relatively deeper holes).</summary>
    public double BottomPerCase { get; init; } = -0.010;
}

/// <summary>How a depth map becomes an SEM image: secondary-electron yield from slope and escape
/// depth, beam blur, optional charging ring, detector shading and scan drift, Poisson-Gaussian noise.</summary>
public sealed record RenderConfig
{
    /// <summary>Grey level of the flat top (mean, SD across images).</summary>
    public double TopLevel { get; init; }
    public double TopLevelSd { get; init; }

    /// <summary>Fraction of the top signal that still escapes from the deepest point.</summary>
    public double EscapeFloor { get; init; }

    /// <summary>Escape decay per 100 depth units below the plateau.</summary>
    public double EscapeRate { get; init; }

    /// <summary>Escape falls faster in deeper holes (higher aspect ratio): the rate is scaled by
    /// (plateau/150)^AspectExponent.</summary>
    public double AspectExponent { get; init; } = 1.5;

    /// <summary>Edge effect: a bright band centred <see cref="HaloOffset"/> px from the rim (negative: inside),
    /// Gaussian of width <see cref="HaloWidth"/>.</summary>
    public double HaloAmplitude { get; init; } = 80;
    public double HaloWidth { get; init; } = 1.8;
    public double HaloOffset { get; init; } = -0.8;

    /// <summary>Converts depth units per px into the surface slope (tan theta).</summary>
    public double SlopeScale { get; init; }

    /// <summary>Exponent n of the sec(theta)^n yield.</summary>
    public double SecExponent { get; init; }

    /// <summary>Rim halo peak before noise (mean, SD); the image maximum after noise is clipped to <see
    /// cref="ClipMax"/>.</summary>
    public double RimPeak { get; init; }
    public double RimPeakSd { get; init; }

    /// <summary>Gaussian beam blur, px.</summary>
    public double BlurSigma { get; init; }

    /// <summary>Charging: extra brightness just outside the rim, decaying over <see cref="ChargingWidth"/>
    /// px.</summary>
    public double ChargingAmplitude { get; init; }
    public double ChargingWidth { get; init; } = 3;

    /// <summary>Detector shading: relative brightness change from left to right edge.</summary>
    public double Shading { get; init; }

    /// <summary>Scan drift: SD of the per-row horizontal shift, px. The real default is 0.05: drift moves the rim by
    /// as much as the library's shapes differ, which the winners' 1.22 rules out (0.35 px: own map found for 23 % of
    /// test images with keys of the real physics; 0.1 px: 89 % on quick; 0.05 px: 99 % at the full preset's library
    /// density; docs/benchmarks.md).</summary>
    public double DriftSd { get; init; }

    /// <summary>Noise variance = PoissonGain * signal + GaussianSd^2.</summary>
    public double PoissonGain { get; init; }
    public double GaussianSd { get; init; }

    /// <summary>Detector saturation: the image maximum (212 in both domains).</summary>
    public double ClipMax { get; init; } = 212;

    public static RenderConfig SimDefault =>
        new()
        {
            TopLevel = 127,
            TopLevelSd = 1.5,
            EscapeFloor = 0.14,
            EscapeRate = 4.5,
            SlopeScale = 0.12,
            SecExponent = 1.0,
            HaloAmplitude = 90,
            HaloWidth = 1.4,
            HaloOffset = -0.8,
            RimPeak = 206,
            RimPeakSd = 3,
            BlurSigma = 0.7,
            ChargingAmplitude = 0,
            Shading = 0,
            DriftSd = 0,
            PoissonGain = 0.9,
            GaussianSd = 5,
        };

    public static RenderConfig RealDefault =>
        new()
        {
            TopLevel = 152,
            TopLevelSd = 1.5,
            EscapeFloor = 0.13,
            EscapeRate = 4.0,
            SlopeScale = 0.10,
            SecExponent = 0.9,
            HaloAmplitude = 70,
            HaloWidth = 1.55,
            HaloOffset = -0.5,
            RimPeak = 209,
            RimPeakSd = 2,
            BlurSigma = 1.1,
            ChargingAmplitude = 12,
            ChargingWidth = 3.5,
            Shading = 0.08,
            DriftSd = 0.05,
            PoissonGain = 0.08,
            GaussianSd = 2,
        };
}
