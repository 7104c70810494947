using Microsoft.Data.Analysis;
using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Pictures;
using SemDepth.Translation;
using XPlot.Plotly;

namespace SemDepth.Notebooks;

/// <summary>Views for the CycleGAN notebook (03).</summary>
public static class DomainShiftViews
{
    /// <summary>Per-epoch CycleGAN losses.</summary>
    public static PlotlyChart Curves(IReadOnlyList<CycleGanEpoch> h)
    {
        var x = h.Select(e => (double)e.Epoch).ToList();
        var series = new List<(string, IEnumerable<double>, IEnumerable<double>)>
        {
            ("cycle (x lambda)", x, h.Select(e => e.Cycle)),
            ("identity (x lambda)", x, h.Select(e => e.Identity)),
            ("G adversarial", x, h.Select(e => e.GAdv)),
            ("D sim", x, h.Select(e => e.DSim)),
            ("D real", x, h.Select(e => e.DReal)),
        };
        if (h.Any(e => !double.IsNaN(e.Gp)))
            series.Add(("gradient penalty", x, h.Select(e => e.Gp)));
        return Charts.Lines("CycleGAN losses per epoch", "epoch", "loss", series);
    }

    /// <summary>Rows realSem | fakeSim | recReal, plus a simulated image of the same case for comparison.</summary>
    public static ImageGrid TranslationGrid(CycleGanTrainer cg, SemData d, IReadOnlyList<int> trainIdx)
    {
        var g = new ImageGrid
        {
            Title =
                "realSem -> GenRealToSim -> fakeSim -> GenSimToReal -> recReal | a simulated image of the same case",
        };
        foreach (int i in trainIdx)
        {
            int c = d.DataSet.Train[i].Case;
            var fake = CycleGanTrainer.Translate(cg.GenRealToSim(c), d.Train, [i]);
            var rec = CycleGanTrainer.Translate(cg.GenSimToReal(c), new ImageSet(fake), [0]);
            int sim = Enumerable.Range(0, d.DataSet.Sim.Count).First(k => d.DataSet.Sim[k].Case == c) * 2;
            g.Row(
                new Tile($"realSem (Depth_{Cases.DepthFolder(c)})", d.Train.ToArray(i), ImageKind.Sem),
                new Tile("fakeSim", fake, ImageKind.Sem),
                new Tile("recReal", rec, ImageKind.Sem),
                new Tile($"simSem (Case_{c})", d.SimSem.ToArray(sim), ImageKind.Sem)
            );
        }
        return g;
    }

    /// <summary>Real test RMSE per method as bars; without hidden truth, the held-out site MAE per folder.</summary>
    public static PlotlyChart RmseBars(IReadOnlyList<EvalRow> rows)
    {
        if (!rows.Any(x => x.Split == Evaluator.TestSplit))
        {
            var s = rows.Where(x =>
                    x.Metric == "site-average MAE"
                    && x.Split.StartsWith(Evaluator.HeldOutSplit + ",", StringComparison.Ordinal)
                )
                .ToList();
            var ms = s.Select(x => x.Method).Distinct().ToList();
            return Charts.Bars(
                "held-out site-average MAE per folder (no hidden truth), lower is better",
                "MAE (0-255)",
                ms,
                s.Select(x => x.Split)
                    .Distinct()
                    .Select(split =>
                        (
                            split[(Evaluator.HeldOutSplit.Length + 2)..],
                            ms.Select(m =>
                                s.FirstOrDefault(x => x.Method == m && x.Split == split)?.Value ?? double.NaN
                            )
                        )
                    )
            );
        }
        var r = rows.Where(x => x.Metric == "RMSE" && x.Split is "real train (hidden truth)" or Evaluator.TestSplit)
            .ToList();
        var methods = r.Select(x => x.Method).Distinct().ToList();
        return Charts.Bars(
            "real-domain RMSE (hidden truth), lower is better",
            "RMSE (0-255)",
            methods,
            r.Select(x => x.Split)
                .Distinct()
                .Select(split =>
                    (
                        split,
                        methods.Select(m =>
                            r.FirstOrDefault(x => x.Method == m && x.Split == split)?.Value ?? double.NaN
                        )
                    )
                )
        );
    }

    /// <summary>One sentence: how much of the AE-to-oracle gap the pipeline closes, or why the oracle bounds
    /// nothing.</summary>
    public static string GapSummary(IReadOnlyList<EvalRow> rows, Workspace.RunCaps? caps = null)
    {
        if (OracleFloor.BeatenBy(rows) is { } winner)
            return $"The oracle is not a floor in this run: {winner} beats it on real test RMSE, so the table "
                + $"marks it INVALID and no gap fraction is given. Train the oracle longer before reading it.";
        if (!rows.Any(x => x.Split == Evaluator.TestSplit))
            return Evaluator.NoTruth("the gap between the AE and the oracle on real test RMSE")
                + "; the table ranks the methods by held-out site-average MAE";
        double f = DomainShift.GapClosed(rows);
        if (double.IsNaN(f) && (caps ?? Workspace.RunCaps.Current).OracleLeftOut)
            return "no gap fraction: the oracle is left out by this run's plan: " + Workspace.RunCaps.LeftOutWhy;
        if (double.IsNaN(f))
            return "gap fraction unavailable (needs AE, pipeline and oracle rows on the hidden truth)";
        return $"On real test images the CycleGAN pipeline closes {f:P0} of the gap between the sim-trained AE "
            + $"and the oracle. "
            + "The oracle (the sim U-Net fine-tuned on real-domain truth, with the same post-processing) "
            + "bounds every regression method here; retrieval, which returns stored maps verbatim, may go below it.";
    }

    /// <summary>
    /// What helped in notebook 03's run, in sentences written from its table: post-processing, translation and the
    /// site averages each as a before and after, and which methods did not beat the per-case constant map. Real test
    /// RMSE with the hidden truth, else held-out site MAE.
    /// </summary>
    public static Findings WhatHelped(IReadOnlyList<EvalRow> rows)
    {
        bool truth = rows.Any(r => r.Split == Evaluator.TestSplit);
        string metric = truth ? "RMSE" : "site-average MAE",
            split = truth ? Evaluator.TestSplit : Evaluator.HeldOutSplit,
            label = truth ? "real test RMSE" : "held-out site MAE";
        double V(string method) =>
            rows.FirstOrDefault(r => r.Method == method && r.Metric == metric && r.Split == split)?.Value ?? double.NaN;
        var s = new List<string>();
        void Step(string what, string before, string after, string ifHelped)
        {
            double a = V(before),
                b = V(after);
            if (double.IsNaN(a) || double.IsNaN(b))
                return;
            s.Add(
                b < a
                    ? $"{what} helped: {before} {a:F2} -> {after} {b:F2} ({label}){ifHelped}."
                    : $"{what} did not help in this run: {before} {a:F2} -> {after} {b:F2} ({label})."
            );
        }
        Step("Post-processing", "U-Net (sim)", "U-Net (sim) + post-processing", "");
        string oracle = rows.Select(r => r.Method)
            .FirstOrDefault(m => m.StartsWith("oracle", StringComparison.Ordinal) && m.EndsWith("post-processing"))
            ?? "";
        Step(
            "Translation",
            "U-Net (sim) + post-processing",
            "CycleGAN pipeline + post-processing",
            double.IsNaN(V(oracle)) ? "" : $", towards the oracle's {V(oracle):F2}"
        );
        Step("The site averages", "U-Net (sim) + post-processing", "U-Net (sim + site averages) + post-processing", "");
        double constant = V("per-case constant map");
        if (!double.IsNaN(constant))
        {
            var behind = rows.Where(r =>
                    r.Metric == metric
                    && r.Split == split
                    && r.Method != "per-case constant map"
                    && !r.Method.StartsWith("oracle", StringComparison.Ordinal)
                    && r.Value >= constant
                )
                .Select(r => $"{r.Method} {r.Value:F2}")
                .ToList();
            s.Add(
                behind.Count == 0
                    ? $"Every method beats the per-case constant map ({constant:F2})."
                    : $"Not better than the per-case constant map ({constant:F2}), the floor every learnt method must "
                        + $"beat: {string.Join(", ", behind)}."
            );
        }
        return new Findings(s);
    }

    /// <summary>
    /// The evaluation as one row per method: real test RMSE and where the error lives (plateau and hole
    /// pixels, per case, per-image median and 90th percentile), real train RMSE, and the site-average MAE
    /// on the held-out sites (the check a real-data user can make).
    /// </summary>
    public static DataFrame MethodTable(IReadOnlyList<EvalRow> rows)
    {
        double V(string method, string metric, string split) =>
            rows.FirstOrDefault(r => r.Method == method && r.Metric == metric && r.Split == split)?.Value ?? double.NaN;
        const string test = Evaluator.TestSplit;
        string Note(string m) => rows.FirstOrDefault(r => r.Method == m && r.Suspect is not null)?.Suspect ?? "";
        if (!rows.Any(r => r.Split == test))
        {
            // no hidden truth: what a real-data user can measure, best first
            var ranked = rows.Where(r => r.Metric == "site-average MAE" && r.Split == Evaluator.HeldOutSplit)
                .OrderBy(r => r.Suspect is null ? 0 : 1)
                .ThenBy(r => r.Value)
                .Select(r => r.Method)
                .Distinct()
                .ToList();
            double F(string m, int c) => V(m, "site-average MAE", Evaluator.HeldOutFolder(c));
            return Views.WithoutEmptyColumns(
                Tables.FromRecords(
                    ranked.Select(m => new HeldOutRow(
                        m,
                        Note(m),
                        V(m, "site-average MAE", Evaluator.HeldOutSplit),
                        F(m, 1),
                        F(m, 2),
                        F(m, 3),
                        F(m, 4),
                        V(m, "RMSE", Evaluator.SimValSplit)
                    ))
                )
            );
        }
        var methods = rows.Where(r => r.Metric == "RMSE" && r.Split == test).Select(r => r.Method).Distinct().ToList();
        return Views.WithoutEmptyColumns(
            Tables.FromRecords(
                methods.Select(m => new MethodRow(
                    m,
                    Note(m),
                    V(m, "RMSE", test),
                    V(m, "RMSE plateau pixels", test),
                    V(m, "RMSE hole pixels", test),
                    V(m, "RMSE", "real test Case_1 (hidden truth)"),
                    V(m, "RMSE", "real test Case_2 (hidden truth)"),
                    V(m, "RMSE", "real test Case_3 (hidden truth)"),
                    V(m, "RMSE", "real test Case_4 (hidden truth)"),
                    V(m, "per-image RMSE median", test),
                    V(m, "per-image RMSE p90", test),
                    V(m, "RMSE", "real train (hidden truth)"),
                    V(m, "site-average MAE", Evaluator.HeldOutSplit)
                ))
            )
        );
    }

    /// <summary>The CycleGANs of notebook 03's selection, one row each: seed, run folder, the held-out site MAE of
    /// retrieval with it, and which one became runs/cyclegan.</summary>
    public static DataFrame Candidates(IReadOnlyList<CycleGanCandidate> rows) =>
        Tables.FromRecords(
            rows.Select(r => new CandidateRow(
                    r.Seed,
                    r.Run,
                    Math.Round(r.SiteMae, 3),
                    r.Chosen ? "chosen: runs/cyclegan" : ""
                ))
                .ToList()
        );

    /// <summary>One line on the selection, written from its figures.</summary>
    public static string CandidatesSummary(IReadOnlyList<CycleGanCandidate> rows)
    {
        var chosen = rows.Single(r => r.Chosen);
        if (rows.Count == 1)
            return $"one CycleGAN trained (seed {chosen.Seed}): nothing to choose";
        var maes = rows.Select(r => r.SiteMae).Where(double.IsFinite).ToList();
        return maes.Count == 0
            ? $"no held-out sites to score on: the first candidate (seed {chosen.Seed}) is kept"
            : $"{rows.Count} CycleGANs, held-out site MAE of retrieval {maes.Min():F3}-{maes.Max():F3}: seed "
                + $"{chosen.Seed} is kept ({chosen.SiteMae:F3})";
    }

    /// <summary>One row of <see cref="Candidates"/>.</summary>
    public sealed record CandidateRow(int Seed, string Run, double HeldOutSiteMae, string Chosen);

    /// <summary>One method's row of <see cref="MethodTable"/> on a root without hidden truth: site-average MAE on
    /// the held-out sites (all, and per Depth folder) and RMSE on simulated validation images (0-255 scale).</summary>
    public sealed record HeldOutRow(
        string Method,
        string Note,
        double SiteMaeHeldOut,
        double Depth110,
        double Depth120,
        double Depth130,
        double Depth140,
        double SimValRmse
    );

    /// <summary>One method's row of <see cref="MethodTable"/> (RMSE on the 0-255 scale; site MAE likewise).</summary>
    public sealed record MethodRow(
        string Method,
        string Note,
        double TestRmse,
        double Plateau,
        double Hole,
        double Case1,
        double Case2,
        double Case3,
        double Case4,
        double MedianImage,
        double P90Image,
        double TrainRmse,
        double SiteMaeHeldOut
    );

    /// <summary>
    /// Without hidden truth: the <paramref name="n"/> held-out train sites whose mean predicted depth (each map
    /// padded with its plateau, as the CSV is defined) misses average_depth.csv most, a row each with
    /// up to three of the site's images and their predictions.
    /// </summary>
    public static ImageGrid WorstSites(IDepthPredictor p, SemData d, int n = 5)
    {
        var heldSites = Splits.HeldOutSites(d.DataSet);
        // the tables' held-out images
        var held = Evaluator.TrainSample(d).Where(i => heldSites.Contains(d.DataSet.Train[i].SiteKey)).ToList();
        var pred = p.Predict(d.Train, held);
        var sites = SiteAverages
            .Of(d.DataSet, held, pred)
            .OrderByDescending(s => Math.Abs(s.Predicted - s.Csv))
            .Take(n)
            .ToList();
        var grid = new ImageGrid
        {
            Title =
                $"{p.Name}: the {sites.Count} held-out sites whose mean predicted depth misses average_depth.csv "
                + "most (no hidden truth); each row: folder and site, its CSV value vs the mean predicted, "
                + "then its images",
        };
        foreach (var s in sites)
        {
            var tiles = new List<Tile>();
            foreach (int k in s.Positions.Take(3))
            {
                bool first = tiles.Count == 0;
                string site = s.Site[
                    (s.Site.LastIndexOf("site_", StringComparison.Ordinal) is int at and >= 0 ? at : 0)..
                ];
                tiles.Add(
                    new Tile(
                        first ? $"{Cases.DepthFolder(s.Case)} {site}" : "SEM",
                        d.Train.ToArray(held[k]),
                        ImageKind.Sem
                    )
                );
                tiles.Add(
                    new Tile(
                        first ? $"CSV {s.Csv:F1} vs {s.Predicted:F1}" : "prediction",
                        pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels).ToArray(),
                        ImageKind.Depth
                    )
                );
            }
            grid.Row([.. tiles]);
        }
        return grid;
    }

    /// <summary>The <paramref name="n"/> real test images a method gets most wrong: SEM | prediction | truth | error
    /// (without hidden truth: <see cref="WorstSites"/>).</summary>
    public static ImageGrid WorstImages(IDepthPredictor p, SemData d, int n = 5)
    {
        if (d.TestTruth is not { } truth)
            return WorstSites(p, d, n);
        var idx = Evaluator.TestSample(d);
        var split = Metrics.Split(
            p.Predict(d.Test, idx),
            Batches.Gather(truth, idx),
            idx.Select(q => d.TestCases![q]).ToList(),
            n
        );
        string of = idx.Count < d.Test.Count ? $" of a sample of {idx.Count:N0}" : "";
        return Views.PredictionGrid(
            $"{p.Name}: the {split.Worst.Length} worst real test images{of} (per-image RMSE "
                + $"{split.PerImage[split.Worst[0]]:F1} to {split.PerImage[split.Worst[^1]]:F1}; the median "
                + $"image {split.MedianImage:F1})",
            p,
            d.Test,
            truth,
            split.Worst.Select(k => idx[k]).ToList()
        );
    }
}

/// <summary>Views for the submission notebook.</summary>
public static class SubmissionViews
{
    /// <summary>Histogram of predicted pixel values, one series per predicted case.</summary>
    public static PlotlyChart PredictedValues(IDepthPredictor p, SemData d, int maxImages = 2000)
    {
        var idx = Enumerable.Range(0, Math.Min(maxImages, d.Test.Count)).ToList();
        var pred = p.Predict(d.Test, idx);
        var byCase = new Dictionary<int, List<double>>();
        for (int k = 0; k < idx.Count; k++)
        {
            var m = pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels);
            int c = Methods.PostProcess.CaseOfMap(m);
            var list = byCase.TryGetValue(c, out var l) ? l : byCase[c] = [];
            for (int i = 0; i < m.Length; i += 7)
                list.Add(m[i]); // every 7th pixel keeps the chart light
        }
        return Charts.Histograms(
            "predicted depth values by predicted case (nearest plateau)",
            "predicted depth (0-255)",
            byCase
                .OrderBy(kv => kv.Key)
                .Select(kv => ($"case {kv.Key} (plateau {Cases.Plateau(kv.Key)})", (IEnumerable<double>)kv.Value)),
            64
        );
    }
}
