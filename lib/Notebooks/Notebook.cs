using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Pictures;
using SemDepth.Synthetic;
using SemDepth.Torch;
using SemDepth.Workspace;
using TorchSharp;
using XPlot.Plotly;
using static TorchSharp.torch;

namespace SemDepth.Notebooks;

/// <summary>What <see cref="Notebook.Setup"/> did: shown as the first output of every notebook.</summary>
public sealed record WorkspaceInfo(
    string Root,
    string DataRoot,
    string Device,
    string Natives,
    int Seed,
    bool SyntheticTruth
)
{
    /// <summary>The allocator settings (<see cref="NativeHeap"/>).</summary>
    public string Heap { get; init; } = NativeHeap.Status;

    /// <summary>Which BLAS retrieval's search products use (<see cref="OpenBlas"/>).</summary>
    public string Blas { get; init; } = OpenBlas.Status;

    /// <summary>What the oneDNN probe found and switched (<see cref="OneDnn"/>).</summary>
    public string OneDnnStatus { get; init; } = OneDnn.Status;

    /// <summary>NNPACK's availability, said once (<see cref="TorchNatives.Nnpack"/>).</summary>
    public string Nnpack { get; init; } = TorchNatives.Nnpack;

    /// <summary>The font charts and grids are drawn with, or what is missing (<see cref="ChartPng.FontStatus"/>).
    /// </summary>
    public string Font { get; init; } = ChartPng.FontStatus;

    /// <summary>The one-line verdict of the layer checks (<see cref="Diagnostics.Doctor.Verdict"/>).</summary>
    public string Checks { get; init; } = Diagnostics.Doctor.Verdict();

    /// <summary>The sizes this run keeps to (<see cref="Workspace.RunCaps"/>), one line each.</summary>
    public IReadOnlyList<string> Caps { get; init; } =
        Workspace.RunCaps.Current is { Any: true } c ? c.Lines : ["none: the published sizes"];

    public override string ToString() =>
        $"workspace {Root}\ndata      "
        + $"{DataRoot}{(SyntheticTruth ? " (synthetic, hidden truth present)" : "")}\ndevice    {Device}\n"
        + $"natives   {Natives}\nfont      {Font}\nheap      {Heap}\nblas      {Blas}\n"
        + $"onednn    {OneDnnStatus}\nnnpack    {Nnpack}\n"
        + $"checks    {Checks}\nseed      {Seed}\ncaps      {string.Join("\n          ", Caps)}";
}

/// <summary>
/// The one setup every notebook runs (notebooks/setup.csx calls it after loading the library):
/// loads TorchSharp's natives, picks the device, seeds, resolves (and if needed generates) the data
/// root, and registers the display formatters (charts, tables, images, tensors).
/// </summary>
public static class Notebook
{
    static bool _formatters;

    public static WorkspaceInfo Setup(int seed = 41, string? dataRoot = null)
    {
        TorchNatives.EnsureLoaded();
        var device = Torch.TorchDevice.Current;
        Torch.TorchDevice.Seed(seed);
        RegisterFormatters();
        if (Workspace.Settings.Current is { InteractiveCharts: true, Headless: false })
            CellDisplay.Show(UseInteractiveCharts(), "text/html");
        string root = DataRoot.Resolve(dataRoot, log: new LiveProgress("data"));
        return new WorkspaceInfo(
            Workspace.Paths.Root,
            root,
            device.ToString(),
            TorchNatives.Status,
            seed,
            Directory.Exists(Path.Combine(root, DaconNames.Truth))
        );
    }

    /// <summary>Width in pixels of every chart and image grid picture (fits a notebook column at 100%).</summary>
    public const int PictureWidth = PictureSize.Width;

    /// <summary>
    /// Display formatters. Charts (XPlot PlotlyChart, drawn by <see cref="ChartPng"/>), image grids and
    /// image-shaped tensors are <c>image/png</c> outputs with a <c>text/plain</c> caption and nothing else,
    /// so they show in VS Code, JupyterLab, nbconvert, nbviewer and GitHub with no network and no script.
    /// DataFrames are HTML tables. <see cref="UseInteractiveCharts"/> switches charts to plotly.js.
    /// </summary>
    public static void RegisterFormatters()
    {
        if (_formatters)
            return;
        _formatters = true;
        Formatter.Register<PlotlyChart>(
            (chart, writer) => writer.Write(Convert.ToBase64String(ChartPng.Render(chart))),
            "image/png"
        );
        Formatter.Register<PlotlyChart>((chart, writer) => writer.Write(ChartText(chart)), "text/plain");
        Formatter.Register<PlotlyChart>((chart, writer) => writer.Write(InteractiveHtml(chart)), "text/html");
        Formatter.Register<ImageGrid>((g, writer) => writer.Write(Convert.ToBase64String(g.ToPng())), "image/png");
        Formatter.Register<ImageGrid>((g, writer) => writer.Write(g.ToString()), "text/plain");
        // tensors as text (shape, type, values); Notebook.TensorGrid(t) draws an image-shaped one as a picture grid
        Formatter.Register<Tensor>((t, writer) => writer.Write(TensorText(t)), "text/plain");
        Formatter.Register<Html>((h, writer) => writer.Write(h.Value), "text/html");
        Formatter.Register<Findings>((f, writer) => writer.Write(f.ToHtml()), "text/html");
        Formatter.Register<Findings>((f, writer) => writer.Write(f.ToString()), "text/plain");
        Formatter.Register<DataFrame>((df, writer) => writer.Write(Tables.ToHtml(df)), "text/html");
        Formatter.SetPreferredMimeTypesFor(typeof(ImageGrid), "image/png", "text/plain");
        Formatter.Register<HoleView>((v, writer) => writer.Write(Convert.ToBase64String(v.ToPng())), "image/png");
        Formatter.Register<HoleView>((v, writer) => writer.Write(v.ToString()), "text/plain");
        Formatter.Register<HoleView>((v, writer) => writer.Write(v.ToInteractiveHtml()), "text/html");
        Formatter.Register<PredictionResult>((r, writer) => writer.Write(r.ToString()), "text/plain");
        Formatter.SetPreferredMimeTypesFor(typeof(PredictionResult), "text/plain");
        // the setup summary as the lines it is (the default HTML tree view showed its newlines as "\n")
        Formatter.Register<WorkspaceInfo>((w, writer) => writer.Write(w.ToString()), "text/plain");
        Formatter.SetPreferredMimeTypesFor(typeof(WorkspaceInfo), "text/plain");
        // modes by the names their JSON and the console use ("unet", not UNet)
        foreach (var mode in ModeNames.ModeTypes())
        {
            Formatter.Register(mode, (m, writer) => writer.Write(ModeNames.Of((Enum)m)), "text/plain");
            Formatter.Register(
                mode,
                (m, writer) => writer.Write(System.Net.WebUtility.HtmlEncode(ModeNames.Of((Enum)m))),
                "text/html"
            );
        }
        SetChartMimeTypes();
    }

    static bool _interactive;

    /// <summary>Whether charts display as interactive plotly.js (live VS Code sessions) instead of PNG.
    /// Set with <see cref="UseInteractiveCharts"/>; the headless runner never uses it.</summary>
    public static bool InteractiveCharts => _interactive;

    /// <summary>
    /// Switches charts to interactive plotly.js for this kernel and returns the output that loads
    /// plotly.js into the notebook view (display it once, like Python's init_notebook_mode). The
    /// script comes from the package the workspace restores (<see cref="PlotlyJs"/>), never from a CDN. Ignored
    /// (charts stay PNG) when the notebook runs headless (SEMDEPTH_HEADLESS=1). The environment variable
    /// SEMDEPTH_CHARTS=interactive makes <see cref="Setup"/> call it.
    /// </summary>
    public static Html UseInteractiveCharts()
    {
        RegisterFormatters();
        if (Workspace.Settings.Current.Headless)
            return new Html("<div>headless run: charts stay static PNG pictures</div>");
        _interactive = true;
        SetChartMimeTypes();
        return new Html(
            $"<script type=\"text/javascript\">{PlotlyJs.Source}</script><div>plotly.js "
                + $"{PlotlyJs.Version} loaded from the workspace's packages: charts are interactive in this "
                + $"session (Notebook.UseStaticCharts() to go back).</div>"
        );
    }

    /// <summary>Charts back to PNG pictures (the default).</summary>
    public static void UseStaticCharts()
    {
        _interactive = false;
        SetChartMimeTypes();
    }

    static void SetChartMimeTypes()
    {
        Formatter.SetPreferredMimeTypesFor(
            typeof(PlotlyChart),
            _interactive ? ["text/html"] : ["image/png", "text/plain"]
        );
        Formatter.SetPreferredMimeTypesFor(
            typeof(HoleView),
            _interactive ? ["text/html"] : ["image/png", "text/plain"]
        );
    }

    static string InteractiveHtml(PlotlyChart chart)
    {
        var (data, layout) = ChartPng.Spec(chart);
        string id = "semdepth-" + Guid.NewGuid().ToString("N");
        return $"<div id=\"{id}\" style=\"width:{chart.Width}px;height:{chart.Height}px\"></div><script "
            + $"type=\"text/javascript\">"
            + $"(function(){{var el=document.getElementById('{id}');if(typeof "
            + $"Plotly==='undefined'){{el.textContent='plotly.js is not loaded in this view: run "
            + $"Notebook.UseInteractiveCharts() and display its result';return;}}"
            + $"Plotly.newPlot(el,{PlotlyJs.TitlesAsObjects(data).ToJsonString()},"
            + $"{PlotlyJs.TitlesAsObjects(layout).ToJsonString()});}})();</script>";
    }

    /// <summary>A tensor's shape, type, device and values, the first and last ten of a long one. Our own text:
    /// TorchSharp's <c>ToString</c> makes Scalars it does not keep alive (ScalarLifetimeTests).</summary>
    public static string TensorText(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        var values = t.detach().cpu().to(ScalarType.Float64).contiguous().data<double>().ToArray();
        string F(double v) => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
        var shown =
            values.Length <= 20
                ? values.Select(F)
                : values.Take(10).Select(F).Append("...").Concat(values.TakeLast(10).Select(F));
        return $"tensor ({string.Join(", ", t.shape)}) {t.dtype} on {t.device}: [{string.Join(", ", shown)}]";
    }

    /// <summary>text/plain caption of a chart: its title and traces.</summary>
    public static string ChartText(PlotlyChart chart)
    {
        var (data, layout) = ChartPng.Spec(chart);
        string title = layout["title"] is System.Text.Json.Nodes.JsonValue v
            ? v.ToString()
            : layout["title"]?["text"]?.ToString() ?? "chart";
        var traces = data.Select(t => $"{t?["type"] ?? "scatter"} '{t?["name"] ?? ""}'");
        return $"{title} ({string.Join(", ", traces)})";
    }

    /// <summary>A tensor shaped like images ((72,48), (1,72,48), (N,1,72,48)) as a picture grid; null for
    /// others.</summary>
    public static ImageGrid? TensorGrid(Tensor t)
    {
        long[] s = t.shape;
        bool image = s.Length >= 2 && s[^2] == Geometry.Height && s[^1] == Geometry.Width;
        if (!image)
            return null;
        using var scope = torch.NewDisposeScope();
        var imgs = t.detach().cpu().to(ScalarType.Float32).reshape(-1, Geometry.Pixels);
        int n = (int)Math.Min(imgs.shape[0], 32);
        var lo = imgs.min().item<float>();
        var hi = imgs.max().item<float>();
        // values in [0,1] or [-1,1] map to 0..255; anything else is stretched to its range
        (float a, float b) =
            lo >= 0 && hi <= 1 ? (0f, 1f)
            : lo >= -1 && hi <= 1 ? (-1f, 1f)
            : (lo, Math.Max(hi, lo + 1e-6f));
        using Scalar sa = a,
            sRange = b - a,
            s255 = 255,
            s0 = 0; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        var bytes = ((imgs[..n] - sa) / sRange * s255)
            .round()
            .clamp(s0, s255)
            .to(ScalarType.Byte)
            .contiguous()
            .data<byte>()
            .ToArray();
        var grid = new ImageGrid
        {
            Title = $"tensor {string.Join('x', s)} {t.dtype} on {t.device} (range {lo:G4}..{hi:G4})",
        };
        var row = new List<Tile>();
        for (int i = 0; i < n; i++)
        {
            row.Add(new Tile($"#{i}", bytes[(i * Geometry.Pixels)..((i + 1) * Geometry.Pixels)], ImageKind.Sem));
            if (row.Count == 8)
            {
                grid.Row([.. row]);
                row.Clear();
            }
        }
        if (row.Count > 0)
            grid.Row([.. row]);
        return grid;
    }
}

/// <summary>Run-size knobs the headless runner sets (tests use tiny runs); notebooks read them here.</summary>
public static class RunSize
{
    /// <summary>Epochs for a training cell: SEMDEPTH_EPOCHS when set, else <paramref name="defaultEpochs"/>.</summary>
    public static int Epochs(int defaultEpochs) => Workspace.Settings.Current.Epochs ?? defaultEpochs;
}
