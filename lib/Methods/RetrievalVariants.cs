using SemDepth.Data;
using SemDepth.Models;
using SemDepth.Training;
using SemDepth.Workspace;

namespace SemDepth.Methods;

/// <summary>
/// Notebook 04's retrieval and its variants over the CycleGAN and case classifier that notebook 03 saved in
/// runs/: the method (both directions) and, each built on first use, the same without shifts, the winners' keys
/// and search, translated queries alone, the raw library, all cases, and the perfect-restyle ceiling (synthetic
/// set only).
/// </summary>
public sealed class RetrievalVariants(
    SemData data,
    RetrievalOptions options,
    Func<int, ResnetGenerator> genSimToReal,
    Func<int, ResnetGenerator> genRealToSim,
    ICasePredictor cases,
    int cycleGanEpoch
)
{
    public SemData Data { get; } = data;

    /// <summary>The method's options; its search (exact or approximate) follows the device, the library's size and
    /// the run's caps (<see cref="SavedMethods.DefaultRetrieval"/>).</summary>
    public RetrievalOptions Options { get; } = options;
    public Func<int, ResnetGenerator> GenSimToReal { get; } = genSimToReal;
    public Func<int, ResnetGenerator> GenRealToSim { get; } = genRealToSim;
    public ICasePredictor Cases { get; } = cases;
    public int CycleGanEpoch { get; } = cycleGanEpoch;

    /// <summary>Loads the saved CycleGAN and case classifier (runs/cyclegan, runs/case-classifier).</summary>
    public static RetrievalVariants Load(SemData data)
    {
        if (!SavedMethods.RetrievalAvailable)
            throw new InvalidOperationException(
                $"retrieval needs runs case-classifier and cyclegan under {Paths.Runs}: run notebook 03 first"
            );
        var (_, nets, epoch) = CycleGanTrainer.LoadNets(Path.Combine(Paths.Runs, "cyclegan"));
        var cases = CaseClassifierPredictor.Load(Path.Combine(Paths.Runs, "case-classifier", "checkpoint"));
        return new RetrievalVariants(
            data,
            SavedMethods.DefaultRetrieval(data),
            c => nets(c).GenSimToReal,
            c => nets(c).GenRealToSim,
            cases,
            epoch
        );
    }

    RetrievalLibrary? _library,
        _restyled,
        _translated,
        _raw,
        _perfect;
    RetrievalPredictor? _method,
        _unshifted,
        _restyledKeys,
        _translatedQueries,
        _rawLibrary,
        _allCases,
        _ceiling,
        _ceilingUnshifted;

    /// <summary>Keys restyled by GenSimToReal, queries translated by GenRealToSim: the method's library.</summary>
    public RetrievalLibrary Library =>
        _library ??= RetrievalLibrary.Build(Data, GenSimToReal, Options, genRealToSim: GenRealToSim);

    /// <summary>The winners' library: restyled keys only, their search.</summary>
    public RetrievalLibrary Restyled =>
        _restyled ??= RetrievalLibrary.Build(
            Data,
            GenSimToReal,
            RetrievalOptions.RestyledKeys with
            {
                Search = Options.Search,
            }
        );

    /// <summary>Raw keys, translated queries.</summary>
    public RetrievalLibrary Translated =>
        _translated ??= RetrievalLibrary.Build(
            Data,
            null,
            Options with
            {
                Restyle = false,
            },
            genRealToSim: GenRealToSim
        );

    /// <summary>Raw keys and raw queries, unblurred: no CycleGAN at all.</summary>
    public RetrievalLibrary Raw =>
        _raw ??= RetrievalLibrary.Build(
            Data,
            null,
            Options with
            {
                Restyle = false,
                TranslateQueries = false,
                SmoothSigma = 0,
            }
        );

    /// <summary>Keys rendered by the synthetic set's real-domain physics without noise; null without the hidden
    /// truth.</summary>
    public RetrievalLibrary? Perfect =>
        Data.Layout.HasTruth ? _perfect ??= RetrievalLibrary.BuildPerfectRestyle(Data, Options) : null;

    public RetrievalPredictor Method =>
        _method ??= new($"retrieval ({Library.Options.Describe()})", Library, Data, Cases);
    public RetrievalPredictor Unshifted =>
        _unshifted ??= Named(Library.WithSearch(Library.Options with { MaxShift = 0 }));
    public RetrievalPredictor RestyledKeys =>
        _restyledKeys ??= new(
            $"retrieval ({Restyled.Options.Describe()}: the winners' keys and search)",
            Restyled,
            Data,
            Cases
        );
    public RetrievalPredictor TranslatedQueries => _translatedQueries ??= Named(Translated);
    public RetrievalPredictor RawLibrary => _rawLibrary ??= Named(Raw);
    public RetrievalPredictor AllCases =>
        _allCases ??= new($"retrieval ({Library.Options.Describe()}, all cases)", Library, Data, null);

    /// <summary>The retrieval ceiling (not a method: a bound); null without the hidden truth.</summary>
    public RetrievalPredictor? Ceiling =>
        Perfect is { } p ? _ceiling ??= new("retrieval ceiling (perfect restyle; bound)", p, Data, Cases) : null;
    public RetrievalPredictor? CeilingUnshifted =>
        Perfect is { } p
            ? _ceilingUnshifted ??= new(
                "retrieval ceiling, found map unshifted (perfect restyle; bound)",
                p.WithSearch(p.Options with { ShiftBack = false }),
                Data,
                Cases
            )
            : null;

    RetrievalPredictor Named(RetrievalLibrary l) => new($"retrieval ({l.Options.Describe()})", l, Data, Cases);

    /// <summary>Every variant the table compares, the method first, the ceilings last (where the truth
    /// allows).</summary>
    public IReadOnlyList<IDepthPredictor> All()
    {
        var all = new List<IDepthPredictor>
        {
            Method,
            Unshifted,
            RestyledKeys,
            TranslatedQueries,
            RawLibrary,
            AllCases,
        };
        if (Ceiling is { } c)
            all.Add(c);
        if (CeilingUnshifted is { } u)
            all.Add(u);
        return all;
    }
}
