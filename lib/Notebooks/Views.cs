using Microsoft.Data.Analysis;
using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Pictures;
using SemDepth.Training;
using XPlot.Plotly;

namespace SemDepth.Notebooks;

/// <summary>The tables, grids and charts the notebooks show; every computation lives here.</summary>
public static class Views
{
    // ---------- notebook 01: the data ----------

    /// <summary>Images per split, case and folder (pairs for simulation, sites for train).</summary>
    public static DataFrame Counts(SemData d) =>
        Tables.FromRecords(
            d.DataSet.Counts()
                .Select(c => new
                {
                    c.Split,
                    c.Case,
                    c.Folder,
                    c.Images,
                    PairsOrSites = c.Groups,
                })
        );

    /// <summary>Per case: simulated SEM itr0 and itr1 with their depth map, <paramref name="perCase"/> holes.</summary>
    public static ImageGrid SimGrid(SemData d, int perCase = 2)
    {
        var g = new ImageGrid { Title = "simulated pairs: SEM itr0 | SEM itr1 | depth map, per case" };
        foreach (int c in Cases.All)
        {
            var tiles = new List<Tile>();
            foreach (var (p, i) in d.DataSet.Sim.Select((p, i) => (p, i)).Where(x => x.p.Case == c).Take(perCase))
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
            g.Row([
                .. d
                    .DataSet.Train.Select((t, i) => (t, i))
                    .Where(x => x.t.Case == c)
                    .Take(perFolder)
                    .Select(x => new Tile(
                        $"Depth_{Cases.DepthFolder(c)}/{x.t.Site}",
                        d.Train.ToArray(x.i),
                        ImageKind.Sem
                    )),
            ]);
        return g;
    }

    /// <summary>The first <paramref name="n"/> test SEM images.</summary>
    public static ImageGrid TestGrid(SemData d, int n = 8) =>
        new ImageGrid { Title = "test SEM (real domain, no depth given)" }.Row([
            .. Enumerable
                .Range(0, Math.Min(n, d.Test.Count))
                .Select(i => new Tile(d.DataSet.Test[i].Name, d.Test.ToArray(i), ImageKind.Sem)),
        ]);

    static IEnumerable<int> SimSemOfCase(SemData d, int c) =>
        d
            .DataSet.Sim.Select((p, i) => (p, i))
            .Where(x => x.p.Case == c)
            .SelectMany(x => new[] { 2 * x.i, 2 * x.i + 1 });

    static IEnumerable<int> TrainOfCase(SemData d, int c) =>
        d.DataSet.Train.Select((t, i) => (t, i)).Where(x => x.t.Case == c).Select(x => x.i);

    static double Mean(ReadOnlySpan<byte> img)
    {
        double s = 0;
        foreach (var v in img)
            s += v;
        return s / img.Length;
    }

    /// <summary>Distribution of the per-image mean of train SEM, per Depth folder.</summary>
    public static PlotlyChart TrainMeanHistogram(SemData d) =>
        Charts.Histograms(
            "real train SEM: per-image mean by Depth folder",
            "mean pixel value",
            Cases.All.Select(c => ($"Depth_{Cases.DepthFolder(c)}", TrainOfCase(d, c).Select(i => Mean(d.Train[i]))))
        );

    /// <summary>Site averages from average_depth.csv, per folder.</summary>
    public static PlotlyChart SiteAverageHistogram(SemData d) =>
        Charts.Histograms(
            "average_depth.csv: site average depth by folder",
            "average depth (0-255)",
            Cases.All.Select(c =>
                (
                    $"Depth_{Cases.DepthFolder(c)}",
                    d.DataSet.AverageDepth.Where(kv =>
                            kv.Key.StartsWith($"depth_{Cases.DepthFolder(c)}_", StringComparison.Ordinal)
                        )
                        .Select(kv => kv.Value)
                )
            )
        );

    /// <summary>Per case: simulated SEM mean vs its depth map's mean.</summary>
    public static PlotlyChart SimSemVsDepthScatter(SemData d, int maxPerCase = 400) =>
        Charts.Scatter(
            "simulated: SEM mean vs depth-map mean",
            "depth-map mean",
            "SEM mean (itr0)",
            Cases.All.Select(c =>
            {
                var idx = d
                    .DataSet.Sim.Select((p, i) => (p, i))
                    .Where(x => x.p.Case == c)
                    .Take(maxPerCase)
                    .Select(x => x.i)
                    .ToList();
                return ($"Case_{c}", idx.Select(i => Mean(d.SimDepth[i])), idx.Select(i => Mean(d.SimSem[2 * i])));
            })
        );

    /// <summary>Per-map mean of simulated depth maps, per case.</summary>
    public static PlotlyChart SimDepthMeanHistogram(SemData d) =>
        Charts.Histograms(
            "simulated depth maps: per-map mean by case",
            "depth-map mean",
            Cases.All.Select(c =>
                (
                    $"Case_{c}",
                    d.DataSet.Sim.Select((p, i) => (p, i)).Where(x => x.p.Case == c).Select(x => Mean(d.SimDepth[x.i]))
                )
            )
        );

    /// <summary>The domain gap: per-image mean of simulated vs real SEM, one chart per case.</summary>
    public static PlotlyChart DomainGapHistogram(SemData d, int c) =>
        Charts.Histograms(
            $"Case_{c} / Depth_{Cases.DepthFolder(c)}: simulated vs real per-image mean",
            "mean pixel value",
            [
                ("sim", SimSemOfCase(d, c).Select(i => Mean(d.SimSem[i]))),
                ("real", TrainOfCase(d, c).Select(i => Mean(d.Train[i]))),
            ]
        );

    /// <summary>Background noise (SD of flat corner patches) per domain.</summary>
    public static PlotlyChart NoiseHistogram(SemData d) =>
        Charts.Histograms(
            "noise level: SD of flat background patches",
            "background SD",
            [
                ("sim", Enumerable.Range(0, d.SimSem.Count).Select(i => ImageStat.BackgroundNoise(d.SimSem[i]))),
                ("real", Enumerable.Range(0, d.Train.Count).Select(i => ImageStat.BackgroundNoise(d.Train[i]))),
            ]
        );

    /// <summary>SEM statistics table per domain and case.</summary>
    public static DataFrame SemStatsTable(SemData d) =>
        Tables.FromRecords(
            DataStatistics
                .Sem(d)
                .Select(s => new
                {
                    s.Domain,
                    s.Case,
                    MeanOfMeans = s.ImageMean.Mean,
                    MeanSd = s.ImageMean.Sd,
                    ImageSd = s.ImageSd.Mean,
                    NoiseSd = s.NoiseSd.Mean,
                    Max = s.Max.Mean,
                })
        );

    /// <summary>Horizontal (row through the centre) or vertical (column through the centre) profiles:
    /// simulated SEM, a real SEM and the simulated depth map, same case.</summary>
    public static PlotlyChart Profile(SemData d, int c, bool horizontal)
    {
        int si = d.DataSet.Sim.Select((p, i) => (p, i)).First(x => x.p.Case == c).i;
        int ti = TrainOfCase(d, c).First();
        int r = Geometry.Height / 2,
            col = Geometry.Width / 2,
            n = horizontal ? Geometry.Width : Geometry.Height;
        IEnumerable<double> Line(ReadOnlySpan<byte> img)
        {
            var o = new double[n];
            for (int k = 0; k < n; k++)
                o[k] = horizontal ? img[r * Geometry.Width + k] : img[k * Geometry.Width + col];
            return o;
        }
        var xs = Enumerable.Range(0, n).Select(v => (double)v).ToArray();
        var series = new List<(string, IEnumerable<double>, IEnumerable<double>)>
        {
            ("sim SEM", xs, Line(d.SimSem[2 * si])),
            ("real SEM", xs, Line(d.Train[ti])),
            ("sim depth", xs, Line(d.SimDepth[si])),
        };
        if (d.TrainTruth is { } tt)
            series.Add(("real depth (hidden truth)", xs, Line(tt[ti])));
        return Charts.Lines(
            $"Case_{c}: {(horizontal ? $"row {r}" : $"column {col}")} profile through the hole",
            horizontal ? "column" : "row",
            "pixel value",
            series
        );
    }

    /// <summary>The plateau-padding check: simulated map mean per case padded with 750/1,100/1,450/1,800
    /// plateau pixels, against the CSV averages of the matching folder.</summary>
    public static DataFrame PaddingCheck(SemData d)
    {
        var depth = DataStatistics.Depth(d).Where(s => s.Source == "Sim").ToDictionary(s => s.Case);
        var csv = DataStatistics.SiteAverages(d.DataSet).ToDictionary(s => s.Case);
        return Tables.FromRecords(
            Cases.All.Select(c => new
            {
                Case = c,
                Folder = $"Depth_{Cases.DepthFolder(c)}",
                Plateau = Cases.Plateau(c),
                Padding = Cases.PlateauPadding(c),
                SimMapMean = depth[c].MapMean.Mean,
                PaddedSimMean = depth[c].PaddedMean,
                CsvMean = csv[c].SiteAverage.Mean,
                Difference = depth[c].PaddedMean - csv[c].SiteAverage.Mean,
            })
        );
    }

    /// <summary>Depth statistics: simulated maps and (synthetic only) the real-domain truth.</summary>
    public static DataFrame DepthStatsTable(SemData d) =>
        Tables.FromRecords(
            DataStatistics
                .Depth(d)
                .Select(s => new
                {
                    s.Source,
                    s.Case,
                    MapMean = s.MapMean.Mean,
                    MapSd = s.MapSd.Mean,
                    MinLow = s.MapMin.Min,
                    MinHigh = s.MapMin.Max,
                    s.PlateauFraction,
                    s.PaddedMean,
                })
        );

    /// <summary>Real-domain truth next to the simulated maps of the same case (synthetic set only).</summary>
    public static ImageGrid TruthGrid(SemData d, int perCase = 3)
    {
        var tt = d.TrainTruth ?? throw new InvalidOperationException("no hidden truth in this data root");
        var g = new ImageGrid
        {
            Title = "hidden truth: real SEM | its depth map, and a simulated depth map of the same case",
        };
        foreach (int c in Cases.All)
        {
            var tiles = new List<Tile>();
            foreach (int i in TrainOfCase(d, c).Take(perCase))
            {
                tiles.Add(new Tile($"Depth_{Cases.DepthFolder(c)} SEM", d.Train.ToArray(i), ImageKind.Sem));
                tiles.Add(new Tile("truth", tt.ToArray(i), ImageKind.Depth));
            }
            int si = d.DataSet.Sim.Select((p, i) => (p, i)).First(x => x.p.Case == c).i;
            tiles.Add(new Tile($"sim depth Case_{c}", d.SimDepth.ToArray(si), ImageKind.Depth));
            g.Row([.. tiles]);
        }
        return g;
    }

    // ---------- notebook 02 and later: models ----------

    /// <summary>Loss curves from an epoch history.</summary>
    public static PlotlyChart LossCurves(IReadOnlyList<EpochMetrics> h) =>
        Charts.Lines(
            "training curves",
            "epoch",
            "value",
            [
                ("train L1 (x255)", h.Select(m => (double)m.Epoch), h.Select(m => m.TrainL1 * 255)),
                ("sim validation RMSE", h.Select(m => (double)m.Epoch), h.Select(m => m.ValRmse)),
            ]
        );

    /// <summary>An evaluation table.</summary>
    /// <remarks>The breakdown of real test error (plateau/hole pixels, per case, per-image quantiles) is left to
    /// <see cref="DomainShiftViews.MethodTable"/>, one row a method.</remarks>
    public static DataFrame EvalTable(IEnumerable<EvalRow> rows) =>
        WithoutEmptyColumns(
            Tables.FromRecords(
                rows.Where(r =>
                        !(
                            r.Metric
                            is "RMSE plateau pixels"
                                or "RMSE hole pixels"
                                or "per-image RMSE median"
                                or "per-image RMSE p90"
                        ) && !r.Split.StartsWith("real test Case_", StringComparison.Ordinal)
                    )
                    .Select(r => new
                    {
                        r.Method,
                        r.Metric,
                        r.Split,
                        r.Value,
                        r.Images,
                        Note = r.Suspect ?? "",
                    })
            )
        );

    /// <summary>Drops the columns with nothing to show: the Note column (suspect methods) when no row has one,
    /// and a number column that is NaN in every row (a figure this data root or notebook cannot measure).</summary>
    internal static DataFrame WithoutEmptyColumns(DataFrame df)
    {
        for (int i = df.Columns.Count - 1; i >= 0; i--)
        {
            var values = df.Columns[i].Cast<object?>().ToList();
            bool empty =
                df.Columns[i].Name == "Note"
                    ? values.All(v => v is null or "")
                    : values.Count > 0 && values.All(v => v is double d && double.IsNaN(d));
            if (empty)
                df.Columns.RemoveAt(i);
        }
        return df;
    }

    /// <summary>Rows of SEM | prediction | truth | |error| for images <paramref name="idx"/>.</summary>
    public static ImageGrid PredictionGrid(
        string title,
        IDepthPredictor p,
        ImageSet sem,
        ImageSet? truth,
        IReadOnlyList<int> idx,
        Func<int, int>? truthIndex = null
    )
    {
        var pred = p.Predict(sem, idx);
        var g = new ImageGrid { Title = title };
        for (int k = 0; k < idx.Count; k++)
        {
            var pk = pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels).ToArray();
            var tiles = new List<Tile>
            {
                new("SEM", sem.ToArray(idx[k]), ImageKind.Sem),
                new("prediction", pk, ImageKind.Depth),
            };
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

    /// <summary>Notebook 02's take-away, written from its evaluation: the AE's error on the simulated validation images
    /// against the real ones, and against the constant mean map.</summary>
    public static Findings TakeAway(IReadOnlyList<EvalRow> rows, string method, string constant)
    {
        double V(string m, string split) =>
            rows.FirstOrDefault(r => r.Method == m && r.Metric == "RMSE" && r.Split == split)?.Value ?? double.NaN;
        double sim = V(method, Evaluator.SimValSplit),
            real = V(method, Evaluator.TestSplit),
            flat = V(constant, Evaluator.TestSplit);
        var s = new List<string>();
        if (double.IsNaN(real))
            s.Add(
                Evaluator.NoTruth("the AE's real test RMSE")
                    + $"; on simulated validation images it reaches RMSE {sim:F2}"
            );
        else
        {
            s.Add(
                $"The AE reaches RMSE {sim:F2} on simulated validation images and {real:F2} on real test images: "
                    + $"{real / sim:F1} times its error in the domain it learnt. The gap between the domains, not the "
                    + "model's capacity, is the problem."
            );
            s.Add(
                real < flat
                    ? $"It beats the constant mean map ({flat:F2}) on the real images."
                    : $"On the real images it does not even beat the constant mean map ({flat:F2})."
            );
        }
        s.Add("Notebook 03 attacks the gap with CycleGAN translation.");
        return new Findings(s);
    }
}
