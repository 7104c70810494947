using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Models;
using SemDepth.Synthetic;
using SemDepth.Training;
using SemDepth.Translation;
using SemDepth.Workspace;
using TorchSharp;

namespace SemDepth.Cli;

/// <summary>`semdepth bench retrieval`: restyling plus search of the test set, exact vs approximate, beside
/// the PyTorch peer's exact search on the same cached images.</summary>
static class RetrievalBench
{
    static double PeakRssMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(
                        line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
                        CultureInfo.InvariantCulture
                    ) / 1024;
        return double.NaN;
    }

    public static int Run(SemData d, RetrievalBenchOptions b)
    {
        var opt = b.Search with { Search = SearchMode.Approx };
        opt.Check();
        int maxShift = opt.MaxShift;
        PrintSetup(d, opt);
        var (genSimToReal, genRealToSim) = Generators(b.CycleGan);
        var testIdx = Enumerable.Range(0, d.Test.Count).ToList();
        int[] cases = d.TestCases
            ?? throw new InvalidOperationException("the benchmark needs the synthetic set's test cases (truth/)");
        var known = new KnownCases(d, cases);
        Console.WriteLine($"compared: {(b.PerfectRestyle ? "perfect-restyle keys" : opt.Describe())}");

        double rss0 = Bench.RssMiB();
        var total = Stopwatch.StartNew();
        using var lib = b.PerfectRestyle
            ? RetrievalLibrary.BuildPerfectRestyle(d, opt)
            : RetrievalLibrary.Build(d, genSimToReal, opt, genRealToSim: genRealToSim);
        if (b.PerfectRestyle)
            Console.WriteLine("keys: the perfect restyle (real-domain physics, no noise; a ceiling)");
        var retrieval = new RetrievalPredictor("retrieval", lib, d, known);
        var rss = new List<double>();
        retrieval.ChunkDone = _ => rss.Add(Bench.RssMiB());
        var sw = Stopwatch.StartNew();
        var approx = retrieval.Search(d.Test, testIdx, SearchMode.Approx);
        double approxSeconds = sw.Elapsed.TotalSeconds;
        double endToEnd = total.Elapsed.TotalSeconds;
        Console.WriteLine(
            $"restyle {lib.Count:N0} keys: {lib.RestyleSeconds:F1} s ({lib.Count / lib.RestyleSeconds:N0} images/s); "
                + $"index (subspaces, lists) {lib.IndexSeconds:F1} s; approximate search of "
                + $"{testIdx.Count:N0} queries: {approxSeconds - lib.IndexSeconds:F1} s"
        );
        Console.WriteLine(
            $"END TO END (restyle + approximate search): {endToEnd:F1} s  (goal <= 180 s on the 2-core CPU)"
        );

        var sample = testIdx.Take(b.RecallQueries).ToList();
        sw.Restart();
        var exact = retrieval.Search(d.Test, sample, SearchMode.Exact);
        double exactSample = sw.Elapsed.TotalSeconds;
        int agree = Enumerable.Range(0, sample.Count).Count(q => exact[q][0].Key == approx[q][0].Key);
        Console.WriteLine(
            $"recall@1 of approximate vs exact on {sample.Count:N0} queries: "
                + $"{100.0 * agree / sample.Count:F2}% (goal >= 99%)"
        );
        Console.WriteLine(
            $"exact search: {exactSample:F1} s for {sample.Count:N0} queries -> "
                + $"{exactSample * testIdx.Count / sample.Count:F0} s for all {testIdx.Count:N0} (extrapolated)"
        );
        ReportHeldOut(d, retrieval);
        if (d.TestTruth is { } truth && d.TestLibrary is { } lib1)
        {
            ReportTruth(d, retrieval, opt, testIdx, approx, (truth, lib1, cases));
            ReportOneToOne(d, lib, known, testIdx, (truth, lib1));
        }
        Console.WriteLine(
            $"RSS MiB: before {rss0:F0}, per chunk first/median/last "
                + $"{rss.First():F0}/{rss.Order().ElementAt(rss.Count / 2):F0}/{rss.Last():F0}, peak (VmHWM) "
                + $"{PeakRssMiB():F0}"
        );
        if (b.ExactAll)
        {
            var (all, allTimes) = Timed(b.Reps, () => retrieval.Search(d.Test, testIdx, SearchMode.Exact));
            int agreeAll = Enumerable.Range(0, testIdx.Count).Count(q => all[q][0].Key == approx[q][0].Key);
            Console.WriteLine(
                $"EXACT SEARCH of all {testIdx.Count:N0} queries x {lib.Count:N0} keys x "
                    + $"{(2 * maxShift + 1) * (2 * maxShift + 1)} shifts "
                    + $"({(b.PerfectRestyle ? "perfect restyle" : opt.Describe())}): median "
                    + $"{Bench.Median(allTimes):F2} s "
                    + $"[{string.Join(", ", allTimes.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))}]; "
                    + $"approximate top-1 agrees on {100.0 * agreeAll / testIdx.Count:F2}%"
            );
        }

        BesidePeer(d, b, opt, known, testIdx, cases);
        return 0;
    }

    static void PrintSetup(SemData d, RetrievalOptions opt)
    {
        var device = Torch.TorchDevice.Current;
        int shifts = (2 * opt.MaxShift + 1) * (2 * opt.MaxShift + 1);
        Console.WriteLine(
            $"retrieval benchmark: {d.DataSet.Root}; device {device.type}, torch threads {torch.get_num_threads()}"
        );
        Console.WriteLine(
            $"library {d.DataSet.Sim.Count:N0} depth maps (keys), {d.Test.Count:N0} test queries, "
                + $"{shifts} shifts, chunk bound {opt.ChunkMiB} MiB"
        );
        Console.WriteLine($"search products (A x B^T): {Torch.OpenBlas.Status}");
    }

    /// <summary>The generators of run <paramref name="cycleGan"/> (a name under runs/ or a path), or an untrained
    /// one of the default size (the timing is the same); says which.</summary>
    static (Func<int, ResnetGenerator> SimToReal, Func<int, ResnetGenerator> RealToSim) Generators(string cycleGan)
    {
        string cgRun = Path.IsPathRooted(cycleGan) ? cycleGan : Path.Combine(Paths.Runs, cycleGan);
        Func<int, ResnetGenerator>? genSimToReal = null,
            genRealToSim = null;
        if (File.Exists(Path.Combine(RunNames.CheckpointOf(cgRun), Checkpoint.StateFile)))
        {
            var (cgo, nets, epoch) = CycleGanTrainer.LoadNets(cgRun);
            genSimToReal = c => nets(c).GenSimToReal;
            genRealToSim = c => nets(c).GenRealToSim;
            Console.WriteLine(
                $"GenSimToReal: {cgRun} epoch {epoch} (per case: {cgo.PerCase}, width {cgo.GenWidth}, "
                    + $"{cgo.GenBlocks} blocks)"
            );
        }
        else
            Console.WriteLine(
                $"no {cgRun}: the library is restyled by an untrained generator of the default size (the "
                    + $"timing is the same)"
            );
        genSimToReal ??= Untrained();
        return (genSimToReal, genRealToSim ?? genSimToReal);
    }

    /// <summary>With the hidden truth: test RMSE, how often the exact map was found, and how the true map scored on
    /// the holes the search missed.</summary>
    static void ReportTruth(
        SemData d,
        RetrievalPredictor retrieval,
        RetrievalOptions opt,
        List<int> testIdx,
        Match[][] approx,
        (ImageSet Truth, int[] Lib1, int[] Cases) known
    )
    {
        var (truth, lib1, cases) = known;
        var pred = opt.TopK > 1 ? retrieval.Predict(d.Test, testIdx) : new byte[testIdx.Count * Geometry.Pixels];
        if (opt.TopK == 1)
            for (int q = 0; q < testIdx.Count; q++)
                retrieval.Place(approx[q][0], pred.AsSpan(q * Geometry.Pixels, Geometry.Pixels));
        double rmse = Metrics.Rmse(pred, Batches.Gather(truth, testIdx));
        int reused = lib1.Count(i => i >= 0),
            hits = testIdx.Count(q => lib1[q] >= 0 && approx[q][0].Key == lib1[q]);
        Console.WriteLine(
            $"test RMSE (true cases) {rmse:F2}; exact library map found for {hits:N0} of {reused:N0} reused holes"
        );
        // how the true map scored against the winner, on up to 200 reused holes the search missed
        var missed = testIdx.Where(q => lib1[q] >= 0 && approx[q][0].Key != lib1[q]).Take(200).ToList();
        if (missed.Count > 0)
        {
            var trueCos = missed.Select(q => (double)retrieval.CosineWith(d.Test, q, cases[q], lib1[q])).ToList();
            var winCos = missed.Select(q => (double)approx[q][0].Cosine).ToList();
            var gap = missed.Select((q, j) => winCos[j] - trueCos[j]).ToList();
            var mapRmse = missed.Select(q => Metrics.Rmse(d.SimDepth[approx[q][0].Key], d.SimDepth[lib1[q]])).ToList();
            Console.WriteLine(
                $"missed holes ({missed.Count} sampled): cosine of the winner median "
                    + $"{Bench.Median(winCos):F4}, of the true map {Bench.Median(trueCos):F4}, "
                    + $"gap median {Bench.Median(gap):F4}; RMSE between the winner's map and the true "
                    + $"map median {Bench.Median(mapRmse):F2}"
            );
            ShapesConfused(d, missed.Select(q => (approx[q][0].Key, lib1[q])).ToList());
        }
    }

    /// <summary>The one-to-one assignment over the same library (one search of every test and train image shared by
    /// every line): how often the own map is among a test image's k best, then test RMSE, own maps found and held-out
    /// site MAE (what <see cref="RetrievalChoice"/> decides by) of the assignment with and without the train images
    /// as rivals and at several slacks.</summary>
    static void ReportOneToOne(
        SemData d,
        RetrievalLibrary lib,
        ICasePredictor known,
        List<int> testIdx,
        (ImageSet Truth, int[] Lib1) truth
    )
    {
        var held = Splits.HeldOut(d.DataSet);
        var o = lib.Options with { OneToOne = true, Search = SearchMode.Approx };
        var first = new RetrievalPredictor("one-to-one", lib.WithSearch(o), d, known);
        var sw = Stopwatch.StartNew();
        first.Found(d.Test, testIdx);
        var cand = first.Search(d.Test, testIdx, topK: o.AssignCandidates);
        Console.WriteLine(
            $"one-to-one: every test and train image searched ({o.AssignCandidates} keys each) in "
                + $"{sw.Elapsed.TotalSeconds:F0} s; own map among the k best: "
                + string.Join(
                    ", ",
                    new[] { 1, 2, 4, 8 }
                        .Where(k => k <= o.AssignCandidates)
                        .Select(k =>
                            $"k = {k} {testIdx.Count(q => cand[q].Take(k).Any(m => m.Key == truth.Lib1[q])):N0}"
                        )
                )
        );
        var lines = new (string Name, RetrievalOptions Options)[]
        {
            ("one-to-one, no rivals", o with { TrainRivals = false }),
            ($"one-to-one, slack {o.AssignSlack}", o),
            ("one-to-one, slack 0.3", o with { AssignSlack = 0.3 }),
            ("one-to-one, strict", o with { AssignSlack = double.PositiveInfinity }),
        };
        foreach (var (name, assign) in lines)
        {
            sw.Restart();
            var one = first.Reassigned(name, assign);
            var found = one.Found(d.Test, testIdx);
            var pred = one.Predict(d.Test, testIdx);
            double rmse = Metrics.Rmse(pred, Batches.Gather(truth.Truth, testIdx));
            int hits = testIdx.Count(q => truth.Lib1[q] >= 0 && found[q][0].Key == truth.Lib1[q]);
            double mae = SiteAverages.Mae(d.DataSet, held, one.Predict(d.Train, held));
            Console.WriteLine(
                $"{name}: test RMSE {rmse:F2}; own map found {hits:N0}; held-out site MAE {mae:F3}; "
                    + $"{sw.Elapsed.TotalSeconds:F1} s"
            );
        }
    }

    /// <summary>Exact search of the raw library (no restyling) side by side with the PyTorch peer on the same cached
    /// images, and with libtorch's matmul instead of OpenBLAS.</summary>
    static void BesidePeer(
        SemData d,
        RetrievalBenchOptions b,
        RetrievalOptions opt,
        ICasePredictor known,
        List<int> testIdx,
        int[] cases
    )
    {
        int maxShift = opt.MaxShift;
        // exact search, raw library (no restyling), side by side with PyTorch on the same cached images
        // what the peer computes
        var raw = opt with { Restyle = false, TranslateQueries = false, SmoothSigma = 0, Search = SearchMode.Exact };
        using var rawLib = RetrievalLibrary.Build(d, null, raw);
        var rawSearch = new RetrievalPredictor("raw", rawLib, d, known);
        var peerIdx = testIdx.Take(b.PeerQueries).ToList();
        var (ours, times) = Timed(b.Reps, () => rawSearch.Search(d.Test, peerIdx, SearchMode.Exact));
        double med = Bench.Median(times);
        Console.WriteLine(
            $"exact search, {peerIdx.Count:N0} queries x {d.DataSet.Sim.Count / 4:N0} keys a case x "
                + $"{(2 * maxShift + 1) * (2 * maxShift + 1)} shifts: TorchSharp median {med:F2} s "
                + $"[{string.Join(", ", times.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))}]"
        );
        if (Torch.OpenBlas.Available)
        {
            // the same search with libtorch's own matmul, to show what the BLAS is worth
            Torch.OpenBlas.Enabled = false;
            var (_, torchTimes) = Timed(b.Reps, () => rawSearch.Search(d.Test, peerIdx, SearchMode.Exact));
            Torch.OpenBlas.Enabled = null;
            Console.WriteLine(
                $"  the same with libtorch's matmul instead of OpenBLAS: median {Bench.Median(torchTimes):F2} "
                    + $"s "
                    + $"[{string.Join(", ", torchTimes.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))}]"
            );
        }
        var peer = PeerRetrieval(d, peerIdx.Count, cases, b.Reps, opt.ChunkMiB, maxShift);
        if (peer is { } p)
        {
            double pm = p.GetProperty("median").GetDouble();
            var found = p.GetProperty("found").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            int same = Enumerable.Range(0, peerIdx.Count).Count(q => found[q] == ours[q][0].Key);
            Console.WriteLine(
                $"  {p.GetProperty("peer").GetString()} (threads {p.GetProperty("threads").GetInt32()}) "
                    + $"median {pm:F2} s; "
                    + $"ratio {pm / med:F2}x (goal >= 1.0x); same top-1 for {same} of {peerIdx.Count}"
            );
            Bench.PrintPeerBlas(p);
        }
    }

    /// <summary>One warm-up call, then <paramref name="reps"/> timed calls: the last result and the seconds of
    /// each.</summary>
    static (T Last, List<double> Seconds) Timed<T>(int reps, Func<T> work)
    {
        T last = work();
        var seconds = new List<double>();
        for (int r = 0; r < reps; r++)
        {
            var sw = Stopwatch.StartNew();
            last = work();
            seconds.Add(sw.Elapsed.TotalSeconds);
        }
        return (last, seconds);
    }

    static JsonElement? PeerRetrieval(SemData d, int queries, int[] testCases, int reps, int chunkMiB, int maxShift)
    {
        string simCache = Path.Combine(d.CacheDir, "sim-sem.u8"),
            testCache = Path.Combine(d.CacheDir, "test.u8");
        // the case lists go through files: the full preset's 86,652 cases are too long for a command line
        string simCases = Path.GetTempFileName(),
            qCases = Path.GetTempFileName();
        File.WriteAllText(simCases, string.Join(",", d.DataSet.Sim.Select(p => p.Case)));
        File.WriteAllText(qCases, string.Join(",", testCases.Take(queries)));
        try
        {
            return Bench.PeerJson(
                "retrieval",
                "--sem",
                simCache,
                "--real",
                testCache,
                "--queries",
                queries.ToString(CultureInfo.InvariantCulture),
                "--cases",
                "@" + simCases,
                "--query-cases",
                "@" + qCases,
                "--reps",
                reps.ToString(CultureInfo.InvariantCulture),
                "--chunk-mib",
                chunkMiB.ToString(CultureInfo.InvariantCulture),
                "--shift",
                maxShift.ToString(CultureInfo.InvariantCulture),
                "--threads",
                torch.get_num_threads().ToString(CultureInfo.InvariantCulture)
            ); // the same thread count on both sides
        }
        finally
        {
            File.Delete(simCases);
            File.Delete(qCases);
        }
    }

    static Func<int, ResnetGenerator> Untrained()
    {
        var nets = CycleGanOptions.Default.CreateNets();
        nets.to(Torch.TorchDevice.Current);
        nets.eval();
        return _ => nets.GenSimToReal;
    }

    /// <summary>The true cases: a test image's from truth/, a train image's from its folder.</summary>
    sealed class KnownCases(SemData d, int[] testCases) : ICasePredictor
    {
        readonly TrainFolderCases _train = new(d.DataSet);

        public int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx) =>
            ReferenceEquals(sem, d.Train) ? _train.PredictCases(sem, idx) : idx.Select(i => testCases[i]).ToArray();
    }

    /// <summary>What a real-download user can compute without the hidden truth: the site-average MAE of each held-out
    /// train query's own top-1 (map as found), the figure <c>auto</c> and <see cref="RetrievalChoice"/> decide by.
    /// </summary>
    static void ReportHeldOut(SemData d, RetrievalPredictor retrieval)
    {
        var held = Splits.HeldOut(d.DataSet);
        Console.WriteLine(
            $"held-out site MAE (true cases, {held.Length:N0} train images of held-out sites, map as found) "
                + $"{CycleGanSelection.HeldOutMae(retrieval, d, held):F3}"
        );
    }

    /// <summary>Which shapes the search confuses (synthetic set only): for missed holes, the median difference of
    /// each shape parameter between the winner's map and the true one, beside the same for random pairs of maps of a
    /// case.</summary>
    static void ShapesConfused(SemData d, IReadOnlyList<(int Winner, int Truth)> missed)
    {
        string json = Path.Combine(d.DataSet.Root, DaconNames.Truth, "synthetic.json");
        if (!File.Exists(json) || missed.Count == 0)
            return;
        var cfg = SyntheticConfig.Load(json);
        var index = Enumerable
            .Range(0, cfg.SimMapsPerCase)
            .ToDictionary(b => SyntheticGenerator.BaseName(cfg.Seed, b), b => b, StringComparer.Ordinal);
        HoleShape Shape(int map) =>
            SyntheticGenerator.ShapeOf(cfg, d.DataSet.Sim[map].Case, index[d.DataSet.Sim[map].Base]);
        (string Name, Func<HoleShape, double> Of)[] parts =
        [
            ("centre row px", s => s.CenterRow),
            ("centre col px", s => s.CenterCol),
            ("half height px", s => s.HalfHeight),
            ("half width px", s => s.HalfWidth),
            ("bottom", s => s.Bottom),
            ("flat", s => s.Flat),
            ("wall exponent", s => s.WallExp),
        ];
        var rng = new Rng(7);
        var random = Enumerable
            .Range(0, 400)
            .Select(_ =>
            {
                int a = rng.NextInt(d.DataSet.Sim.Count);
                var same = Enumerable
                    .Range(0, d.DataSet.Sim.Count)
                    .Where(i => d.DataSet.Sim[i].Case == d.DataSet.Sim[a].Case);
                return (a, same.ElementAt(rng.NextInt(same.Count())));
            })
            .ToList();
        double Diff(IEnumerable<(int A, int B)> pairs, Func<HoleShape, double> of) =>
            Bench.Median(pairs.Select(p => Math.Abs(of(Shape(p.A)) - of(Shape(p.B)))).ToList());
        Console.WriteLine(
            "which shapes confuse (median |difference|, missed winner vs truth | random pairs of a case):"
        );
        foreach (var (name, of) in parts)
            Console.WriteLine(
                $"  {name, -15} {Diff(missed.Select(m => (m.Winner, m.Truth)), of):F3} | {Diff(random, of):F3}"
            );
    }
}
