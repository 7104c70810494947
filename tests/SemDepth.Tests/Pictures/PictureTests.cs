using System.Text.Json.Nodes;
using SemDepth.Notebooks;
using SemDepth.Pictures;
using SkiaSharp;
using Xunit;

namespace SemDepth.Tests;

/// <summary>Charts drawn as PNG from XPlot's own JSON, image grids with their labels and colour bars.</summary>
public class PictureTests
{
    static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidOperationException("not a PNG");

    /// <summary>Pixels that differ between two same-size pictures in rows [y0, y1).</summary>
    static int Differ(SKBitmap a, SKBitmap b, int y0, int y1)
    {
        Assert.Equal(a.Width, b.Width);
        int n = 0;
        for (int y = y0; y < Math.Min(y1, a.Height); y++)
        for (int x = 0; x < a.Width; x++)
            if (a.GetPixel(x, y) != b.GetPixel(x, y))
                n++;
        return n;
    }

    [Fact]
    public void TheChartFontIsInstalled()
    {
        SkiaNatives.EnsureLoaded();
        string font = ChartPng.FontName;
        Assert.Equal(
            font,
            ScottPlot.Fonts.GetTypeface(font, false, false).FamilyName,
            StringComparer.OrdinalIgnoreCase
        );
    }

    [Fact]
    public void ChartsAreReadFromXPlotsJsonAndTitlesAreDrawn()
    {
        var rnd = new Random(3);
        var a = Enumerable.Range(0, 300).Select(_ => 100 + rnd.NextDouble() * 20).ToArray();
        var b = Enumerable.Range(0, 200).Select(_ => 110 + rnd.NextDouble() * 20).Append(double.NaN).ToArray();
        var chart = Charts.Histograms("sim vs real", "mean pixel value", [("sim", a), ("real", b)], bins: 25);
        var (data, layout) = ChartPng.Spec(chart);
        Assert.Equal(2, data.Count);
        Assert.Equal("sim vs real", layout["title"]!.GetValue<string>());

        // shared bin edges: every bar of both series has the same width, counts add up to the finite values
        var plot = ChartPng.Build(data, layout);
        var bars = plot.GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().ToList();
        Assert.Equal(2, bars.Count);
        Assert.All(bars, bp => Assert.Equal(25, bp.Bars.Count));
        Assert.Single(bars.SelectMany(bp => bp.Bars).Select(x => Math.Round(x.Size, 9)).Distinct());
        Assert.Equal(300, bars[0].Bars.Sum(x => x.Value));
        Assert.Equal(200, bars[1].Bars.Sum(x => x.Value));

        // text is really drawn: the same chart with another title differs in the title band only
        var png1 = Decode(ChartPng.Render(chart));
        var other = Charts.Histograms("a different title", "mean pixel value", [("sim", a), ("real", b)], bins: 25);
        var png2 = Decode(ChartPng.Render(other));
        Assert.True(png1.Width >= Notebook.PictureWidth);
        Assert.True(Differ(png1, png2, 0, 35) > 200, "title band unchanged: no text drawn?");
        Assert.Equal(0, Differ(png1, png2, 60, png1.Height - 60));
    }

    [Fact]
    public void BarsKeepCategoriesSkipMissingValuesAndUnknownTracesAreNamed()
    {
        var chart = Charts.Bars(
            "RMSE",
            "RMSE",
            ["a", "b", "c"],
            [("test", [1.0, double.NaN, 3.0]), ("val", [2.0, 2.5, 1.5])]
        );
        var (data, layout) = ChartPng.Spec(chart);
        var plot = ChartPng.Build(data, layout);
        var bars = plot.GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().ToList();
        Assert.Equal(2, bars[0].Bars.Count); // the NaN bar is left out, not drawn at 0
        Assert.Equal(3, bars[1].Bars.Count);
        Assert.True(bars[0].Bars[0].Position < bars[1].Bars[0].Position); // grouped side by side within category a
        Assert.InRange(bars[1].Bars[2].Position, 1.5, 2.5); // category c at 2

        // long names: horizontal bars, the first category on top
        var longNames = Charts.Bars(
            "RMSE",
            "RMSE",
            ["CycleGAN pipeline + post-processing", "AE baseline"],
            [("test", [7.7, 15.6])]
        );
        var (ld, ll) = ChartPng.Spec(longNames);
        var hb = ChartPng.Build(ld, ll).GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().Single().Bars;
        Assert.All(hb, b => Assert.Equal(ScottPlot.Orientation.Horizontal, b.Orientation));
        Assert.True(hb[0].Position > hb[1].Position);
        // and the picture widens so the bars keep room beside their names (and the legend, with two series)
        Assert.Equal(0, ChartPng.WidthForCategories(data)); // short names: vertical, no rule
        Assert.Equal(7 * "CycleGAN pipeline + post-processing".Length + 420, ChartPng.WidthForCategories(ld));
        var veryLong = Charts.Bars(
            "RMSE",
            "RMSE",
            [new string('m', 90), "b"],
            [("train", [1.0, 2.0]), ("test", [1.5, 2.5])]
        );
        var (vd, _) = ChartPng.Spec(veryLong);
        Assert.Equal(7 * 90 + 420 + 240, ChartPng.WidthForCategories(vd));
        Assert.Equal(7 * 90 + 420 + 240, Decode(ChartPng.Render(veryLong)).Width);

        data.Add(JsonNode.Parse("""{"type":"heatmap","z":[[1,2],[3,4]]}"""));
        var withHeatmap = ChartPng.Build(data, layout);
        Assert.Contains("heatmap", withHeatmap.Axes.Title.Label.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void InteractiveChartsUsePlotlyJsFromThePackage()
    {
        Assert.True(PlotlyJs.Source.Length > 1_000_000);
        Assert.Contains(PlotlyJs.Version, PlotlyJs.Source[..400], StringComparison.Ordinal);
        var chart = Charts.Lines("curves", "epoch", "loss", [("train", [1.0, 2, 3], [3.0, 2, 1])]);
        Assert.Contains("curves (scatter 'train')", Notebook.ChartText(chart), StringComparison.Ordinal);
        // plotly.js 3 reads titles as objects only: XPlot's text titles are turned into them
        var (_, layout) = ChartPng.Spec(chart);
        PlotlyJs.TitlesAsObjects(layout);
        Assert.Equal("curves", layout["title"]!["text"]!.GetValue<string>());
        Assert.Equal("epoch", layout["xaxis"]!["title"]!["text"]!.GetValue<string>());
        Assert.Equal("loss", layout["yaxis"]!["title"]!["text"]!.GetValue<string>());
    }

    [Fact]
    public void GridsCarryTheirLabelsAndALabelledColourBar()
    {
        var sem = Enumerable.Range(0, 72 * 48).Select(i => (byte)(i % 251)).ToArray();
        var depth = Enumerable.Range(0, 72 * 48).Select(i => (byte)(i / 72 * 5)).ToArray();
        ImageGrid Grid(string label) =>
            new ImageGrid { Title = "t" }.Row(
                new Tile(label, sem, ImageKind.Sem),
                new Tile("depth", depth, ImageKind.Depth)
            );
        var a = Decode(Grid("first label").ToPng());
        var b = Decode(Grid("another one").ToPng());
        Assert.True(a.Width >= Notebook.PictureWidth);
        Assert.True(Differ(a, b, 26, 50) > 50, "tile labels are not drawn");
        // the tile itself: nearest-neighbour scaled SEM pixel (0,0) = 0 and the depth colour map
        var semOnly = Decode(new ImageGrid().Row(new Tile("x", sem, ImageKind.Sem)).ToPng());
        var colours = new HashSet<SKColor>();
        for (int x = semOnly.Width - 80; x < semOnly.Width; x++)
        for (int y = 0; y < semOnly.Height; y++)
            colours.Add(semOnly.GetPixel(x, y));
        Assert.Single(colours); // no colour bar without depth or error tiles
        var (r, g, bl) = ImageGrid.Viridis(0);
        bool found = false;
        for (int y = 0; y < a.Height && !found; y++)
        for (int x = a.Width - 90; x < a.Width && !found; x++)
            found = a.GetPixel(x, y) == new SKColor(r, g, bl);
        Assert.True(found, "depth colour bar bottom colour not found");
        Assert.Equal("t\nrow 1: first label | depth", Grid("first label").ToString());
    }
}
