using System.Diagnostics;
using Microsoft.Data.Analysis;
using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Models;
using SemDepth.Pictures;
using SemDepth.Translation;
using SemDepth.Workspace;
using XPlot.Plotly;

namespace SemDepth.Notebooks;

/// <summary>Views for the retrieval notebook (04).</summary>
public static class RetrievalViews
{
    /// <summary>Rows: a real train image of the case | a restyled simulated key | the raw simulated SEM it came
    /// from.</summary>
    public static ImageGrid RestyledLibrary(SemData d, Func<int, ResnetGenerator> genSimToReal, int perCase = 1)
    {
        var g = new ImageGrid
        {
            Title = "realSem (train) | restyled simSem (GenSimToReal of mean itr0/itr1) | raw simSem itr0",
        };
        foreach (int c in Cases.All)
        {
            var real = Enumerable
                .Range(0, d.DataSet.Train.Count)
                .Where(i => d.DataSet.Train[i].Case == c)
                .Take(perCase)
                .ToList();
            var maps = Enumerable
                .Range(0, d.DataSet.Sim.Count)
                .Where(i => d.DataSet.Sim[i].Case == c)
                .Take(perCase)
                .ToList();
            for (int k = 0; k < Math.Min(real.Count, maps.Count); k++)
            {
                var mean = MeanOfRenderings(d, maps[k]);
                var restyled = CycleGanTrainer.Translate(genSimToReal(c), new ImageSet(mean), [0]);
                g.Row(
                    new Tile($"realSem (Depth_{Cases.DepthFolder(c)})", d.Train.ToArray(real[k]), ImageKind.Sem),
                    new Tile($"restyled (Case_{c})", restyled, ImageKind.Sem),
                    new Tile("raw simSem", d.SimSem.ToArray(2 * maps[k]), ImageKind.Sem)
                );
            }
        }
        return g;
    }

    static byte[] MeanOfRenderings(SemData d, int map)
    {
        var a = d.SimSem[2 * map];
        var b = d.SimSem[2 * map + 1];
        var o = new byte[Geometry.Pixels];
        for (int p = 0; p < o.Length; p++)
            o[p] = (byte)((a[p] + b[p] + 1) / 2);
        return o;
    }

    /// <summary>Rows: query | the query translated by <paramref name="genRealToSim"/> (when given) | the key that
    /// won, restyled by <paramref name="genSimToReal"/> (raw when null) | its depth map | the truth.</summary>
    public static ImageGrid Examples(
        SemData d,
        RetrievalPredictor r,
        Func<int, ResnetGenerator>? genSimToReal,
        IReadOnlyList<int> testIdx,
        Func<int, ResnetGenerator>? genRealToSim = null
    )
    {
        var g = new ImageGrid
        {
            Title =
                $"real test query{(genRealToSim is null ? "" : " | translated to sim")} | best key | its "
                + $"depth map (the prediction) | truth",
        };
        var found = r.Search(d.Test, testIdx);
        for (int k = 0; k < testIdx.Count; k++)
        {
            var m = found[k][0];
            int c = d.DataSet.Sim[m.Key].Case;
            var mean = MeanOfRenderings(d, m.Key);
            var key = genSimToReal is null ? mean : CycleGanTrainer.Translate(genSimToReal(c), new ImageSet(mean), [0]);
            var map = d.SimDepth.ToArray(m.Key);
            string shift = m.ShiftRow == 0 && m.ShiftCol == 0 ? "" : $" ({m.ShiftRow:+0;-0},{m.ShiftCol:+0;-0})";
            var tiles = new List<Tile> { new("query", d.Test.ToArray(testIdx[k]), ImageKind.Sem) };
            if (genRealToSim is not null)
                tiles.Add(
                    new Tile(
                        "translated",
                        CycleGanTrainer.Translate(genRealToSim(c), d.Test, [testIdx[k]]),
                        ImageKind.Sem
                    )
                );
            tiles.Add(new Tile($"key, cos {m.Cosine:F3}{shift}", key, ImageKind.Sem));
            tiles.Add(new Tile($"its map (Case_{c})", map, ImageKind.Depth));
            if (d.TestTruth is { } t)
            {
                var truth = t.ToArray(testIdx[k]);
                tiles.Add(new Tile($"truth, RMSE {Metrics.Rmse(map, truth):F1}", truth, ImageKind.Depth));
            }
            g.Row([.. tiles]);
        }
        return g;
    }

    /// <summary>How often each query shift won, as bars (rows dy, columns dx).</summary>
    public static PlotlyChart ShiftCounts(Match[][] found)
    {
        var names = new List<string>();
        var counts = new List<double>();
        foreach (var group in found.Select(f => (f[0].ShiftRow, f[0].ShiftCol)).GroupBy(s => s).OrderBy(g => g.Key))
        {
            names.Add($"({group.Key.ShiftRow},{group.Key.ShiftCol})");
            counts.Add(group.Count());
        }
        return Charts.Bars("winning query shift (dy, dx)", "queries", names, [("queries", counts)]);
    }

    /// <summary>The four ways of placing the method's matches, each with its site-average MAE on the held-out train
    /// sites, the chosen one marked: what the data decided (<see cref="RetrievalChoice"/>).</summary>
    public static DataFrame Choice((RetrievalOptions Chosen, IReadOnlyList<RetrievalChoiceRow> Rows) choice) =>
        Tables.FromRecords(
            choice.Rows.Select(r => new
            {
                Placement = r.Describe(),
                HeldOutSiteMae = r.SiteMae,
                Chosen = r.OneToOne == choice.Chosen.OneToOne && r.ShiftBack == choice.Chosen.ShiftBack ? "chosen" : "",
            })
        );

    /// <summary>
    /// Every retrieval variant on the test sample: how often it found the exact library map of the query (recall@1
    /// against truth/test_library.csv; NaN without it), where its winning query shifts fell (share of queries at
    /// 0, 1 and 2 px of Chebyshev distance), how many maps served two test images or more, and its test RMSE and
    /// held-out site MAE (read from <paramref name="evaluation"/>, nothing predicted again).
    /// </summary>
    public static IReadOnlyList<RetrievalVariantRow> Score(
        SemData d,
        IReadOnlyList<RetrievalPredictor> variants,
        IReadOnlyList<int> testIdx,
        IEnumerable<EvalRow> evaluation
    )
    {
        var rows = evaluation.ToList();
        double Get(string method, string metric, string split) =>
            rows.FirstOrDefault(r => r.Method == method && r.Metric == metric && r.Split == split)?.Value ?? double.NaN;
        var lib = d.TestLibrary;
        return variants
            .Select(v =>
            {
                var top = v.Found(d.Test, testIdx).Select(f => f[0]).ToArray();
                int reused = lib is null ? 0 : testIdx.Count(q => lib[q] >= 0);
                double recall =
                    lib is null || reused == 0
                        ? double.NaN
                        : Enumerable
                            .Range(0, testIdx.Count)
                            .Count(k => lib[testIdx[k]] >= 0 && top[k].Key == lib[testIdx[k]]) / (double)reused;
                double Share(int px) =>
                    top.Count(m => Math.Max(Math.Abs(m.ShiftRow), Math.Abs(m.ShiftCol)) == px)
                    / (double)Math.Max(1, top.Length);
                return new RetrievalVariantRow(
                    v.Name,
                    recall,
                    Share(0),
                    Share(1),
                    Share(2),
                    top.GroupBy(m => m.Key).Count(g => g.Count() > 1),
                    Get(v.Name, "RMSE", Evaluator.TestSplit),
                    Get(v.Name, "site-average MAE", Evaluator.HeldOutSplit)
                );
            })
            .ToList();
    }

    /// <summary>The rows of <see cref="Score"/> as a table (shares of the winning shift as percentages).</summary>
    public static DataFrame Variants(IReadOnlyList<RetrievalVariantRow> rows) =>
        Tables.FromRecords(
            rows.Select(r => new
            {
                r.Variant,
                r.RecallAt1,
                WinningShift0 = $"{r.Shift0:P0}",
                WinningShift1px = $"{r.Shift1:P0}",
                WinningShift2px = $"{r.Shift2:P0}",
                r.MapsUsedTwice,
                r.TestRmse,
                r.HeldOutSiteMae,
            })
        );

    /// <summary>
    /// What notebook 04's run shows, in sentences written from its figures: retrieval against the best regression
    /// method, what the keys are worth (recall@1 from the raw library to the perfect restyle), which placement the
    /// held-out sites chose and whether the hidden truth agrees, and what the one-to-one assignment changed.
    /// </summary>
    public static Findings WhatItMeans(
        RetrievalVariants v,
        IReadOnlyList<RetrievalVariantRow> variants,
        IEnumerable<EvalRow> evaluation
    )
    {
        var rows = evaluation.ToList();
        bool truth = v.Data.TestTruth is not null;
        string metric = truth ? "RMSE" : "site-average MAE",
            split = truth ? Evaluator.TestSplit : Evaluator.HeldOutSplit,
            label = truth ? "test RMSE" : "held-out site MAE";
        double Score(RetrievalVariantRow r) => truth ? r.TestRmse : r.HeldOutSiteMae;
        var byName = variants.ToDictionary(r => r.Variant);
        var method = byName[v.Method.Name];
        var others = rows.Where(r =>
                r.Metric == metric
                && r.Split == split
                && !byName.ContainsKey(r.Method)
                && !r.Method.Contains("bound", StringComparison.Ordinal)
                && !r.Method.Contains("oracle", StringComparison.OrdinalIgnoreCase)
                && !double.IsNaN(r.Value)
            )
            .ToList();
        var s = new List<string>();
        if (others.MinBy(r => r.Value) is { } best)
        {
            double ratio = Score(method) / best.Value;
            s.Add(
                (
                    $"Retrieval (the method) scores {label} {Score(method):F2} against {best.Value:F2} for the best "
                    + $"method of notebooks 02-03 ({best.Method}): {ratio:F2} times its error, "
                    + (
                        ratio < 0.75 ? "well ahead"
                        : ratio < 1 ? "ahead, by less than a quarter"
                        : "not ahead"
                    )
                    + " (the winners' lead on the real leaderboard: 1.22 against 4.6-5.3, 0.27 times)."
                )
            );
        }
        if (truth)
        {
            string Recall(RetrievalPredictor? p) =>
                p is not null && byName.TryGetValue(p.Name, out var r) ? $"{r.RecallAt1:P0}" : "n/a";
            s.Add(
                $"Retrieval is as good as its keys: the exact library map is found for {Recall(v.RawLibrary)} of the "
                    + $"test images with the raw simulated library, {Recall(v.RestyledKeys)} with the winners' "
                    + $"restyled keys{(v.Ceiling is null ? " and" : ",")} {Recall(v.Method)} with both directions "
                    + $"(the method){(v.Ceiling is null ? "" : $" and {Recall(v.Ceiling)} with a perfect restyle")}; "
                    + "a wrong map is a whole other hole, not a small error."
            );
        }
        var choice = v.Choice;
        var chosen = choice.Rows.First(r =>
            r.ShiftBack == choice.Chosen.ShiftBack && r.OneToOne == choice.Chosen.OneToOne
        );
        var other = choice.Rows.First(r => r.OneToOne != chosen.OneToOne && r.ShiftBack == chosen.ShiftBack);
        s.Add(
            $"The held-out train sites chose {(chosen.OneToOne ? "the one-to-one assignment" : "each query's top-1")} "
                + $"(site-average MAE {chosen.SiteMae:F3} against {other.SiteMae:F3}). Where to put the found map they "
                + "cannot see: shifting a map back moves no depth value off it (its border is plateau), so its site "
                + "average is the same; the method keeps its default, "
                + (chosen.ShiftBack ? "shifted back." : "unshifted.")
        );
        if (truth)
            s.AddRange(WhatTheTruthSays(v, byName, method));
        return new Findings(s);
    }

    /// <summary>With the hidden truth: whether it agrees with the chosen placement, what the one-to-one assignment
    /// changed, and the perfect-restyle ceiling against the method.</summary>
    static List<string> WhatTheTruthSays(
        RetrievalVariants v,
        Dictionary<string, RetrievalVariantRow> byName,
        RetrievalVariantRow method
    )
    {
        var s = new List<string>();
        var choice = v.Choice;
        var placed = v.Placements.Where(p => byName.ContainsKey(p.Name)).Select(p => byName[p.Name]).ToList();
        var bestPlaced = placed.MinBy(r => r.TestRmse)!;
        string of = placed.Count == 4 ? "of the four" : $"of the {placed.Count} evaluated";
        s.Add(
            bestPlaced.Variant == method.Variant
                ? $"The hidden truth agrees: the chosen placement has the lowest test RMSE {of} "
                    + $"({method.TestRmse:F2}; the others "
                    + string.Join(", ", placed.Where(r => r != method).Select(r => $"{r.TestRmse:F2}"))
                    + ")."
                : $"The hidden truth would have chosen otherwise: {bestPlaced.Variant} has test RMSE "
                    + $"{bestPlaced.TestRmse:F2} against the chosen {method.TestRmse:F2}; the site averages "
                    + "see a site's mean depth, not each hole."
        );
        RetrievalVariantRow? Placed(bool oneToOne)
        {
            int k = choice
                .Rows.ToList()
                .FindIndex(r => r.OneToOne == oneToOne && r.ShiftBack == choice.Chosen.ShiftBack);
            return byName.GetValueOrDefault(v.Placements[k].Name);
        }
        if (Placed(false) is { } own && Placed(true) is { } assigned)
            s.Add(
                $"One real image a map: assigning the test images to maps one-to-one finds the exact map for "
                    + $"{assigned.RecallAt1:P0} against {own.RecallAt1:P0} when each image takes its own top-1 "
                    + $"(test RMSE {assigned.TestRmse:F2} against {own.TestRmse:F2}; independent top-1s gave "
                    + $"{own.MapsUsedTwice} maps to two test images or more, the assignment "
                    + $"{assigned.MapsUsedTwice}: a query leaves its best key only for a near tie)."
            );
        if (v.Ceiling is { } c && byName.TryGetValue(c.Name, out var ceil))
            s.Add(
                (
                    $"A perfect restyle with the winners' search reaches test RMSE {ceil.TestRmse:F2} (recall "
                    + $"{ceil.RecallAt1:P0})"
                    + (
                        v.CeilingOneToOne is { } c1 && byName.TryGetValue(c1.Name, out var ceil1)
                            ? $", {ceil1.TestRmse:F2} assigned one-to-one (recall {ceil1.RecallAt1:P0})"
                            : ""
                    )
                    + $": the gap from the method's {method.TestRmse:F2} is the restyle's, not the search's."
                )
            );
        return s;
    }

    /// <summary>The best cosine of each query: library holes vs new shapes when the truth says which.</summary>
    /// <param name="testIdx">The test images searched, in the order of <paramref name="found"/> (null: all of
    /// them).</param>
    public static PlotlyChart Similarities(SemData d, Match[][] found, IReadOnlyList<int>? testIdx = null)
    {
        var best = found.Select(f => (double)f[0].Cosine).ToArray();
        if (d.TestLibrary is not { } lib)
            return Charts.Histograms("best cosine per query", "cosine", [("queries", best)]);
        int Q(int k) => testIdx is null ? k : testIdx[k];
        return Charts.Histograms(
            "best cosine per query",
            "cosine",
            [
                ("hole reuses a library map", best.Where((_, k) => lib[Q(k)] >= 0)),
                ("new shape", best.Where((_, k) => lib[Q(k)] < 0)),
            ]
        );
    }

    /// <summary>Exact vs approximate search on the test set: time, recall@1 and, with the truth, the share of
    /// reused holes whose exact library map was found.</summary>
    public static object ExactVsApproximate(SemData d, RetrievalPredictor r, RunCaps? caps = null)
    {
        if ((caps ?? RunCaps.Current).ExactComparisonLeftOut)
            return "exact against approximate search left out by this run's plan: " + RunCaps.LeftOutWhy;
        var idx = Evaluator.TestSample(d);
        var rows = new List<(string Search, double Seconds, Match[][] Found)>();
        foreach (var mode in new[] { SearchMode.Exact, SearchMode.Approx })
        {
            var sw = Stopwatch.StartNew();
            var found = r.Search(d.Test, idx, mode);
            rows.Add((ModeNames.Of(mode), sw.Elapsed.TotalSeconds, found));
        }
        var exact = rows[0].Found;
        var lib = d.TestLibrary is { } full ? idx.Select(q => full[q]).ToArray() : null; // by position in idx
        return Tables.FromRecords(
            rows.Select(x => new
            {
                x.Search,
                x.Seconds,
                QueriesPerSecond = idx.Count / x.Seconds,
                RecallAt1VsExact = Enumerable.Range(0, idx.Count).Count(k => x.Found[k][0].Key == exact[k][0].Key)
                    / (double)idx.Count,
                ExactMapFound = lib is null
                    ? double.NaN
                    : Enumerable.Range(0, idx.Count).Count(k => lib[k] >= 0 && x.Found[k][0].Key == lib[k])
                        / (double)Math.Max(1, lib.Count(v => v >= 0)),
            })
        );
    }

    /// <summary>For each search: how many reused test holes (hidden truth) got their own library map, and the
    /// median best cosine of reused holes and of new shapes.</summary>
    /// <param name="testIdx">The test images searched, in the order of each search's matches (null: all of
    /// them).</param>
    public static object ExactMapFound(
        SemData d,
        IReadOnlyList<(string Search, Match[][] Found)> searches,
        IReadOnlyList<int>? testIdx = null
    )
    {
        if (d.TestLibrary is not { } full)
            return "which holes reuse a library map is hidden truth of the synthetic set";
        var lib = testIdx is null ? full : testIdx.Select(q => full[q]).ToArray(); // by position in the searches
        var reused = Enumerable.Range(0, lib.Length).Where(q => lib[q] >= 0).ToList();
        var fresh = Enumerable.Range(0, lib.Length).Where(q => lib[q] < 0).ToList();
        static double Median(IEnumerable<double> v)
        {
            var a = v.Order().ToArray();
            return a.Length == 0 ? double.NaN : a[a.Length / 2];
        }
        return Tables.FromRecords(
            searches.Select(s => new
            {
                s.Search,
                ReusedHoles = reused.Count,
                ExactMapFound = reused.Count(q => s.Found[q][0].Key == lib[q]),
                Share = reused.Count(q => s.Found[q][0].Key == lib[q]) / (double)Math.Max(1, reused.Count),
                MedianCosineReused = Median(reused.Select(q => (double)s.Found[q][0].Cosine)),
                MedianCosineNewShapes = Median(fresh.Select(q => (double)s.Found[q][0].Cosine)),
            })
        );
    }

    /// <summary>Real test RMSE per case (cases from the hidden truth) for each method, read from its evaluation rows
    /// (<see cref="Evaluator.Evaluate"/>; nothing is predicted again).</summary>
    public static DataFrame PerCase(IEnumerable<EvalRow> evaluation)
    {
        var rmse = evaluation.Where(r => r.Metric == "RMSE").ToList();
        double Get(string method, string split) =>
            rmse.FirstOrDefault(r => r.Method == method && r.Split == split)?.Value ?? double.NaN;
        string CaseSplit(int c) => $"real test Case_{c} (hidden truth)";
        var rows = rmse.Where(r => r.Split == Evaluator.TestSplit)
            .Select(r => r.Method)
            .Distinct()
            .Select(m => new CaseRmse(
                m,
                Get(m, CaseSplit(1)),
                Get(m, CaseSplit(2)),
                Get(m, CaseSplit(3)),
                Get(m, CaseSplit(4)),
                Get(m, Evaluator.TestSplit)
            ))
            .ToList();
        if (rows.Count == 0)
            throw new InvalidOperationException(
                "per-case RMSE needs the synthetic set's hidden truth (no real test rows in the evaluation)"
            );
        return Tables.FromRecords(rows);
    }

    /// <summary>One row of the per-case table: real test RMSE of a method on each case's images and on all.</summary>
    public sealed record CaseRmse(string Method, double Case1, double Case2, double Case3, double Case4, double All);
}

/// <summary>One retrieval variant on the test sample (<see cref="RetrievalViews.Score"/>).</summary>
public sealed record RetrievalVariantRow(
    string Variant,
    double RecallAt1,
    double Shift0,
    double Shift1,
    double Shift2,
    int MapsUsedTwice,
    double TestRmse,
    double HeldOutSiteMae
);
