using SemDepth.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace SemDepth.Notebooks;

/// <summary>How an image is coloured: SEM in grey, depth (and errors) through a colour map.</summary>
public enum ImageKind { Sem, Depth, Error }

/// <summary>One labelled 72x48 image.</summary>
public sealed record Tile(string Label, byte[] Pixels, ImageKind Kind);

/// <summary>
/// A grid of labelled images rendered as one PNG picture (rows x columns, 3x upscaled), with a colour
/// scale legend when it holds depth maps. Displays inline in notebooks (text/html formatter).
/// </summary>
public sealed class ImageGrid
{
    public string Title { get; init; } = "";
    public List<List<Tile>> Rows { get; } = [];
    public int Scale { get; init; } = 3;

    public ImageGrid Row(params Tile[] tiles) { Rows.Add([.. tiles]); return this; }

    static readonly byte[] ViridisAnchors = [68, 1, 84, 59, 82, 139, 33, 145, 140, 94, 201, 98, 253, 231, 37];

    /// <summary>Viridis-like colour map (dark blue = deep/small, yellow = high/plateau).</summary>
    public static Rgb24 Viridis(byte v)
    {
        // 5 anchor colours of the viridis map, linearly interpolated
        double t = v / 255.0 * 4; int i = Math.Min(3, (int)t); double f = t - i;
        byte C(int k) => (byte)(ViridisAnchors[i * 3 + k] + (ViridisAnchors[(i + 1) * 3 + k] - ViridisAnchors[i * 3 + k]) * f);
        return new Rgb24(C(0), C(1), C(2));
    }

    /// <summary>Error maps: |error| 0 white to 64+ red.</summary>
    static Rgb24 Heat(byte v) { byte g = (byte)Math.Max(0, 255 - v * 4); return new Rgb24(255, g, g); }

    public byte[] ToPng()
    {
        int cols = Rows.Count == 0 ? 0 : Rows.Max(r => r.Count);
        int tw = Geometry.Width * Scale, th = Geometry.Height * Scale, gap = 4;
        bool legend = Rows.SelectMany(r => r).Any(t => t.Kind == ImageKind.Depth);
        int width = Math.Max(1, cols * (tw + gap) + (legend ? 30 : 0)), height = Math.Max(1, Rows.Count * (th + gap));
        using var img = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        for (int r = 0; r < Rows.Count; r++)
            for (int c = 0; c < Rows[r].Count; c++)
            {
                var tile = Rows[r][c];
                int ox = c * (tw + gap), oy = r * (th + gap);
                for (int y = 0; y < th; y++)
                    for (int x = 0; x < tw; x++)
                    {
                        byte v = tile.Pixels[(y / Scale) * Geometry.Width + x / Scale];
                        img[ox + x, oy + y] = tile.Kind switch { ImageKind.Depth => Viridis(v), ImageKind.Error => Heat(v), _ => new Rgb24(v, v, v) };
                    }
            }
        if (legend)
            for (int y = 0; y < height; y++)
            {
                var col = Viridis((byte)(255 - y * 255 / Math.Max(1, height - 1)));
                for (int x = width - 20; x < width - 4; x++) img[x, y] = col;
            }
        using var ms = new MemoryStream();
        img.Save(ms, new PngEncoder());
        return ms.ToArray();
    }

    public string ToHtml()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("<div>");
        if (Title.Length > 0) sb.Append($"<div style=\"font-weight:bold\">{System.Net.WebUtility.HtmlEncode(Title)}</div>");
        sb.Append($"<img src=\"data:image/png;base64,{Convert.ToBase64String(ToPng())}\"/>");
        int tw = Geometry.Width * Scale + 4;
        foreach (var (row, i) in Rows.Select((r, i) => (r, i)))
            sb.Append($"<div style=\"font-size:11px;font-family:monospace\">row {i + 1}: {System.Net.WebUtility.HtmlEncode(string.Join(" | ", row.Select(t => t.Label)))}</div>");
        if (Rows.SelectMany(r => r).Any(t => t.Kind == ImageKind.Depth))
            sb.Append("<div style=\"font-size:11px\">colour scale (right bar): depth 0 (dark purple, deepest) to 255 (yellow, highest); plateaus 140-170 show green-yellow</div>");
        sb.Append("</div>");
        _ = tw;
        return sb.ToString();
    }
}
