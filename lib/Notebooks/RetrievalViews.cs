using System.Diagnostics;
using Microsoft.Data.Analysis;
using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Methods;
using SemDepth.Models;
using SemDepth.Training;
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
                .Range(0, d.Layout.Train.Count)
                .Where(i => d.Layout.Train[i].Case == c)
                .Take(perCase)
                .ToList();
            var maps = Enumerable
                .Range(0, d.Layout.Sim.Count)
                .Where(i => d.Layout.Sim[i].Case == c)
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
            int c = d.Layout.Sim[m.Key].Case;
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
    public static DataFrame ExactVsApproximate(SemData d, RetrievalPredictor r)
    {
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
