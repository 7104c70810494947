using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using SemDepth.Data;
using SemDepth.Torch;
using TorchSharp;
using XPlot.Plotly;
using static TorchSharp.torch;

namespace SemDepth.Notebooks;

/// <summary>What <see cref="Notebook.Setup"/> did: shown as the first output of every notebook.</summary>
public sealed record WorkspaceInfo(string Root, string DataRoot, string Device, string Natives, int Seed, bool SyntheticTruth)
{
    public override string ToString() =>
        $"workspace {Root}\ndata      {DataRoot}{(SyntheticTruth ? " (synthetic, hidden truth present)" : "")}\ndevice    {Device}\nnatives   {Natives}\nseed      {Seed}";
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
        string root = Workspace.Paths.DataRoot(dataRoot, log: new LiveProgress("data"));
        return new WorkspaceInfo(Workspace.Paths.Root, root, device.ToString(), TorchNatives.Status, seed,
            Directory.Exists(Path.Combine(root, DaconNames.Truth)));
    }

    /// <summary>text/html formatters: PlotlyChart as a chart (XPlot has none of its own), DataFrame as a
    /// table, ImageGrid as a picture, image-shaped tensors as pictures.</summary>
    public static void RegisterFormatters()
    {
        if (_formatters) return;
        _formatters = true;
        Formatter.Register<PlotlyChart>((chart, writer) => writer.Write(chart.GetInlineHtml()), "text/html");
        Formatter.Register<Html>((h, writer) => writer.Write(h.Value), "text/html");
        Formatter.Register<ImageGrid>((g, writer) => writer.Write(g.ToHtml()), "text/html");
        Formatter.Register<DataFrame>((df, writer) => writer.Write(Tables.ToHtml(df)), "text/html");
        Formatter.Register<Tensor>((t, writer) => writer.Write(TensorHtml(t)), "text/html");
    }

    /// <summary>A tensor shaped like images ((72,48), (1,72,48), (N,1,72,48)) as a picture grid, others as text.</summary>
    public static string TensorHtml(Tensor t)
    {
        long[] s = t.shape;
        bool image = s.Length >= 2 && s[^2] == Geometry.Height && s[^1] == Geometry.Width;
        if (!image) return $"<pre>{System.Net.WebUtility.HtmlEncode(t.ToString(TorchSharp.TensorStringStyle.Numpy))}</pre>";
        using var scope = torch.NewDisposeScope();
        var imgs = t.detach().cpu().to(ScalarType.Float32).reshape(-1, Geometry.Pixels);
        int n = (int)Math.Min(imgs.shape[0], 32);
        var lo = imgs.min().item<float>(); var hi = imgs.max().item<float>();
        // values in [0,1] or [-1,1] map to 0..255; anything else is stretched to its range
        (float a, float b) = lo >= 0 && hi <= 1 ? (0f, 1f) : lo >= -1 && hi <= 1 ? (-1f, 1f) : (lo, Math.Max(hi, lo + 1e-6f));
        var bytes = ((imgs[..n] - a) / (b - a) * 255).round().clamp(0, 255).to(ScalarType.Byte).contiguous().data<byte>().ToArray();
        var grid = new ImageGrid { Title = $"tensor {string.Join('x', s)} {t.dtype} on {t.device} (range {lo:G4}..{hi:G4})" };
        var row = new List<Tile>();
        for (int i = 0; i < n; i++)
        {
            row.Add(new Tile($"#{i}", bytes[(i * Geometry.Pixels)..((i + 1) * Geometry.Pixels)], ImageKind.Sem));
            if (row.Count == 8) { grid.Row([.. row]); row.Clear(); }
        }
        if (row.Count > 0) grid.Row([.. row]);
        return grid.ToHtml();
    }
}

/// <summary>Run-size knobs the headless runner sets (tests use tiny runs); notebooks read them here.</summary>
public static class RunSize
{
    /// <summary>Epochs for a training cell: SEMDEPTH_EPOCHS when set, else <paramref name="defaultEpochs"/>.</summary>
    public static int Epochs(int defaultEpochs) =>
        int.TryParse(Environment.GetEnvironmentVariable("SEMDEPTH_EPOCHS"), out int e) && e > 0 ? e : defaultEpochs;
}
