using System.CommandLine;
using SemDepth.Methods;

namespace SemDepth.Cli;

/// <summary>The benchmarks (<c>semdepth bench ...</c>): figures beside the PyTorch peer, for developers.</summary>
public static partial class Cli
{
    /// <summary><c>bench data</c>: data-layer figures.</summary>
    static Command BenchData(string name)
    {
        var preset = PresetOption("full", "preset to time");
        var outDir = new Option<string?>("--out")
        {
            Description = "data folder (default data/synthetic/<preset>)",
            HelpName = "DIR",
        };
        var regen = Flag("--regenerate", "generate again even if present");
        var cmd = new Command(name, "data-layer figures: generation, first decode, cached reload, batch assembly")
        {
            preset,
            outDir,
            regen,
        };
        cmd.SetAction(p => Commands.BenchData(p.GetValue(preset)!, p.GetValue(outDir), p.GetValue(regen)));
        return cmd;
    }

    /// <summary><c>bench nets</c>: the networks beside PyTorch.</summary>
    static Command BenchNets(string name)
    {
        var data = DataOption();
        var steps = Positive("--steps", 10, "steps (batches) a repetition");
        var reps = Positive("--reps", 5, "repetitions (the median is reported)");
        var cmd = new Command(
            name,
            "the U-Net, site-average U-Net and classifier training steps and the inference of the U-Net, "
                + "classifier, AE and CycleGAN generator, beside the PyTorch peer, interleaved; FLOP/s against "
                + "the matmul ceiling"
        )
        {
            data,
            steps,
            reps,
        };
        cmd.SetAction(p => WithData(p.GetValue(data), d => Bench.Nets(d, p.GetValue(steps), p.GetValue(reps))));
        return cmd;
    }

    /// <summary><c>bench ae</c>: the AE step beside PyTorch.</summary>
    static Command BenchAe(string name)
    {
        var data = DataOption();
        var batches = Positive("--batches", 20, "batches a repetition");
        var reps = Positive("--reps", 5, "repetitions (the median is reported)");
        var rss = NonNegative("--rss-epochs", 6, "epochs of the resident-memory check (0: none)");
        var cmd = new Command(
            name,
            "AE training images/s with loading on and off, beside the PyTorch peer; resident memory per epoch"
        )
        {
            data,
            batches,
            reps,
            rss,
        };
        cmd.SetAction(p =>
            WithData(p.GetValue(data), d => Bench.Ae(d, p.GetValue(batches), p.GetValue(reps), p.GetValue(rss)))
        );
        return cmd;
    }

    /// <summary><c>bench cyclegan</c>: the CycleGAN step beside PyTorch.</summary>
    static Command BenchCycleGan(string name)
    {
        var data = DataOption();
        var batch = Positive("--batch", 16, "images a domain a step");
        var steps = Positive("--steps", 8, "steps a repetition");
        var reps = Positive("--reps", 5, "repetitions (the median is reported)");
        var chunks = NonNegative("--chunks", 4, "chunks of the resident-memory check (0: none)");
        var cmd = new Command(
            name,
            "CycleGAN step images/s beside the PyTorch peer, FLOP/s against the matmul ceiling, resident memory"
        )
        {
            data,
            batch,
            steps,
            reps,
            chunks,
        };
        cmd.SetAction(p =>
            WithData(p.GetValue(data), d =>
                Bench.CycleGan(d, p.GetValue(batch), p.GetValue(steps), p.GetValue(reps), p.GetValue(chunks))
            )
        );
        return cmd;
    }

    /// <summary><c>bench retrieval</c>: restyling and search beside PyTorch.</summary>
    static Command BenchRetrieval(string name)
    {
        var data = DataOption();
        var recall = Positive("--recall-queries", 1000, "queries for recall@1 of the approximate search");
        var peer = Positive("--peer-queries", 1000, "queries timed beside the PyTorch peer");
        var reps = Positive("--reps", 3, "repetitions (the median is reported)");
        var exactAll = Flag(
            "--exact-all",
            "also time the exact search of every test query against the restyled library (the GPU figure)"
        );
        var cyclegan = new Option<string>("--cyclegan")
        {
            Description = "run whose GenSimToReal restyles the library",
            DefaultValueFactory = _ => SemDepth.Training.RunNames.CycleGan,
            HelpName = "NAME",
        };
        var (searchOptions, readSearch) = SearchOptions();
        var perfect = Flag(
            "--perfect-restyle",
            "keys rendered by the synthetic set's real-domain physics without noise: the ceiling a "
                + "perfect GenSimToReal would reach"
        );
        var cmd = new Command(
            name,
            "restyle the library, search every test image, recall@1 against exact, exact search "
                + "beside the PyTorch peer"
        )
        {
            data,
            recall,
            peer,
            reps,
            exactAll,
            cyclegan,
            perfect,
        };
        foreach (var o in searchOptions)
            cmd.Options.Add(o);
        cmd.SetAction(p => WithData(p.GetValue(data), d => RetrievalBench.Run(
                    d,
                    new RetrievalBenchOptions
                    {
                        RecallQueries = p.GetValue(recall),
                        PeerQueries = p.GetValue(peer),
                        Reps = p.GetValue(reps),
                        ExactAll = p.GetValue(exactAll),
                        CycleGan = p.GetValue(cyclegan)!,
                        PerfectRestyle = p.GetValue(perfect),
                        Search = readSearch(p),
                    }
                )));
        return cmd;
    }

    /// <summary>The search's options of <c>bench retrieval</c> (chunk, keys, blur, shifts, placement, top-k, lists,
    /// probes) and how to read them into <see cref="RetrievalOptions"/>.</summary>
    static (Option[] Options, Func<ParseResult, RetrievalOptions> Read) SearchOptions()
    {
        var chunk = Positive("--chunk-mib", 256, "memory bound of one search chunk, MiB");
        var keys = KeysOption();
        var smooth = SmoothOption();
        var lists = NonNegative(
            "--lists",
            0,
            "k-means lists per case of the approximate search (0: square root of the keys, 1: none)"
        );
        var probes = Positive(
            "--probes",
            new RetrievalOptions().Probes,
            "lists each query scans in the approximate search"
        );
        var maxShift = NonNegative(
            "--max-shift",
            0,
            "circular shifts of the query, -N..N px in both axes (winners: 2)"
        );
        var unshifted = Flag(
            "--unshifted",
            "return the winning map as it is (the winners' way; the default, kept for earlier command lines)"
        );
        var shiftBack = Flag("--shift-back", "return the winning map rolled back by the winning shift");
        var topK = Positive(
            "--top-k",
            1,
            "1: the best key's map verbatim; more: softmax-weighted mean of the top k (test RMSE line)"
        );
        var confirm = NonNegative(
            "--confirm-images",
            new RetrievalOptions().ConfirmImages,
            "one-to-one lines: train images searched to confirm sites and to rival the test images (0: every one)"
        );
        var candidates = Positive(
            "--assign-candidates",
            new RetrievalOptions().AssignCandidates,
            "one-to-one lines: keys per query the assignment chooses from"
        );
        return ([chunk, keys, smooth, maxShift, unshifted, shiftBack, topK, lists, probes, confirm, candidates], p =>
            RetrievalBenchOptions.WithKeys(
                new RetrievalOptions
                {
                    ChunkMiB = p.GetValue(chunk),
                    SmoothSigma = p.GetValue(smooth),
                    MaxShift = p.GetValue(maxShift),
                    ShiftBack = p.GetValue(shiftBack) && !p.GetValue(unshifted),
                    TopK = p.GetValue(topK),
                    Lists = p.GetValue(lists),
                    Probes = p.GetValue(probes),
                    ConfirmImages = p.GetValue(confirm),
                    AssignCandidates = p.GetValue(candidates),
                },
                p.GetValue(keys)!
            )
        );
    }

    /// <summary><c>--keys</c>: what retrieval compares (both directions, the winners' restyled keys, translated
    /// queries, the raw library).</summary>
    static Option<string> KeysOption() =>
        WithChoices(
            new Option<string>("--keys")
            {
                Description =
                    "what is compared: both (restyled keys vs queries and translated queries vs raw "
                    + "keys, the mean of the two correlations; the default method), restyled (the "
                    + "winners' keys), translated (queries through GenRealToSim vs raw keys), raw",
                DefaultValueFactory = _ => "both",
                HelpName = "both|restyled|translated|raw",
            },
            "both",
            "restyled",
            "translated",
            "raw"
        );

    /// <summary><c>--smooth</c>: the blur of queries and keys, 0..5 px.</summary>
    static Option<double> SmoothOption() =>
        new Option<double>("--smooth")
        {
            Description = "Gaussian blur sigma (px) of queries and keys before z-scoring; 0: none",
            DefaultValueFactory = _ => 1.0,
            HelpName = "SIGMA",
            Validators =
            {
                r =>
                {
                    if (Value<double?>(r) is { } v && v is < 0 or > 5)
                        r.AddError($"--smooth must be 0..5 px, not {v}");
                },
            },
        };
}
