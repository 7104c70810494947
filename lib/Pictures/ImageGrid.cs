using SemDepth.Images;
using SkiaSharp;

namespace SemDepth.Pictures;

/// <summary>How an image is coloured: SEM in grey, depth (and errors) through a colour map.</summary>
public enum ImageKind
{
    Sem,
    Depth,
    Error,
}

/// <summary>One labelled 72x48 image.</summary>
public sealed record Tile(string Label, byte[] Pixels, ImageKind Kind);

/// <summary>
/// A grid of labelled images drawn as one PNG picture: the title, a label above every tile, and a
/// labelled colour bar for each colour map in use (depth 0-255, |error|). Everything a reader needs is
/// inside the picture, so the grid shows the same in every viewer (it is displayed as image/png only).
/// </summary>
public sealed class ImageGrid
{
    public string Title { get; init; } = "";
    public List<List<Tile>> Rows { get; } = [];

    /// <summary>Pixels per image pixel; 0 (default) picks the largest of 3..6 that keeps the grid near
    /// <see cref="PictureSize.Width"/>.</summary>
    public int Scale { get; init; }

    public ImageGrid Row(params Tile[] tiles)
    {
        Rows.Add([.. tiles]);
        return this;
    }

    /// <summary>ScottPlot's viridis, looked up once for each of the 256 levels.</summary>
    static readonly (byte R, byte G, byte B)[] ViridisLevels = Levels(new ScottPlot.Colormaps.Viridis());

    static (byte R, byte G, byte B)[] Levels(ScottPlot.IColormap map) =>
        [.. Enumerable.Range(0, 256).Select(v => map.GetColor(v / 255.0)).Select(c => (c.R, c.G, c.B))];

    /// <summary>The viridis colour map (dark blue = deep/small, yellow = high/plateau), as ScottPlot ships
    /// it.</summary>
    public static (byte R, byte G, byte B) Viridis(byte v) => ViridisLevels[v];

    /// <summary>Error maps: |error| 0 white to 64+ red.</summary>
    public static (byte R, byte G, byte B) Heat(byte v)
    {
        byte g = (byte)Math.Max(0, 255 - v * 4);
        return (255, g, g);
    }

    static SKColor Colour(ImageKind kind, byte v)
    {
        var (r, g, b) = kind switch
        {
            ImageKind.Depth => Viridis(v),
            ImageKind.Error => Heat(v),
            _ => (v, v, v),
        };
        return new SKColor(r, g, b);
    }

    const int Gap = 8,
        LabelH = 18,
        TitleH = 26,
        BarW = 16,
        BarBlock = 86,
        Margin = 8;

    /// <summary>The grid as PNG bytes.</summary>
    public byte[] ToPng()
    {
        SkiaNatives.EnsureLoaded();
        int cols = Rows.Count == 0 ? 1 : Math.Max(1, Rows.Max(r => r.Count));
        var kinds = Rows.SelectMany(r => r)
            .Select(t => t.Kind)
            .Distinct()
            .Where(k => k != ImageKind.Sem)
            .Order()
            .ToList();
        int bars = kinds.Count * BarBlock;
        int scale =
            Scale > 0
                ? Scale
                : Math.Clamp((PictureSize.Width - bars - 2 * Margin) / (cols * (Geometry.Width + 3)), 3, 6);
        int tw = Geometry.Width * scale,
            th = Geometry.Height * scale;
        int gridW = cols * tw + (cols - 1) * Gap;
        int width = Math.Max(PictureSize.Width, 2 * Margin + gridW + bars);
        using var bold = new SKFont(ScottPlot.Fonts.GetTypeface(ChartPng.FontName, true, false), 15);
        var titleLines =
            Title.Length == 0
                ? []
                : Wrap(Title, Math.Max(PictureSize.Width, 2 * Margin + gridW + bars) - 2 * Margin, bold);
        int top = Margin + titleLines.Count * TitleH;
        int height = Math.Max(top + Rows.Count * (LabelH + th + Gap) + Margin + (kinds.Count > 0 ? 14 : 0), top + 200);

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = new SKColor(30, 30, 30), IsAntialias = true };
        using var regular = new SKFont(ScottPlot.Fonts.GetTypeface(ChartPng.FontName, false, false), 12);
        for (int l = 0; l < titleLines.Count; l++)
            canvas.DrawText(titleLines[l], Margin, Margin + 16 + l * TitleH, SKTextAlign.Left, bold, text);

        DrawTiles(canvas, top, (tw, th), regular, text);
        // one labelled colour bar per colour map, top to bottom = high to low
        float bx = width - Margin - bars + 10;
        foreach (var kind in kinds)
        {
            DrawColourBar(canvas, kind, bx, (top + LabelH + 12, height), regular, text);
            bx += BarBlock;
        }

        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>Every tile: its label, then its pixels in its colour map, scaled up without smoothing.</summary>
    void DrawTiles(SKCanvas canvas, int top, (int W, int H) tile, SKFont regular, SKPaint text)
    {
        var (tw, th) = tile;
        var nearest = new SKSamplingOptions(SKFilterMode.Nearest);
        for (int r = 0; r < Rows.Count; r++)
        for (int c = 0; c < Rows[r].Count; c++)
        {
            var t = Rows[r][c];
            float ox = Margin + c * (tw + Gap),
                oy = top + r * (LabelH + th + Gap);
            canvas.DrawText(Fit(t.Label, tw, regular), ox, oy + 13, SKTextAlign.Left, regular, text);
            using var bmp = new SKBitmap(Geometry.Width, Geometry.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            for (int y = 0; y < Geometry.Height; y++)
            for (int x = 0; x < Geometry.Width; x++)
                bmp.SetPixel(x, y, Colour(t.Kind, t.Pixels[y * Geometry.Width + x]));
            using var img = SKImage.FromBitmap(bmp);
            canvas.DrawImage(img, new SKRect(ox, oy + LabelH, ox + tw, oy + LabelH + th), nearest, null);
        }
    }

    /// <summary>One colour map's labelled bar from <paramref name="span"/>'s top (and the picture's height).</summary>
    static void DrawColourBar(
        SKCanvas canvas,
        ImageKind kind,
        float bx,
        (float Top, int Height) span,
        SKFont regular,
        SKPaint text
    )
    {
        int height = span.Height;
        float y0 = span.Top,
            y1 = Math.Max(y0 + 120, height - Margin - 18);
        var (name, max, ticks) =
            kind == ImageKind.Depth
                ? ("depth", 255, new[] { 0, 50, 100, 150, 200, 255 })
                : ("|error|", 64, new[] { 0, 16, 32, 48, 64 });
        canvas.DrawText(name, bx - 4, y0 - 12, SKTextAlign.Left, regular, text);
        for (int y = (int)y0; y < (int)y1; y++)
        {
            double v = max * (1 - (y - y0) / (y1 - y0 - 1));
            using var p = new SKPaint { Color = Colour(kind, (byte)Math.Clamp(Math.Round(v), 0, 255)) };
            canvas.DrawRect(bx, y, BarW, 1, p);
        }
        using var frame = new SKPaint
        {
            Color = new SKColor(90, 90, 90),
            Style = SKPaintStyle.Stroke,
            StrokeWidth = 1,
        };
        canvas.DrawRect(bx, y0, BarW, y1 - y0, frame);
        foreach (int t in ticks)
        {
            float y = y0 + (float)((1 - t / (double)max) * (y1 - y0 - 1));
            canvas.DrawLine(bx + BarW, y, bx + BarW + 4, y, frame);
            canvas.DrawText(
                kind == ImageKind.Error && t == max ? $"{t}+" : t.ToString(),
                bx + BarW + 6,
                y + 4,
                SKTextAlign.Left,
                regular,
                text
            );
        }
        if (kind == ImageKind.Depth)
            canvas.DrawText("deeper", bx - 4, y1 + 16, SKTextAlign.Left, regular, text);
    }

    /// <summary>The title in at most two lines of <paramref name="width"/> pixels (broken between words; the
    /// second cut with an ellipsis if still too long).</summary>
    static List<string> Wrap(string s, float width, SKFont font)
    {
        if (font.MeasureText(s) <= width)
            return [s];
        var words = s.Split(' ');
        string first = "";
        int k = 0;
        for (; k < words.Length; k++)
        {
            string next = first.Length == 0 ? words[k] : first + " " + words[k];
            if (font.MeasureText(next) > width && first.Length > 0)
                break;
            first = next;
        }
        return [Fit(first, width, font), Fit(string.Join(' ', words[k..]), width, font)];
    }

    /// <summary>Text that fits <paramref name="width"/> pixels, cut with an ellipsis.</summary>
    static string Fit(string s, float width, SKFont font)
    {
        if (font.MeasureText(s) <= width)
            return s;
        while (s.Length > 1 && font.MeasureText(s + "…") > width)
            s = s[..^1];
        return s + "…";
    }

    /// <summary>text/plain beside the picture: the title and each row's labels.</summary>
    public override string ToString() =>
        string.Join(
            '\n',
            new[] { Title }
                .Concat(Rows.Select((r, i) => $"row {i + 1}: {string.Join(" | ", r.Select(t => t.Label))}"))
                .Where(s => s.Length > 0)
        );
}
