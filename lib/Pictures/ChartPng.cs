using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ScottPlot;
using PlotlyChart = XPlot.Plotly.PlotlyChart;

namespace SemDepth.Pictures;

/// <summary>
/// Draws an XPlot.Plotly chart as a static PNG with ScottPlot, so that it shows in every viewer
/// (VS Code, JupyterLab, nbconvert HTML, nbviewer, GitHub) with no network and no JavaScript.
/// The chart is read from the JSON that XPlot itself emits (its public <c>GetInlineJS</c>), so any
/// PlotlyChart renders, not only the ones <see cref="Charts"/> builds. Supported traces: histogram
/// (overlay, with shared bin edges; histnorm percent/probability), scatter (markers, lines,
/// lines+markers), bar (grouped, stacked or overlaid, categorical or numeric x). Anything else is
/// named in a note under the title rather than silently dropped.
/// </summary>
public static partial class ChartPng
{
    /// <summary>Plotly's default colour sequence, so static and interactive charts use the same colours.</summary>
    static readonly string[] PaletteHex =
    [
        "#1f77b4",
        "#ff7f0e",
        "#2ca02c",
        "#d62728",
        "#9467bd",
        "#8c564b",
        "#e377c2",
        "#7f7f7f",
        "#bcbd22",
        "#17becf",
    ];

    static readonly Lazy<string> Font = new(() =>
    {
        SkiaNatives.EnsureLoaded();
        foreach (var f in new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "Segoe UI" })
            if (string.Equals(Fonts.GetTypeface(f, false, false)?.FamilyName, f, StringComparison.OrdinalIgnoreCase))
                return f;
        return Fonts.Default;
    });

    /// <summary>The chart font as a setup line: its name, or what is missing and how to install it.</summary>
    public static string FontStatus =>
        FontName is "DejaVu Sans" or "Liberation Sans" or "Noto Sans" or "Arial" or "Helvetica" or "Segoe UI"
            ? FontName
            : "MISSING: no DejaVu Sans, Liberation Sans, Noto Sans or Arial installed, so charts and grids lose every "
                + "title and label (Debian/Ubuntu: sudo apt-get install fonts-dejavu-core)";

    /// <summary>The sans-serif family charts and grids are drawn with (the first installed of DejaVu Sans,
    /// Liberation Sans, Noto Sans, Arial, Helvetica, Segoe UI; else ScottPlot's default).</summary>
    public static string FontName => Font.Value;

    /// <summary>The chart's traces and layout as Plotly JSON (what XPlot would send to plotly.js).</summary>
    public static (JsonArray Data, JsonObject Layout) Spec(PlotlyChart chart)
    {
        string js = chart.GetInlineJS();
        var data = DataRx().Match(js);
        var layout = LayoutRx().Match(js);
        if (!data.Success)
            throw new FormatException("XPlot emitted no 'var data = ...;' line: " + js[..Math.Min(200, js.Length)]);
        return (
            (JsonArray)JsonNode.Parse(data.Groups[1].Value)!,
            layout.Success ? (JsonObject)JsonNode.Parse(layout.Groups[1].Value)! : []
        );
    }

    [GeneratedRegex(@"var data = (.*?);\s*$", RegexOptions.Multiline)]
    private static partial Regex DataRx();

    [GeneratedRegex(@"var layout = (.*?);\s*$", RegexOptions.Multiline)]
    private static partial Regex LayoutRx();

    /// <summary>PNG bytes of <paramref name="chart"/> at its own width and height (at least <paramref name="minWidth"/>
    /// wide).</summary>
    public static byte[] Render(PlotlyChart chart, int minWidth = PictureSize.Width)
    {
        var (data, layout) = Spec(chart);
        int w = Math.Max(Math.Max(minWidth, chart.Width), WidthForCategories(data)),
            h = Math.Max(240, chart.Height);
        return Render(data, layout, w, h);
    }

    /// <summary>Width that leaves horizontal bars a plot area of at least 420 px beside their category names
    /// (about 7 px a character at 12 pt) and the legend; 0 when the chart has no such bars.</summary>
    public static int WidthForCategories(JsonArray data)
    {
        var bars = data.OfType<JsonObject>().Where(t => Str(t["type"]) == "bar").ToList();
        var categories = Categories(bars);
        if (!IsHorizontal(categories))
            return 0;
        int legend = bars.Count > 1 ? 240 : 0;
        return 7 * categories.Max(c => c.Length) + 420 + legend;
    }

    /// <summary>Categorical x of bar traces: one per distinct value, in first-seen order.</summary>
    static List<string> Categories(IEnumerable<JsonObject> bars)
    {
        var categories = new List<string>();
        foreach (var t in bars)
            if (t["x"] is JsonArray xs && xs.Any(v => v is JsonValue jv && jv.TryGetValue(out string? _)))
                foreach (var c in xs.Select(v => v?.ToString() ?? ""))
                    if (!categories.Contains(c))
                        categories.Add(c);
        return categories;
    }

    /// <summary>Long or many category names read best along the left axis: such bar charts are drawn horizontally,
    /// the first category on top (plotly would rotate them under the axis, where long ones get cut).</summary>
    static bool IsHorizontal(List<string> categories) =>
        categories.Count > 0 && (categories.Count > 8 || categories.Max(c => c.Length) > 14);

    /// <summary>PNG bytes of a Plotly data/layout pair.</summary>
    public static byte[] Render(JsonArray data, JsonObject layout, int width, int height)
    {
        SkiaNatives.EnsureLoaded();
        var plot = Build(data, layout);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>The ScottPlot plot for a Plotly data/layout pair (exposed for tests and for callers that
    /// want to restyle before saving).</summary>
    public static Plot Build(JsonArray data, JsonObject layout)
    {
        var plot = new Plot();
        plot.Font.Set(FontName);
        var skipped = new List<string>();
        var traces = data.OfType<JsonObject>().ToList();

        // histograms share bin edges so that overlaid series compare bin for bin (as plotly's overlay does)
        var hists = traces.Where(t => (Str(t["type"]) ?? "scatter") == "histogram").ToList();
        double[]? edges = hists.Count == 0 ? null : HistogramEdges(hists);
        // categorical x for bar traces: one position per distinct category, in first-seen order
        var categories = Categories(traces.Where(t => Str(t["type"]) == "bar"));
        var bl = new BarLayout(
            categories,
            Str(layout["barmode"]) ?? "group",
            traces.Count(t => Str(t["type"]) == "bar"),
            IsHorizontal(categories)
        );
        for (int i = 0; i < traces.Count; i++)
        {
            var t = traces[i];
            string type = Str(t["type"]) ?? "scatter";
            var color = Color.FromHex(
                Str(t["marker"]?["color"]) is { } mc && mc.StartsWith('#') ? mc : PaletteHex[i % PaletteHex.Length]
            );
            string? name = Str(t["name"]);
            switch (type)
            {
                case "histogram":
                    AddHistogram(plot, t, edges!, hists.Count, color, name);
                    break;
                case "scatter":
                    AddScatter(plot, t, color, name);
                    break;
                case "bar":
                    AddBars(plot, t, bl, color, name);
                    break;
                default:
                    skipped.Add(type);
                    break;
            }
        }
        Decorate(plot, layout, traces, hists, bl, skipped);
        return plot;
    }

    /// <summary>How the bar traces of one chart share the axis: categories, mode (group, stack, overlay), how many
    /// and which is next, orientation, and the running stack.</summary>
    sealed class BarLayout(List<string> categories, string mode, int count, bool horizontal)
    {
        public List<string> Categories { get; } = categories;
        public string Mode { get; } = mode;
        public int Count { get; } = count;
        public bool Horizontal { get; } = horizontal;
        public int Index { get; set; }
        public double[]? StackBase { get; set; }

        /// <summary>The axis position of category <paramref name="index"/> (top down when horizontal).</summary>
        public double Slot(int index) => Horizontal ? Categories.Count - 1 - index : index;
    }

    static void AddHistogram(Plot plot, JsonObject t, double[] edges, int histograms, Color color, string? name)
    {
        var x = Numbers(t["x"]).Where(double.IsFinite).ToArray();
        var counts = new double[edges!.Length - 1];
        double bw = edges[1] - edges[0];
        foreach (var v in x)
            counts[Math.Clamp((int)((v - edges[0]) / bw), 0, counts.Length - 1)]++;
        string? norm = Str(t["histnorm"]);
        if (norm is "percent" or "probability" && x.Length > 0)
            for (int k = 0; k < counts.Length; k++)
                counts[k] *= (norm == "percent" ? 100.0 : 1.0) / x.Length;
        double opacity = Num(t["opacity"]) ?? (histograms > 1 ? 0.6 : 1.0);
        var bars = counts
            .Select(
                (c, k) =>
                    new Bar
                    {
                        Position = (edges[k] + edges[k + 1]) / 2,
                        Value = c,
                        Size = bw,
                        FillColor = color.WithAlpha(opacity),
                        LineWidth = 0,
                    }
            )
            .ToList();
        var bp = plot.Add.Bars(bars);
        if (name is not null)
            bp.LegendText = name;
    }

    static void AddScatter(Plot plot, JsonObject t, Color color, string? name)
    {
        var y = Numbers(t["y"]).ToArray();
        var x =
            t["x"] is JsonArray
                ? Numbers(t["x"]).ToArray()
                : Enumerable.Range(0, y.Length).Select(v => (double)v).ToArray();
        var pts = x.Zip(y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToArray();
        string mode = Str(t["mode"]) ?? (pts.Length > 20 ? "lines" : "lines+markers");
        var sc = plot.Add.Scatter(pts.Select(p => p.First).ToArray(), pts.Select(p => p.Second).ToArray(), color);
        sc.LineWidth = mode.Contains("lines") ? 2 : 0;
        double opacity = Num(t["marker"]?["opacity"]) ?? Num(t["opacity"]) ?? 1.0;
        sc.MarkerSize = mode.Contains("markers") ? (float)(Num(t["marker"]?["size"]) ?? 6) : 0;
        sc.MarkerColor = color.WithAlpha(opacity);
        if (name is not null)
            sc.LegendText = name;
    }

    static void AddBars(Plot plot, JsonObject t, BarLayout bl, Color color, string? name)
    {
        var y = Numbers(t["y"]).ToArray();
        double[] pos =
            bl.Categories.Count > 0
                ? (t["x"] as JsonArray ?? []).Select(v => bl.Slot(bl.Categories.IndexOf(v?.ToString() ?? ""))).ToArray()
            : t["x"] is JsonArray ? Numbers(t["x"]).ToArray()
            : Enumerable.Range(0, y.Length).Select(v => (double)v).ToArray();
        double slot = 0.8,
            width = bl.Mode == "group" ? slot / bl.Count : slot;
        double offset = (bl.Mode == "group" ? -slot / 2 + width * (bl.Index + 0.5) : 0) * (bl.Horizontal ? -1 : 1);
        if (bl.Mode == "stack")
            bl.StackBase ??= new double[Math.Max(bl.Categories.Count, y.Length)];
        var orientation = bl.Horizontal ? Orientation.Horizontal : Orientation.Vertical;
        var bars = new List<Bar>();
        for (int k = 0; k < Math.Min(pos.Length, y.Length); k++)
        {
            if (!double.IsFinite(y[k]))
                continue;
            double b =
                bl.Mode == "stack" && pos[k] >= 0 && pos[k] < bl.StackBase!.Length ? bl.StackBase[(int)pos[k]] : 0;
            bars.Add(
                new Bar
                {
                    Position = pos[k] + offset,
                    ValueBase = b,
                    Value = b + y[k],
                    Size = width,
                    FillColor = color.WithAlpha(Num(t["opacity"]) ?? 1.0),
                    LineWidth = 0,
                    Orientation = orientation,
                }
            );
            if (bl.Mode == "stack" && pos[k] >= 0 && pos[k] < bl.StackBase!.Length)
                bl.StackBase[(int)pos[k]] += y[k];
        }
        var bp = plot.Add.Bars(bars);
        if (name is not null && bl.Count > 1)
            bp.LegendText = name;
        bl.Index++;
    }

    /// <summary>Category ticks, margins, integer ticks, titles, axis labels and the legend.</summary>
    static void Decorate(
        Plot plot,
        JsonObject layout,
        List<JsonObject> traces,
        List<JsonObject> hists,
        BarLayout bl,
        List<string> skipped
    )
    {
        if (bl.Categories.Count > 0)
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual(
                Enumerable.Range(0, bl.Categories.Count).Select(k => bl.Slot(k)).ToArray(),
                [.. bl.Categories]
            );
            if (bl.Horizontal)
                plot.Axes.Left.TickGenerator = ticks;
            else
                plot.Axes.Bottom.TickGenerator = ticks;
        }
        if (bl.Horizontal)
            plot.Axes.Margins(left: 0);
        else if (hists.Count > 0 || bl.Count > 0)
            plot.Axes.Margins(bottom: 0);
        // x that is all whole numbers (epochs, rows) gets whole-number ticks
        var scatterX = traces
            .Where(t => (Str(t["type"]) ?? "scatter") == "scatter")
            .SelectMany(t => Numbers(t["x"]))
            .ToList();
        if (scatterX.Count > 0 && scatterX.All(v => !double.IsFinite(v) || v == Math.Round(v)))
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

        string title = Title(layout["title"]) ?? "";
        if (skipped.Count > 0)
            title += $"\n(not drawn in the static picture: {string.Join(", ", skipped.Distinct())} traces)";
        if (title.Length > 0)
            plot.Title(title, 16);
        string? xTitle = Title(layout["xaxis"]?["title"]),
            yTitle = Title(layout["yaxis"]?["title"]);
        if (bl.Horizontal)
            (xTitle, yTitle) = (yTitle, xTitle); // values along x, bl.Categories down the left
        if (xTitle is not null)
            plot.XLabel(xTitle, 14);
        if (yTitle is not null)
            plot.YLabel(yTitle, 14);
        else if (hists.Count > 0)
            plot.YLabel(Str(hists[0]["histnorm"]) is { } hn ? hn : "count", 14);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Left.TickLabelStyle.FontSize = 12;

        int named = plot.GetPlottables().Count(p => p.LegendItems.Any(li => !string.IsNullOrEmpty(li.LabelText)));
        if (named > 1 || (named == 1 && traces.Count > 1))
        {
            plot.ShowLegend(Edge.Right);
            plot.Legend.FontSize = 12;
        }
    }

    /// <summary>Common bin edges for histogram traces: the widest range, the largest nbinsx (default 30).</summary>
    static double[] HistogramEdges(List<JsonObject> hists)
    {
        var all = hists.SelectMany(h => Numbers(h["x"])).Where(double.IsFinite).ToArray();
        int bins = hists.Select(h => (int)(Num(h["nbinsx"]) ?? 30)).Max();
        double lo = all.Length == 0 ? 0 : all.Min(),
            hi = all.Length == 0 ? 1 : all.Max();
        if (hi - lo < 1e-9)
        {
            lo -= 0.5;
            hi += 0.5;
        }
        bins = Math.Max(1, bins);
        return Enumerable.Range(0, bins + 1).Select(k => lo + (hi - lo) * k / bins).ToArray();
    }

    static IEnumerable<double> Numbers(JsonNode? n) =>
        n is JsonArray a
            ? a.Select(v =>
                v is JsonValue jv && jv.TryGetValue(out double d) ? d
                : v is JsonValue s
                && s.TryGetValue(out string? str)
                && double.TryParse(str, System.Globalization.CultureInfo.InvariantCulture, out double p)
                    ? p
                : double.NaN
            )
            : [];

    static double? Num(JsonNode? n) => n is JsonValue v && v.TryGetValue(out double d) ? d : null;

    static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>A plotly title: a string (plotly.js 1-2) or {"text": ...} (plotly.js 2+).</summary>
    static string? Title(JsonNode? n) => Str(n) ?? Str(n?["text"]);
}
