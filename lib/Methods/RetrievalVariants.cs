using SemDepth.Data;
using SemDepth.Models;
using SemDepth.Training;
using SemDepth.Translation;
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

    /// <summary>The run's caps: its evaluation sample and the diagnostics its plan left out.</summary>
    public RunCaps Caps { get; init; } = RunCaps.Current;

    /// <summary>Loads the saved CycleGAN and case classifier (runs/cyclegan, runs/case-classifier).</summary>
    public static RetrievalVariants Load(SemData data)
    {
        if (!SavedMethods.RetrievalAvailable)
            throw new InvalidOperationException(
                $"retrieval needs runs case-classifier and cyclegan under {Paths.Runs}: run notebook 03 first"
            );
        var (_, nets, epoch) = CycleGanTrainer.LoadNets(Path.Combine(Paths.Runs, RunNames.CycleGan));
        var cases = CaseClassifierPredictor.Load(RunNames.CheckpointOfRun(RunNames.Classifier));
        string winners = Path.Combine(Paths.Runs, CycleGanOptions.Winners.Name);
        Func<int, ResnetGenerator>? winnersGen = null;
        if (File.Exists(Path.Combine(RunNames.CheckpointOf(winners), Checkpoint.StateFile)))
        {
            var (_, w, _) = CycleGanTrainer.LoadNets(winners);
            winnersGen = c => w(c).GenSimToReal;
        }
        return new RetrievalVariants(
            data,
            SavedMethods.DefaultRetrieval(data),
            c => nets(c).GenSimToReal,
            c => nets(c).GenRealToSim,
            cases,
            epoch
        )
        {
            WinnersGenSimToReal = winnersGen,
        };
    }

    /// <summary>GenSimToReal of the winners' own CycleGAN (<see cref="CycleGanOptions.Winners"/>,
    /// runs/cyclegan-winners,
    /// trained with <c>semdepth train-cyclegan --winners</c>) when there is one; else the winners' keys come from
    /// notebook 03's CycleGAN.</summary>
    public Func<int, ResnetGenerator>? WinnersGenSimToReal { get; init; }

    string WinnersKeys =>
        WinnersGenSimToReal is null
            ? "the winners' keys and search, notebook 03's CycleGAN"
            : "the winners' method: their per-case WGAN-GP CycleGAN, keys and search";

    RetrievalLibrary? _library,
        _restyled,
        _translated,
        _raw,
        _perfect;
    RetrievalPredictor? _method,
        _unshifted,
        _restyledKeys,
        _winnersOneToOne,
        _translatedQueries,
        _rawLibrary,
        _allCases,
        _ceiling,
        _ceilingOneToOne;
    IReadOnlyList<RetrievalPredictor>? _placements;
    (RetrievalOptions Chosen, IReadOnlyList<RetrievalChoiceRow> Rows)? _choice;

    /// <summary>Keys restyled by GenSimToReal, queries translated by GenRealToSim: the method's library.</summary>
    public RetrievalLibrary Library =>
        _library ??= RetrievalLibrary.Build(Data, GenSimToReal, Options, genRealToSim: GenRealToSim);

    /// <summary>The winners' library: restyled keys only, their search.</summary>
    public RetrievalLibrary Restyled =>
        _restyled ??= RetrievalLibrary.Build(
            Data,
            WinnersGenSimToReal ?? GenSimToReal,
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

    /// <summary>Keys rendered by the synthetic set's real-domain physics without noise, searched as the winners
    /// searched (unsmoothed, +-2 px, the map unshifted); null without the hidden truth.</summary>
    public RetrievalLibrary? Perfect =>
        Data.DataSet.HasTruth && !Caps.PerfectRestyleLeftOut
            ? _perfect ??= RetrievalLibrary.BuildPerfectRestyle(
                Data,
                RetrievalOptions.RestyledKeys with
                {
                    Search = Options.Search,
                }
            )
            : null;

    /// <summary>Why there is no <see cref="Ceiling"/>, or null when there is.</summary>
    public string? CeilingMissing =>
        !Data.DataSet.HasTruth ? "the ceiling needs the synthetic set's hidden config"
        : Caps.PerfectRestyleLeftOut
            ? "the perfect-restyle library is left out by this run's plan: " + RunCaps.LeftOutWhy
        : null;

    /// <summary>How the method places its matches, chosen by held-out site MAE (<see cref="RetrievalChoice"/>), and
    /// the four placements' scores.</summary>
    public (RetrievalOptions Chosen, IReadOnlyList<RetrievalChoiceRow> Rows) Choice =>
        _choice ??= RetrievalChoice.Choose(Searcher, Data, SavedMethods.SiteSample(Data.DataSet, 50));

    RetrievalPredictor? _searcher;

    /// <summary>The method's search, shared by the method and its placements.</summary>
    RetrievalPredictor Searcher => _searcher ??= Named(Library);

    /// <summary>The method: both directions, placed as the held-out sites chose (what <c>retrieval</c>
    /// submits).</summary>
    public RetrievalPredictor Method =>
        _method ??= Searcher.Placed(
            $"retrieval ({Choice.Chosen.Describe()})",
            Choice.Chosen.ShiftBack,
            Choice.Chosen.OneToOne
        );

    /// <summary>The four placements of the method's matches (each query's top-1 or one-to-one, the map shifted back
    /// or not), in the order of <see cref="Choice"/>'s rows.</summary>
    public IReadOnlyList<RetrievalPredictor> Placements => _placements ??= PlacementsSharingSearches();

    /// <summary>The four placements, the method one of them, all of one search state (<see
    /// cref="RetrievalPredictor.Placed"/>): each kind of match is searched once.</summary>
    List<RetrievalPredictor> PlacementsSharingSearches()
    {
        var list = new List<RetrievalPredictor>();
        foreach (var r in Choice.Rows)
        {
            bool chosen = r.ShiftBack == Choice.Chosen.ShiftBack && r.OneToOne == Choice.Chosen.OneToOne;
            var o = Library.Options with { ShiftBack = r.ShiftBack, OneToOne = r.OneToOne };
            list.Add(chosen ? Method : Searcher.Placed($"retrieval ({o.Describe()})", r.ShiftBack, r.OneToOne));
        }
        return list;
    }

    public RetrievalPredictor Unshifted =>
        _unshifted ??= Named(Library.WithSearch(Choice.Chosen with { MaxShift = 0 }));
    public RetrievalPredictor RestyledKeys =>
        _restyledKeys ??= new($"retrieval ({Restyled.Options.Describe()}: {WinnersKeys})", Restyled, Data, Cases);

    /// <summary>The winners' keys and search, the queries assigned one-to-one.</summary>
    public RetrievalPredictor WinnersOneToOne =>
        _winnersOneToOne ??= new(
            $"retrieval ({Restyled.Options.Describe()}, one-to-one: {WinnersKeys}, assigned)",
            Restyled.WithSearch(Restyled.Options with { OneToOne = true }),
            Data,
            Cases
        );
    public RetrievalPredictor TranslatedQueries => _translatedQueries ??= Named(Translated);
    public RetrievalPredictor RawLibrary => _rawLibrary ??= Named(Raw);
    public RetrievalPredictor AllCases =>
        _allCases ??= new($"retrieval ({Method.Library.Options.Describe()}, all cases)", Method.Library, Data, null);

    /// <summary>The retrieval ceiling with the winners' search (not a method: a bound); null without the hidden
    /// truth.</summary>
    public RetrievalPredictor? Ceiling =>
        Perfect is { } p
            ? _ceiling ??= new("retrieval ceiling (perfect restyle, the winners' search; bound)", p, Data, Cases)
            : null;

    /// <summary>The ceiling with the queries assigned one-to-one.</summary>
    public RetrievalPredictor? CeilingOneToOne =>
        Perfect is { } p
            ? _ceilingOneToOne ??= new(
                "retrieval ceiling, one-to-one (perfect restyle, the winners' search; bound)",
                p.WithSearch(p.Options with { OneToOne = true }),
                Data,
                Cases
            )
            : null;

    RetrievalPredictor Named(RetrievalLibrary l) => new($"retrieval ({l.Options.Describe()})", l, Data, Cases);

    /// <summary>True when the run evaluates a sample of the test images (a CPU budget on a full-size set): a one-to-one
    /// variant assigns every test image, so only the method's is evaluated then.</summary>
    public bool OneToOneSampled => Caps.EvalTestImages > 0 && Caps.EvalTestImages < Data.Test.Count;

    /// <summary>What <see cref="All"/> leaves out and why, or null.</summary>
    public string? LeftOut =>
        OneToOneSampled
            ? $"one-to-one variants other than the method are left out: each assigns all {Data.Test.Count:N0} test "
                + $"images, and this run evaluates {Caps.EvalTestImages:N0} ({Caps.Reason})"
            : null;

    /// <summary>Every variant the table compares: the four placements (the method among them), no shifts, the
    /// winners' keys and search (alone and one-to-one), translated queries, the raw library, all cases, and the
    /// ceilings last (where the truth allows); without the one-to-one ones but the method's where <see
    /// cref="OneToOneSampled"/>.</summary>
    public IReadOnlyList<RetrievalPredictor> All()
    {
        bool Keep(RetrievalPredictor p) => !OneToOneSampled || !p.Library.Options.OneToOne || p == Method;
        var all = new List<RetrievalPredictor>(Placements.Select(p => p.Name == Method.Name ? Method : p))
        {
            Unshifted,
            RestyledKeys,
            WinnersOneToOne,
            TranslatedQueries,
            RawLibrary,
            AllCases,
        };
        if (Ceiling is { } c)
            all.Add(c);
        if (CeilingOneToOne is { } u)
            all.Add(u);
        return all.Where(Keep).ToList();
    }
}
