using System.Text.Json;
using System.Text.Json.Nodes;

namespace SemDepth.Workspace;

/// <summary>
/// The sizes a run keeps to so that it fits its time budget (a CPU run of a full-size data root): training
/// images per epoch, CycleGAN steps, evaluation samples and retrieval's comparison queries. 0 everywhere is
/// "no cap", the published sizes. The main job's plan (<c>semdepth run</c>) writes them into
/// <c>artifacts/plan.json</c> and points <c>SEMDEPTH_PLAN</c> at it; every notebook reads them from
/// <see cref="Current"/> and shows <see cref="Lines"/> in its setup summary.
/// </summary>
public sealed record RunCaps
{
    /// <summary>Minutes the run was planned for (0: no budget).</summary>
    public double BudgetMinutes { get; init; }

    /// <summary>Why the caps exist, in words ("CPU budget").</summary>
    public string Reason { get; init; } = "";

    /// <summary>Training images per epoch of the AE baseline (0: all).</summary>
    public int AeImages { get; init; }

    /// <summary>Training images per epoch of the U-Net on simulated pairs.</summary>
    public int UNetImages { get; init; }

    /// <summary>Training images per epoch of the oracle (real-domain truth).</summary>
    public int OracleImages { get; init; }

    /// <summary>Training images per epoch of the case classifier.</summary>
    public int ClassifierImages { get; init; }

    /// <summary>CycleGAN generator steps per epoch.</summary>
    public int CycleGanSteps { get; init; }

    /// <summary>Short CycleGANs of notebook 03's selection (0: the options' own count).</summary>
    public int CycleGanCandidates { get; init; }

    /// <summary>Real test images of every evaluation table (a seeded sample; the submission predicts them
    /// all).</summary>
    public int EvalTestImages { get; init; }

    /// <summary>Real train images of every evaluation table: every held-out site, then whole other sites.</summary>
    public int EvalTrainImages { get; init; }

    /// <summary>Simulated validation images of every evaluation table.</summary>
    public int EvalSimValImages { get; init; }

    /// <summary>Retrieval searches approximately, as the exact search does not fit; false leaves the method's
    /// default.</summary>
    public bool ApproximateRetrieval { get; init; }

    /// <summary>The oracle U-Net (a bound, notebook 03) is not trained: the budget went to the submitted methods'
    /// training first and the oracle's smallest size did not fit after it.</summary>
    public bool OracleLeftOut { get; init; }

    /// <summary>Notebook 04's perfect-restyle library and the retrieval ceilings on it (bounds) are left out.</summary>
    public bool PerfectRestyleLeftOut { get; init; }

    /// <summary>Notebook 04's exact-against-approximate search comparison (a diagnostic) is left out.</summary>
    public bool ExactComparisonLeftOut { get; init; }

    /// <summary>Why a diagnostic is left out, for the line that says so where it would have been.</summary>
    public const string LeftOutWhy =
        "it did not fit the budget once the methods the submission may use were trained (setup summary: caps)";

    /// <summary>What was capped, one line each ("U-Net: 2 epochs over 60,000 of 138,643 simulated training images (CPU
    /// budget)").</summary>
    public List<string> Lines { get; init; } = [];

    public bool Any => Lines.Count > 0;

    /// <summary>No caps: the published sizes.</summary>
    public static RunCaps None { get; } = new();

    static RunCaps? _current;

    /// <summary>The caps of this run: from the plan SEMDEPTH_PLAN names, else <see cref="None"/>.</summary>
    public static RunCaps Current => _current ??= Load(Settings.Current.Plan);

    /// <summary>Replaces <see cref="Current"/> (tests, and the console after planning).</summary>
    public static void Use(RunCaps caps) => _current = caps;

    /// <summary>The caps of a plan file (its "caps" object); <see cref="None"/> for no file.</summary>
    public static RunCaps Load(string? planFile)
    {
        if (string.IsNullOrEmpty(planFile))
            return None;
        if (!File.Exists(planFile))
            throw new FileNotFoundException($"SEMDEPTH_PLAN names {planFile}, which does not exist", planFile);
        var node = JsonNode.Parse(File.ReadAllText(planFile))?["caps"]
            ?? throw new InvalidDataException($"{planFile} has no \"caps\" object");
        return node.Deserialize<RunCaps>(JsonOptions) ?? None;
    }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>At most <paramref name="cap"/> of <paramref name="n"/> (0: all).</summary>
    public static int Of(int cap, int n) => cap > 0 ? Math.Min(cap, n) : n;

    public override string ToString() => Any ? string.Join("\n", Lines) : "none: the published sizes";
}
