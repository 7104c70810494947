using SemDepth.Methods;

namespace SemDepth.Cli;

/// <summary>What `semdepth bench retrieval` measures and how often; the search itself is a
/// <see cref="RetrievalOptions"/> (<see cref="Search"/>).</summary>
sealed record RetrievalBenchOptions
{
    /// <summary>Queries whose approximate top-1 key is compared with the exact one (recall@1).</summary>
    public int RecallQueries { get; init; } = 1000;

    /// <summary>Queries whose exact search is timed beside the PyTorch peer.</summary>
    public int PeerQueries { get; init; } = 1000;

    /// <summary>Timed repetitions after a warm-up (the median is reported).</summary>
    public int Reps { get; init; } = 3;

    /// <summary>Also time the exact search of every test query against the restyled library.</summary>
    public bool ExactAll { get; init; }

    /// <summary>Run (under runs/, or a full path) whose generators restyle the keys and translate the
    /// queries.</summary>
    public string CycleGan { get; init; } = SemDepth.Training.RunNames.CycleGan;

    /// <summary>Keys rendered by the synthetic set's real-domain physics without noise (a ceiling).</summary>
    public bool PerfectRestyle { get; init; }

    /// <summary>How keys and queries are made and searched (the approximate search is timed with it).</summary>
    public RetrievalOptions Search { get; init; } = new();

    /// <summary>The search's options for the console's <c>--keys</c> value: both, restyled, translated or
    /// raw.</summary>
    public static RetrievalOptions WithKeys(RetrievalOptions search, string keys) =>
        search with
        {
            Restyle = keys is "both" or "restyled",
            TranslateQueries = keys is "both" or "translated",
        };
}
