using System.Text.Json;
using SemDepth.Training;
using SemDepth.Workspace;

namespace SemDepth.Methods;

/// <summary>Options of nearest-neighbour retrieval (the method that won, 1.22 RMSE).</summary>
public sealed record RetrievalOptions
{
    /// <summary>Restyle the simulated library into the real domain with <c>GenSimToReal</c> and compare it with
    /// the real queries (the winners' key).</summary>
    public bool Restyle { get; init; } = true;

    /// <summary>The other direction: translate each query into the simulated domain with <c>GenRealToSim</c>
    /// and compare it with the raw simulated keys. The translated query is noise-free, while a restyled key keeps
    /// what the generator could not remove of the simulated noise. With <see cref="Restyle"/> too (the default,
    /// "both directions") the score is the mean of the two correlations: the two generators err differently,
    /// so the mean finds more holes than either (docs/benchmarks.md). Neither: the raw library.</summary>
    public bool TranslateQueries { get; init; } = true;

    /// <summary>Gaussian blur (sigma, px; circular, so it commutes with the shifts) of every query and key
    /// image before z-scoring; 0 turns it off. It discounts the pixel noise neither generator reproduces.</summary>
    public double SmoothSigma { get; init; } = 1.0;

    /// <summary>What each library key is made from: <c>mean</c> of itr0 and itr1 (the winners' choice; the two
    /// renderings differ only in noise, so the mean halves its variance) or <c>itr0</c>.</summary>
    public KeyInput KeyInput { get; init; } = KeyInput.Mean;

    /// <summary>Circular shifts of the query, -MaxShift..+MaxShift px in both axes, best score over the shifts.
    /// Real crops sit off their depth maps, mostly by a pixel at most (the winners searched 2; the synthetic set
    /// renders such offsets, <c>SyntheticConfig.RealSemJitterSd</c>); wider shifts mostly let other holes win.
    /// docs/benchmarks.md has the measured settings.</summary>
    public int MaxShift { get; init; } = 1;

    /// <summary>Return the winning map rolled back by the query's winning shift, so that its hole sits where the
    /// query's hole is. Off by default: a real crop sits off its map while its truth sits in the map's own frame, so
    /// the found map as it is is the truth when the search found the query's own hole (the winners returned it
    /// untouched and scored 1.22; a reproduction that shifted back scored about 6.3). Rolled back is the better
    /// guess only where the found map is mostly another hole (quick main job, holes without a wandering rim: 6.81
    /// against 7.06; with it: 5.71 against 3.87 unshifted). Held-out site averages cannot tell the two apart.</summary>
    public bool ShiftBack { get; init; }

    /// <summary>
    /// Each library map is the truth of at most one real image (the real download's counts say so): the queries of
    /// one prediction are assigned to maps one-to-one instead of each taking its own top-1, greedily by cosine over
    /// each query's <see cref="AssignCandidates"/> best keys (a query whose candidates are all taken gets its best
    /// free key of the whole case), a query moving off its best only for a near tie (<see cref="AssignSlack"/>).
    /// Test images are assigned together (the first prediction searches every test image); other image sets over the
    /// images asked for.
    /// </summary>
    public bool OneToOne { get; init; }

    /// <summary>Keys per query the one-to-one assignment chooses from.</summary>
    public int AssignCandidates { get; init; } = 8;

    /// <summary>One-to-one only: a query gives up its best key for another only when that key's cosine distance
    /// (1 - cosine) is at most 1 + AssignSlack times its best's; else it keeps its best, shared. Where maps are reused
    /// (the assumption false) two images of one map both sit far closer to it than to any other, and share it;
    /// where each map is one image's truth, a near-tie is resolved. Infinity: strictly one-to-one.</summary>
    public double AssignSlack { get; init; } = 0.1;

    /// <summary>One-to-one only: before assigning, every train image is searched (those of the sites being predicted
    /// aside); a site whose matched maps reproduce its average_depth.csv value within <see cref="ConfirmTolerance"/>
    /// is confirmed, and its maps, the truths of train images, leave the candidates. 0 turns it off.</summary>
    public double ConfirmTolerance { get; init; } = 0.5;

    /// <summary>At most this many train images are searched to confirm sites and to rival the test images (whole
    /// sites, an even sample); 0: every one (the default: on the full preset every train image searched took the
    /// one-to-one assignment from 5.12 to 4.60 test RMSE for about a minute of search, docs/benchmarks.md).</summary>
    public int ConfirmImages { get; init; }

    /// <summary>One-to-one only: the searched train images of unconfirmed sites (and, for a train image being
    /// predicted, the test images) compete for the maps too, each with its <see cref="AssignCandidates"/> best keys:
    /// a map another real image holds more strongly is that image's truth, not the query's.</summary>
    public bool TrainRivals { get; init; } = true;

    /// <summary>Search every case's keys instead of the classifier's case.</summary>
    public bool AllCases { get; init; }

    /// <summary>1: the best key's depth map verbatim (winners). Above 1: a softmax-weighted mean of the
    /// top-k maps with temperature <see cref="Temperature"/> on the cosine.</summary>
    public int TopK { get; init; } = 1;
    public double Temperature { get; init; } = 0.005;

    /// <summary><c>exact</c>: every key, every shift, as matrix products. <c>approx</c> (for CPUs): keys and
    /// queries projected onto a <see cref="Components"/>-dimensional subspace of the keys; the keys of each case
    /// are split into <see cref="Lists"/> k-means lists there, each query (at every shift) scans only the
    /// <see cref="Probes"/> lists whose centres score best, keeps its <see cref="Candidates"/> best keys and
    /// re-ranks them exactly.</summary>
    public SearchMode Search { get; init; } = SearchMode.Exact;
    public int Components { get; init; } = 64;
    public int Candidates { get; init; } = 16;

    /// <summary>k-means lists per case for the approximate search; 0: the square root of the case's keys
    /// (147 for the full preset's 21,663), 1: no lists (every key scored in the subspace).</summary>
    public int Lists { get; init; }

    /// <summary>Lists each query scans (its best over the shifts). 64: holes with a wandering rim are told apart by
    /// fine detail the subspace keeps less well; on the full preset with keys of the real physics 64 probes agree with
    /// the exact search on 99.4 % of queries (32: 95.4 %) at 29 s instead of 18 s for all 25,988 (docs/performance.md).
    /// </summary>
    public int Probes { get; init; } = 64;

    /// <summary>Bound on the score block of one chunk of queries (25 shifts x chunk x keys floats), MiB.
    /// Peak memory of the search is this plus the keys.</summary>
    public int ChunkMiB { get; init; } = 256;

    /// <summary>Images per generator batch when restyling (<see cref="Inference.DefaultBatch"/>).</summary>
    public int RestyleBatch { get; init; } = Inference.DefaultBatch;
    public int Seed { get; init; } = 41;

    /// <summary>The winners' keys and search: the restyled library against the real queries as they are,
    /// unsmoothed, +-2 px shifts, the found map unshifted.</summary>
    public static RetrievalOptions RestyledKeys =>
        new()
        {
            TranslateQueries = false,
            SmoothSigma = 0,
            MaxShift = 2,
            ShiftBack = false,
        };

    /// <summary>Images a key (and a query) is made of: 2 in both directions, else 1.</summary>
    public int Parts => Restyle && TranslateQueries ? 2 : 1;

    /// <summary>What is compared, in words (method names, tables).</summary>
    public string Describe() =>
        (Restyle, TranslateQueries) switch
        {
            (true, true) => "both directions",
            (true, false) => "restyled library",
            (false, true) => "queries translated to sim, raw library",
            _ => "raw library",
        }
        + (SmoothSigma > 0 ? $", smoothed {SmoothSigma:0.#} px" : "")
        + (MaxShift > 0 ? $", +-{MaxShift} px shifts{(ShiftBack ? ", map shifted back" : "")}" : ", no shifts")
        + (OneToOne ? ", one-to-one" : "");

    /// <summary>Prints modes by their text ("Model = unet"), as the JSON and the console name them.</summary>
    bool PrintMembers(System.Text.StringBuilder builder) => ModeNames.PrintRecord(this, builder);

    public string ToJson() => JsonSerializer.Serialize(this, DepthOptions.Json);

    /// <summary>Throws on a value no search can use; names the option.</summary>
    public void Check()
    {
        if (SmoothSigma is < 0 or > 5)
            throw new ArgumentException($"SmoothSigma must be 0..5 px, not {SmoothSigma}");
        ModeNames.Defined(KeyInput, nameof(KeyInput));
        ModeNames.Defined(Search, nameof(Search));
        if (MaxShift is < 0 or > 10)
            throw new ArgumentException("MaxShift must be 0..10");
        if (TopK < 1)
            throw new ArgumentException("TopK must be at least 1");
        if (AssignCandidates < 1)
            throw new ArgumentException("AssignCandidates must be at least 1");
        if (!(AssignSlack >= 0))
            throw new ArgumentException(
                $"AssignSlack must be 0 or more (Infinity: strictly one-to-one), not {AssignSlack}"
            );
        if (ConfirmTolerance < 0 || double.IsNaN(ConfirmTolerance) || ConfirmImages < 0)
            throw new ArgumentException("ConfirmTolerance and ConfirmImages must be 0 or more");
        if (Components < 1 || Candidates < 1)
            throw new ArgumentException("Components and Candidates must be positive");
        if (Lists < 0 || Probes < 1)
            throw new ArgumentException("Lists must be 0 (automatic) or more, Probes at least 1");
        if (ChunkMiB < 1)
            throw new ArgumentException("ChunkMiB must be positive");
    }
}
