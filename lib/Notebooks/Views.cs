using Microsoft.Data.Analysis;
using SemDepth.Data;
using SemDepth.Methods;
using SemDepth.Evaluation;
using SemDepth.Training;
using XPlot.Plotly;

namespace SemDepth.Notebooks;

/// <summary>The tables, grids and charts the notebooks show; every computation lives here.</summary>
public static class Views
{
    // ---------- notebook 01: the data ----------

    /// <summary>Images per split, case and folder (pairs for simulation, sites for train).</summary>
    public static DataFrame Counts(SemData d) => Tables.FromRecords(d.Set.Counts().Select(c => new { c.Split, c.Case, c.Folder, c.Images, PairsOrSites = c.Groups }));

    /// <summary>Per case: simulated SEM itr0 and itr1 with their depth map, <paramref name="perCase"/> holes.</summary>
    public static ImageGrid SimGrid(SemData d, int perCase = 2)
    {
        var g = new ImageGrid { Title = "simulated pairs: SEM itr0 | SEM itr1 | depth map, per case" };
        foreach (int c in Cases.All)
        {
            var tiles = new List<Tile>();
            foreach (var (p, i) in d.Set.Sim.Select((p, i) => (p, i)).Where(x => x.p.Case == c).Take(perCase))
            {
                tiles.Add(new Tile($"Case_{c} itr0", d.SimSem.ToArray(2 * i), ImageKind.Sem));
                tiles.Add(new Tile("itr1", d.SimSem.ToArray(2 * i + 1), ImageKind.Sem));
                tiles.Add(new Tile("depth", d.SimDepth.ToArray(i), ImageKind.Depth));
            }
            g.Row([.. tiles]);
        }
        return g;
    }

    /// <summary>Real train SEM, <paramref name="perFolder"/> per Depth folder.</summary>
    public static ImageGrid TrainGrid(SemData d, int perFolder = 6)
    {
        var g = new ImageGrid { Title = "real train SEM per Depth folder" };
        foreach (int c in Cases.All)
            g.Row([.. d.Set.Train.Select((t, i) => (t, i)).Where(x => x.t.Case == c).Take(perFolder)
                .Select(x => new Tile($"Depth_{Cases.DepthFolder(c)}/{x.t.Site}", d.Train.ToArray(x.i), ImageKind.Sem))]);
        return g;
    }

    /// <summary>The first <paramref name="n"/> test SEM images.</summary>
    public static ImageGrid TestGrid(SemData d, int n = 8) =>
        new ImageGrid { Title = "test SEM (real domain, no depth given)" }.Row([.. Enumerable.Range(0, Math.Min(n, d.Test.Count)).Select(i => new Tile(d.Set.Test[i].Name, d.Test.ToArray(i), ImageKind.Sem))]);

    static IEnumerable<int> SimSemOfCase(SemData d, int c) => d.Set.Sim.Select((p, i) => (p, i)).Where(x => x.p.Case == c).SelectMany(x => new[] { 2 * x.i, 2 * x.i + 1 });
    static IEnumerable<int> TrainOfCase(SemData d, int c) => d.Set.Train.Select((t, i) => (t, i)).Where(x => x.t.Case == c).Select(x => x.i);
    static double Mean(ReadOnlySpan<byte> img) { double s = 0; foreach (var v in img) s += v; return s / img.Length; }

    /// <summary>Distribution of the per-image mean of train SEM, per Depth folder.</summary>
    public static PlotlyChart TrainMeanHistogram(SemData d) => Charts.Histograms("real train SEM: per-image mean by Depth folder", "mean pixel value",
        Cases.All.Select(c => ($"Depth_{Cases.DepthFolder(c)}", TrainOfCase(d, c).Select(i => Mean(d.Train[i])))));

    /// <summary>Site averages from average_depth.csv, per folder.</summary>
    public static PlotlyChart SiteAverageHistogram(SemData d) => Charts.Histograms("average_depth.csv: site average depth by folder", "average depth (0-255)",
        Cases.All.Select(c => ($"Depth_{Cases.DepthFolder(c)}", d.Set.AverageDepth.Where(kv => kv.Key.StartsWith($"depth_{Cases.DepthFolder(c)}_", StringComparison.Ordinal)).Select(kv => kv.Value))));

    /// <summary>Per case: simulated SEM mean vs its depth map's mean.</summary>
    public static PlotlyChart SimSemVsDepthScatter(SemData d, int maxPerCase = 400) => Charts.Scatter("simulated: SEM mean vs depth-map mean", "depth-map mean", "SEM mean (itr0)",
        Cases.All.Select(c =>
        {
            var idx = d.Set.Sim.Select((p, i) => (p, i)).Where(x => x.p.Case == c).Take(maxPerCase).Select(x => x.i).ToList();
            return ($"Case_{c}", idx.Select(i => Mean(d.SimDepth[i])), idx.Select(i => Mean(d.SimSem[2 * i])));
        }));

    /// <summary>Per-map mean of simulated depth maps, per case.</summary>
    public static PlotlyChart SimDepthMeanHistogram(SemData d) => Charts.Histograms("simulated depth maps: per-map mean by case", "depth-map mean",
        Cases.All.Select(c => ($"Case_{c}", d.Set.Sim.Select((p, i) => (p, i)).Where(x => x.p.Case == c).Select(x => Mean(d.SimDepth[x.i])))));

    /// <summary>The domain gap: per-image mean of simulated vs real SEM, one chart per case.</summary>
    public static PlotlyChart DomainGapHistogram(SemData d, int c) => Charts.Histograms($"Case_{c} / Depth_{Cases.DepthFolder(c)}: simulated vs real per-image mean", "mean pixel value",
        [("sim", SimSemOfCase(d, c).Select(i => Mean(d.SimSem[i]))), ("real", TrainOfCase(d, c).Select(i => Mean(d.Train[i])))]);

    /// <summary>Background noise (SD of flat corner patches) per domain.</summary>
    public static PlotlyChart NoiseHistogram(SemData d) => Charts.Histograms("noise level: SD of flat background patches", "background SD",
        [("sim", Enumerable.Range(0, d.SimSem.Count).Select(i => ImageStat.BackgroundNoise(d.SimSem[i]))), ("real", Enumerable.Range(0, d.Train.Count).Select(i => ImageStat.BackgroundNoise(d.Train[i])))]);

    /// <summary>SEM statistics table per domain and case.</summary>
    public static DataFrame SemStatsTable(SemData d) => Tables.FromRecords(DataStatistics.Sem(d).Select(s => new { s.Domain, s.Case, MeanOfMeans = s.ImageMean.Mean, MeanSd = s.ImageMean.Sd, ImageSd = s.ImageSd.Mean, NoiseSd = s.NoiseSd.Mean, Max = s.Max.Mean }));

    /// <summary>Horizontal (row through the centre) or vertical (column through the centre) profiles:
    /// simulated SEM, a real SEM and the simulated depth map, same case.</summary>
    public static PlotlyChart Profile(SemData d, int c, bool horizontal)
    {
        int si = d.Set.Sim.Select((p, i) => (p, i)).First(x => x.p.Case == c).i;
        int ti = TrainOfCase(d, c).First();
        int r = Geometry.Height / 2, col = Geometry.Width / 2, n = horizontal ? Geometry.Width : Geometry.Height;
        IEnumerable<double> Line(ReadOnlySpan<byte> img)
        {
            var o = new double[n];
            for (int k = 0; k < n; k++) o[k] = horizontal ? img[r * Geometry.Width + k] : img[k * Geometry.Width + col];
            return o;
        }
        var xs = Enumerable.Range(0, n).Select(v => (double)v).ToArray();
        var series = new List<(string, IEnumerable<double>, IEnumerable<double>)>
        {
            ("sim SEM", xs, Line(d.SimSem[2 * si])), ("real SEM", xs, Line(d.Train[ti])), ("sim depth", xs, Line(d.SimDepth[si])),
        };
        if (d.TrainTruth is { } tt) series.Add(("real depth (hidden truth)", xs, Line(tt[ti])));
        return Charts.Lines($"Case_{c}: {(horizontal ? $"row {r}" : $"column {col}")} profile through the hole", horizontal ? "column" : "row", "pixel value", series);
    }

    /// <summary>The plateau-padding check: simulated map mean per case padded with 750/1,100/1,450/1,800
    /// plateau pixels, against the CSV averages of the matching folder.</summary>
    public static DataFrame PaddingCheck(SemData d)
    {
        var depth = DataStatistics.Depth(d).Where(s => s.Source == "Sim").ToDictionary(s => s.Case);
        var csv = DataStatistics.SiteAverages(d.Set).ToDictionary(s => s.Case);
        return Tables.FromRecords(Cases.All.Select(c => new
        {
            Case = c, Folder = $"Depth_{Cases.DepthFolder(c)}", Plateau = Cases.Plateau(c), Padding = Cases.PlateauPadding(c),
            SimMapMean = depth[c].MapMean.Mean, PaddedSimMean = depth[c].PaddedMean, CsvMean = csv[c].SiteAverage.Mean, Difference = depth[c].PaddedMean - csv[c].SiteAverage.Mean,
        }));
    }

    /// <summary>Depth statistics: simulated maps and (synthetic only) the real-domain truth.</summary>
    public static DataFrame DepthStatsTable(SemData d) => Tables.FromRecords(DataStatistics.Depth(d).Select(s => new
    {
        s.Source, s.Case, MapMean = s.MapMean.Mean, MapSd = s.MapSd.Mean, MinLow = s.MapMin.Min, MinHigh = s.MapMin.Max, s.PlateauFraction, s.PaddedMean,
    }));

    /// <summary>Real-domain truth next to the simulated maps of the same case (synthetic set only).</summary>
    public static ImageGrid TruthGrid(SemData d, int perCase = 3)
    {
        var tt = d.TrainTruth ?? throw new InvalidOperationException("no hidden truth in this data root");
        var g = new ImageGrid { Title = "hidden truth: real SEM | its depth map, and a simulated depth map of the same case" };
        foreach (int c in Cases.All)
        {
            var tiles = new List<Tile>();
            foreach (int i in TrainOfCase(d, c).Take(perCase))
            {
                tiles.Add(new Tile($"Depth_{Cases.DepthFolder(c)} SEM", d.Train.ToArray(i), ImageKind.Sem));
                tiles.Add(new Tile("truth", tt.ToArray(i), ImageKind.Depth));
            }
            int si = d.Set.Sim.Select((p, i) => (p, i)).First(x => x.p.Case == c).i;
            tiles.Add(new Tile($"sim depth Case_{c}", d.SimDepth.ToArray(si), ImageKind.Depth));
            g.Row([.. tiles]);
        }
        return g;
    }

    // ---------- notebook 02 and later: models ----------

    /// <summary>Loss curves from an epoch history.</summary>
    public static PlotlyChart LossCurves(IReadOnlyList<EpochMetrics> h) => Charts.Lines("training curves", "epoch", "value",
        [("train L1 (x255)", h.Select(m => (double)m.Epoch), h.Select(m => m.TrainL1 * 255)), ("sim validation RMSE", h.Select(m => (double)m.Epoch), h.Select(m => m.ValRmse))]);

    /// <summary>An evaluation table.</summary>
    /// <remarks>The breakdown of real test error (plateau/hole pixels, per case, per-image quantiles) is left to
    /// <see cref="DomainShiftViews.MethodTable"/>, one row a method.</remarks>
    public static DataFrame EvalTable(IEnumerable<EvalRow> rows) => WithoutEmptyColumns(Tables.FromRecords(rows
        .Where(r => !(r.Metric is "RMSE plateau pixels" or "RMSE hole pixels" or "per-image RMSE median" or "per-image RMSE p90")
            && !r.Split.StartsWith("real test Case_", StringComparison.Ordinal))
        .Select(r => new { r.Method, r.Metric, r.Split, r.Value, r.Images, Note = r.Suspect ?? "" })));

    /// <summary>Drops the columns with nothing to show: the Note column (suspect methods) when no row has one,
    /// and a number column that is NaN in every row (a figure this data root or notebook cannot measure).</summary>
    internal static DataFrame WithoutEmptyColumns(DataFrame df)
    {
        for (int i = df.Columns.Count - 1; i >= 0; i--)
        {
            var values = df.Columns[i].Cast<object?>().ToList();
            bool empty = df.Columns[i].Name == "Note" ? values.All(v => v is null or "")
                : values.Count > 0 && values.All(v => v is double d && double.IsNaN(d));
            if (empty) df.Columns.RemoveAt(i);
        }
        return df;
    }

    /// <summary>Rows of SEM | prediction | truth | |error| for images <paramref name="idx"/>.</summary>
    public static ImageGrid PredictionGrid(string title, IDepthPredictor p, ImageSet sem, ImageSet? truth, IReadOnlyList<int> idx, Func<int, int>? truthIndex = null)
    {
        var pred = p.Predict(sem, idx);
        var g = new ImageGrid { Title = title };
        for (int k = 0; k < idx.Count; k++)
        {
            var pk = pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels).ToArray();
            var tiles = new List<Tile> { new("SEM", sem.ToArray(idx[k]), ImageKind.Sem), new("prediction", pk, ImageKind.Depth) };
            if (truth is not null)
            {
                var tk = truth.ToArray(truthIndex?.Invoke(idx[k]) ?? idx[k]);
                tiles.Add(new Tile($"truth (RMSE {Metrics.Rmse(pk, tk):F1})", tk, ImageKind.Depth));
                tiles.Add(new Tile("|error|", pk.Zip(tk, (a, b) => (byte)Math.Abs(a - b)).ToArray(), ImageKind.Error));
            }
            g.Row([.. tiles]);
        }
        return g;
    }
}

/// <summary>Views for the CycleGAN notebook (03).</summary>
public static class DomainShiftViews
{
    /// <summary>Per-epoch CycleGAN losses.</summary>
    public static PlotlyChart Curves(IReadOnlyList<CycleGanEpoch> h)
    {
        var x = h.Select(e => (double)e.Epoch).ToList();
        var series = new List<(string, IEnumerable<double>, IEnumerable<double>)>
        {
            ("cycle (x lambda)", x, h.Select(e => e.Cycle)), ("identity (x lambda)", x, h.Select(e => e.Identity)),
            ("G adversarial", x, h.Select(e => e.GAdv)), ("D sim", x, h.Select(e => e.DSim)), ("D real", x, h.Select(e => e.DReal)),
        };
        if (h.Any(e => !double.IsNaN(e.Gp))) series.Add(("gradient penalty", x, h.Select(e => e.Gp)));
        return Charts.Lines("CycleGAN losses per epoch", "epoch", "loss", series);
    }

    /// <summary>Rows realSem | fakeSim | recReal, plus a simulated image of the same case for comparison.</summary>
    public static ImageGrid TranslationGrid(CycleGanTrainer cg, SemData d, IReadOnlyList<int> trainIdx)
    {
        var g = new ImageGrid { Title = "realSem -> GenRealToSim -> fakeSim -> GenSimToReal -> recReal | a simulated image of the same case" };
        foreach (int i in trainIdx)
        {
            int c = d.Set.Train[i].Case;
            var fake = CycleGanTrainer.Translate(cg.GenRealToSim(c), d.Train, [i]);
            var rec = CycleGanTrainer.Translate(cg.GenSimToReal(c), new ImageSet(fake), [0]);
            int sim = Enumerable.Range(0, d.Set.Sim.Count).First(k => d.Set.Sim[k].Case == c) * 2;
            g.Row(new Tile($"realSem (Depth_{Cases.DepthFolder(c)})", d.Train.ToArray(i), ImageKind.Sem), new Tile("fakeSim", fake, ImageKind.Sem),
                new Tile("recReal", rec, ImageKind.Sem), new Tile($"simSem (Case_{c})", d.SimSem.ToArray(sim), ImageKind.Sem));
        }
        return g;
    }

    /// <summary>Real test RMSE per method as bars; without hidden truth, the held-out site MAE per folder.</summary>
    public static PlotlyChart RmseBars(IReadOnlyList<EvalRow> rows)
    {
        if (!rows.Any(x => x.Split == Evaluator.TestSplit))
        {
            var s = rows.Where(x => x.Metric == "site-average MAE" && x.Split.StartsWith(Evaluator.HeldOutSplit + ",", StringComparison.Ordinal)).ToList();
            var ms = s.Select(x => x.Method).Distinct().ToList();
            return Charts.Bars("held-out site-average MAE per folder (no hidden truth), lower is better", "MAE (0-255)", ms,
                s.Select(x => x.Split).Distinct().Select(split => (split[(Evaluator.HeldOutSplit.Length + 2)..],
                    ms.Select(m => s.FirstOrDefault(x => x.Method == m && x.Split == split)?.Value ?? double.NaN))));
        }
        var r = rows.Where(x => x.Metric == "RMSE" && x.Split is "real train (hidden truth)" or Evaluator.TestSplit).ToList();
        var methods = r.Select(x => x.Method).Distinct().ToList();
        return Charts.Bars("real-domain RMSE (hidden truth), lower is better", "RMSE (0-255)", methods,
            r.Select(x => x.Split).Distinct().Select(split => (split, methods.Select(m => r.FirstOrDefault(x => x.Method == m && x.Split == split)?.Value ?? double.NaN))));
    }

    /// <summary>One sentence: how much of the AE-to-oracle gap the pipeline closes, or why the oracle bounds nothing.</summary>
    public static string GapSummary(IReadOnlyList<EvalRow> rows)
    {
        if (OracleFloor.BeatenBy(rows) is { } winner)
            return $"The oracle is not a floor in this run: {winner} beats it on real test RMSE, so the table marks it INVALID and no gap fraction is given. Train the oracle longer before reading it.";
        if (!rows.Any(x => x.Split == Evaluator.TestSplit))
            return Evaluator.NoTruth("the gap between the AE and the oracle on real test RMSE") + "; the table ranks the methods by held-out site-average MAE";
        double f = DomainShift.GapClosed(rows);
        if (double.IsNaN(f)) return "gap fraction unavailable (needs AE, pipeline and oracle rows on the hidden truth)";
        return $"On real test images the CycleGAN pipeline closes {f:P0} of the gap between the sim-trained AE and the oracle. " +
            "The oracle (the sim U-Net fine-tuned on real-domain truth, with the same post-processing) bounds every regression method here; retrieval, which returns stored maps verbatim, may go below it.";
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
                .OrderBy(r => r.Suspect is null ? 0 : 1).ThenBy(r => r.Value).Select(r => r.Method).Distinct().ToList();
            double F(string m, int c) => V(m, "site-average MAE", Evaluator.HeldOutFolder(c));
            return Views.WithoutEmptyColumns(Tables.FromRecords(ranked.Select(m => new HeldOutRow(m, Note(m),
                V(m, "site-average MAE", Evaluator.HeldOutSplit), F(m, 1), F(m, 2), F(m, 3), F(m, 4), V(m, "RMSE", Evaluator.SimValSplit)))));
        }
        var methods = rows.Where(r => r.Metric == "RMSE" && r.Split == test).Select(r => r.Method).Distinct().ToList();
        return Views.WithoutEmptyColumns(Tables.FromRecords(methods.Select(m => new MethodRow(m, Note(m), V(m, "RMSE", test), V(m, "RMSE plateau pixels", test), V(m, "RMSE hole pixels", test),
            V(m, "RMSE", "real test Case_1 (hidden truth)"), V(m, "RMSE", "real test Case_2 (hidden truth)"), V(m, "RMSE", "real test Case_3 (hidden truth)"), V(m, "RMSE", "real test Case_4 (hidden truth)"),
            V(m, "per-image RMSE median", test), V(m, "per-image RMSE p90", test), V(m, "RMSE", "real train (hidden truth)"), V(m, "site-average MAE", Evaluator.HeldOutSplit)))));
    }

    /// <summary>One method's row of <see cref="MethodTable"/> on a root without hidden truth: site-average MAE on
    /// the held-out sites (all, and per Depth folder) and RMSE on simulated validation images (0-255 scale).</summary>
    public sealed record HeldOutRow(string Method, string Note, double SiteMaeHeldOut, double Depth110, double Depth120, double Depth130,
        double Depth140, double SimValRmse);

    /// <summary>One method's row of <see cref="MethodTable"/> (RMSE on the 0-255 scale; site MAE likewise).</summary>
    public sealed record MethodRow(string Method, string Note, double TestRmse, double Plateau, double Hole, double Case1, double Case2, double Case3, double Case4,
        double MedianImage, double P90Image, double TrainRmse, double SiteMaeHeldOut);

    /// <summary>
    /// Without hidden truth: the <paramref name="n"/> held-out train sites whose mean predicted depth (each map
    /// padded with its plateau, as the CSV is defined) misses average_depth.csv most, a row each with
    /// up to three of the site's images and their predictions.
    /// </summary>
    public static ImageGrid WorstSites(IDepthPredictor p, SemData d, int n = 5)
    {
        var heldSites = Splits.HeldOutSites(d.Set);
        var held = Evaluator.TrainSample(d).Where(i => heldSites.Contains(d.Set.Train[i].SiteKey)).ToList(); // the tables' held-out images
        var pred = p.Predict(d.Train, held);
        var sites = SiteAverages.Of(d.Set, held, pred)
            .OrderByDescending(s => Math.Abs(s.Predicted - s.Csv)).Take(n).ToList();
        var grid = new ImageGrid { Title = $"{p.Name}: the {sites.Count} held-out sites whose mean predicted depth misses average_depth.csv " +
            "most (no hidden truth); each row: folder and site, its CSV value vs the mean predicted, then its images" };
        foreach (var s in sites)
        {
            var tiles = new List<Tile>();
            foreach (int k in s.Positions.Take(3))
            {
                bool first = tiles.Count == 0;
                string site = s.Site[(s.Site.LastIndexOf("site_", StringComparison.Ordinal) is int at and >= 0 ? at : 0)..];
                tiles.Add(new Tile(first ? $"{Cases.DepthFolder(s.Case)} {site}" : "SEM", d.Train.ToArray(held[k]), ImageKind.Sem));
                tiles.Add(new Tile(first ? $"CSV {s.Csv:F1} vs {s.Predicted:F1}" : "prediction", pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels).ToArray(), ImageKind.Depth));
            }
            grid.Row([.. tiles]);
        }
        return grid;
    }

    /// <summary>The <paramref name="n"/> real test images a method gets most wrong: SEM | prediction | truth | error
    /// (without hidden truth: <see cref="WorstSites"/>).</summary>
    public static ImageGrid WorstImages(IDepthPredictor p, SemData d, int n = 5)
    {
        if (d.TestTruth is not { } truth) return WorstSites(p, d, n);
        var idx = Evaluator.TestSample(d);
        var split = Metrics.Split(p.Predict(d.Test, idx), Batches.Gather(truth, idx), idx.Select(q => d.TestCases![q]).ToList(), n);
        string of = idx.Count < d.Test.Count ? $" of a sample of {idx.Count:N0}" : "";
        return Views.PredictionGrid($"{p.Name}: the {split.Worst.Length} worst real test images{of} (per-image RMSE {split.PerImage[split.Worst[0]]:F1} to {split.PerImage[split.Worst[^1]]:F1}; the median image {split.MedianImage:F1})",
            p, d.Test, truth, split.Worst.Select(k => idx[k]).ToList());
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
            for (int i = 0; i < m.Length; i += 7) list.Add(m[i]); // every 7th pixel keeps the chart light
        }
        return Charts.Histograms("predicted depth values by predicted case (nearest plateau)", "predicted depth (0-255)",
            byCase.OrderBy(kv => kv.Key).Select(kv => ($"case {kv.Key} (plateau {Cases.Plateau(kv.Key)})", (IEnumerable<double>)kv.Value)), 64);
    }
}

/// <summary>Hole measurements of predictions against the hidden truth, and the 3D view of one hole.</summary>
public static class MeasurementViews
{
    /// <summary>For each saved method (<paramref name="chosen"/> reused, the others loaded): mean absolute error of
    /// each <see cref="HoleMeasurements"/> figure of its predictions against the same figure of the hidden truth, on
    /// an even sample of at most <paramref name="maxImages"/> test images (the case of both from the nearest plateau).
    /// Without hidden truth, the line that says so.</summary>
    public static object Errors(SemData d, SavedMethod chosen, int maxImages = 1000)
    {
        if (d.TestTruth is not { } truth) return Evaluator.NoTruth("a measurement's error against the truth");
        var idx = Batches.EvenSample(Evaluator.TestSample(d), maxImages).ToList();
        var tm = idx.Select(q => HoleMeasurements.Of(truth[q])).ToList();
        var methods = SavedMethods.Available().Select(k => k == chosen.Key ? chosen.Predictor : SavedMethods.Load(k, d).Predictor).ToList();
        var rows = methods.Select(p =>
        {
            var pred = p.Predict(d.Test, idx);
            var pm = Enumerable.Range(0, idx.Count).Select(k => HoleMeasurements.Of(pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels))).ToList();
            double Mae(Func<HoleMeasurements, double> f) => Enumerable.Range(0, idx.Count).Average(k => Math.Abs(f(pm[k]) - f(tm[k])));
            return new MeasurementError(p.Name, idx.Count, Mae(m => m.HoleDepth), Mae(m => m.DiameterHalfDepth), Mae(m => m.MeanDepth),
                Mae(m => m.TopWidthX), Mae(m => m.BottomWidthX), Mae(m => m.Plateau),
                Enumerable.Range(0, idx.Count).Count(k => pm[k].Case == tm[k].Case) / (double)idx.Count);
        }).ToList();
        return Tables.FromRecords(rows);
    }

    /// <summary>One row of <see cref="Errors"/>: mean absolute errors (levels or pixels) and the share of right cases.</summary>
    public sealed record MeasurementError(string Method, int Images, double HoleDepth, double DiameterPx, double MeanDepth,
        double TopWidthXPx, double BottomWidthXPx, double Plateau, double CaseRight);

    /// <summary>Test image <paramref name="q"/> in 3D: the hidden truth (when present) and the prediction.</summary>
    public static HoleView Hole(SemData d, IDepthPredictor p, int q)
    {
        var maps = new List<(string, byte[])>();
        if (d.TestTruth is { } truth) maps.Add(("truth", truth.ToArray(q)));
        maps.Add(("prediction", p.Predict(d.Test, [q])));
        return new HoleView($"test image {d.Set.Test[q].Name}: {p.Name}", maps);
    }
}
