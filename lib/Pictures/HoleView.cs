using System.Globalization;
using System.Text.Json.Nodes;
using SemDepth.Data;
using SemDepth.Images;
using SkiaSharp;

namespace SemDepth.Pictures;

/// <summary>
/// A 3D look at one hole: each map (truth, prediction) as a shaded isometric height map side by side, and below
/// them the profiles of every map through the hole's centre along both axes. A PNG in every viewer; with
/// <c>Notebook.UseInteractiveCharts</c>, plotly.js surfaces instead.
/// </summary>
public sealed record HoleView(string Title, IReadOnlyList<(string Label, byte[] Map)> Maps)
{
    /// <summary>The row and column the profiles run through: the centre of the first map's region below half its hole
    /// depth (a flat bottom's deepest pixel may sit at its edge), else its deepest point.</summary>
    public (int Row, int Col) Centre
    {
        get
        {
            var map = Maps[0].Map;
            var m = HoleMeasurements.Of(map);
            double half = m.Plateau - m.HoleDepth / 2,
                cy = 0,
                cx = 0;
            int n = 0;
            for (int i = 0; i < map.Length; i++)
                if (map[i] < half)
                {
                    cy += i / Geometry.Width;
                    cx += i % Geometry.Width;
                    n++;
                }
            return n == 0 ? (m.DeepestRow, m.DeepestCol) : ((int)Math.Round(cy / n), (int)Math.Round(cx / n));
        }
    }

    static readonly SKColor[] LineColours = [new(20, 20, 20), new(214, 39, 40), new(31, 119, 180), new(44, 160, 44)];
    const int Margin = 8,
        TitleH = 26,
        PanelH = 330,
        PlotH = 210;

    /// <summary>The picture as PNG bytes.</summary>
    public byte[] ToPng()
    {
        SkiaNatives.EnsureLoaded();
        int width = PictureSize.Width,
            n = Math.Max(1, Maps.Count);
        int height = Margin + TitleH + PanelH + PlotH + Margin;
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var bold = new SKFont(ScottPlot.Fonts.GetTypeface(ChartPng.FontName, true, false), 15);
        using var regular = new SKFont(ScottPlot.Fonts.GetTypeface(ChartPng.FontName, false, false), 12);
        using var ink = new SKPaint { Color = new SKColor(30, 30, 30), IsAntialias = true };
        string title = Title;
        while (title.Length > 1 && bold.MeasureText(title) > width - 2 * Margin)
            title = title[..^2] + "…"; // cut to the picture
        canvas.DrawText(title, Margin, Margin + 16, SKTextAlign.Left, bold, ink);
        float panelW = (width - 2 * Margin) / (float)n;
        // every map on the same scale: from a little below the deepest level of any to the highest
        int baseLevel = Math.Max(0, Maps.Min(m => (int)m.Map.Min()) - 8),
            topLevel = Maps.Max(m => (int)m.Map.Max());
        for (int k = 0; k < Maps.Count; k++)
        {
            float ox = Margin + k * panelW,
                oy = Margin + TitleH;
            using var label = new SKPaint { Color = LineColours[k % LineColours.Length], IsAntialias = true };
            canvas.DrawText(Maps[k].Label, ox + 4, oy + 14, SKTextAlign.Left, bold, label);
            DrawSurface(canvas, Maps[k].Map, ox, oy + 22, panelW - 8, PanelH - 30, baseLevel, topLevel);
        }
        var (row, col) = Centre;
        float plotW = (width - 2 * Margin - 16) / 2f,
            py = Margin + TitleH + PanelH;
        DrawProfile(
            canvas,
            regular,
            ink,
            $"profile along x (row {row})",
            Margin,
            py,
            plotW,
            PlotH - 6,
            Maps.Select(m =>
                    Enumerable.Range(0, Geometry.Width).Select(x => (double)m.Map[row * Geometry.Width + x]).ToArray()
                )
                .ToList()
        );
        DrawProfile(
            canvas,
            regular,
            ink,
            $"profile along y (column {col})",
            Margin + plotW + 16,
            py,
            plotW,
            PlotH - 6,
            Maps.Select(m =>
                    Enumerable.Range(0, Geometry.Height).Select(y => (double)m.Map[y * Geometry.Width + col]).ToArray()
                )
                .ToList()
        );
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>A height map (level = height above <paramref name="baseLevel"/>, so the hole is a pit) drawn back to
    /// front, each cell a quad coloured by its depth (viridis) and shaded by its slope against a light from the upper
    /// left.</summary>
    static void DrawSurface(
        SKCanvas canvas,
        byte[] map,
        float ox,
        float oy,
        float w,
        float h,
        int baseLevel,
        int topLevel
    )
    {
        const int H = Geometry.Height,
            W = Geometry.Width;
        // the map's plane turned 45 degrees and seen from about 50 degrees above (a plane factor of 0.75: steeper
        // than isometric, so that the eye sees into the pit), levels at 0.3 of a cell each
        double cos = Math.Cos(Math.PI / 4),
            sin = 0.75 * Math.Sin(Math.PI / 4);
        double zs = 0.3,
            relief = Math.Max(1, topLevel - baseLevel);
        double planeW = (W + H) * cos,
            planeH = (W + H) * sin + relief * zs;
        double s = Math.Min(w / planeW, h / planeH);
        double x0 = ox + (w - planeW * s) / 2 + H * cos * s,
            y0 = oy + (h - planeH * s) / 2 + relief * zs * s;
        double Z(int y, int x) => map[Math.Clamp(y, 0, H - 1) * W + Math.Clamp(x, 0, W - 1)] - baseLevel;
        SKPoint P(double y, double x, double z) =>
            new((float)(x0 + (x - y) * cos * s), (float)(y0 + ((x + y) * sin - z * zs) * s));
        // filled and stroked in the same colour: neighbouring quads meet without seams
        using var fill = new SKPaint
        {
            IsAntialias = false,
            Style = SKPaintStyle.StrokeAndFill,
            StrokeWidth = 1,
        };
        using var path = new SKPath();
        for (int d = 0; d <= W + H - 2; d++) // back (small x + y) to front
        for (int y = Math.Max(0, d - (W - 1)); y <= Math.Min(H - 1, d); y++)
        {
            int x = d - y;
            double z = Z(y, x);
            double shade = Shade(Z, y, x, zs);
            var (r, g, b) = ImageGrid.Viridis(map[y * W + x]);
            fill.Color = new SKColor((byte)(r * shade), (byte)(g * shade), (byte)(b * shade));
            path.Reset();
            path.MoveTo(P(y, x, z));
            path.LineTo(P(y, x + 1, z));
            path.LineTo(P(y + 1, x + 1, z));
            path.LineTo(P(y + 1, x, z));
            path.Close();
            canvas.DrawPath(path, fill);
            DrawSides(canvas, path, fill, P, Z, (y, x, z), (r, g, b));
        }
    }

    /// <summary>A cell's shade from its normal (from its neighbours), lit from the upper left and above.</summary>
    static double Shade(Func<int, int, double> Z, int y, int x, double zs)
    {
        double gx = (Z(y, x + 1) - Z(y, x - 1)) / 2 * zs,
            gy = (Z(y + 1, x) - Z(y - 1, x)) / 2 * zs;
        double len = Math.Sqrt(gx * gx + gy * gy + 1);
        return Math.Clamp((-gx * -0.5 + -gy * -0.5 + 1 * 0.7) / len / Math.Sqrt(0.25 + 0.25 + 0.49), 0.25, 1);
    }

    /// <summary>A cell's visible sides down to the next cell in front.</summary>
    static void DrawSides(
        SKCanvas canvas,
        SKPath path,
        SKPaint fill,
        Func<double, double, double, SKPoint> P,
        Func<int, int, double> Z,
        (int Y, int X, double Z) cell,
        (byte R, byte G, byte B) colour
    )
    {
        var (y, x, z) = cell;
        var (r, g, b) = colour;
        // the cell's visible sides down to the next cell in front (so steep walls stay closed), and on the
        // map's two front edges down to level 0: the map is a block, whose sides hide the pit from below
        foreach (var (dy, dx) in new[] { (1, 0), (0, 1) })
        {
            bool edge = y + dy >= Geometry.Height || x + dx >= Geometry.Width;
            double zn = edge ? 0 : Z(y + dy, x + dx);
            if (zn >= z)
                continue;
            path.Reset();
            if (dy == 1)
            {
                path.MoveTo(P(y + 1, x, z));
                path.LineTo(P(y + 1, x + 1, z));
                path.LineTo(P(y + 1, x + 1, zn));
                path.LineTo(P(y + 1, x, zn));
            }
            else
            {
                path.MoveTo(P(y, x + 1, z));
                path.LineTo(P(y + 1, x + 1, z));
                path.LineTo(P(y + 1, x + 1, zn));
                path.LineTo(P(y, x + 1, zn));
            }
            path.Close();
            double side = edge ? 0.8 : 0.55;
            fill.Color = new SKColor((byte)(r * side), (byte)(g * side), (byte)(b * side));
            canvas.DrawPath(path, fill);
        }
    }

    /// <summary>A line plot of each map's levels along one line, 0-255 upwards (deeper = lower).</summary>
    void DrawProfile(
        SKCanvas canvas,
        SKFont font,
        SKPaint ink,
        string title,
        float ox,
        float oy,
        float w,
        float h,
        IReadOnlyList<double[]> lines
    )
    {
        float left = ox + 34,
            top = oy + 20,
            right = ox + w - 4,
            bottom = oy + h - 22;
        canvas.DrawText(title, ox + 34, oy + 13, SKTextAlign.Left, font, ink);
        using var frame = new SKPaint
        {
            Color = new SKColor(120, 120, 120),
            Style = SKPaintStyle.Stroke,
            StrokeWidth = 1,
            IsAntialias = true,
        };
        using var grid = new SKPaint
        {
            Color = new SKColor(225, 225, 225),
            Style = SKPaintStyle.Stroke,
            StrokeWidth = 1,
        };
        foreach (int level in new[] { 0, 50, 100, 150, 200, 250 })
        {
            float y = bottom - (bottom - top) * level / 255f;
            canvas.DrawLine(left, y, right, y, grid);
            canvas.DrawText(
                level.ToString(CultureInfo.InvariantCulture),
                left - 4,
                y + 4,
                SKTextAlign.Right,
                font,
                ink
            );
        }
        canvas.DrawRect(left, top, right - left, bottom - top, frame);
        int len = lines.Count == 0 ? 1 : lines[0].Length;
        canvas.DrawText("pixel", (left + right) / 2, bottom + 16, SKTextAlign.Center, font, ink);
        for (int k = 0; k < lines.Count; k++)
        {
            using var pen = new SKPaint
            {
                Color = LineColours[k % LineColours.Length],
                Style = SKPaintStyle.Stroke,
                StrokeWidth = 2,
                IsAntialias = true,
            };
            using var path = new SKPath();
            for (int i = 0; i < lines[k].Length; i++)
            {
                var p = new SKPoint(
                    left + (right - left) * i / Math.Max(1, len - 1f),
                    bottom - (float)((bottom - top) * lines[k][i] / 255)
                );
                if (i == 0)
                    path.MoveTo(p);
                else
                    path.LineTo(p);
            }
            canvas.DrawPath(path, pen);
            using var label = new SKPaint { Color = pen.Color, IsAntialias = true };
            canvas.DrawText(Maps[k].Label, right - 6, top + 14 + 14 * k, SKTextAlign.Right, font, label);
        }
    }

    /// <summary>Interactive plotly.js surfaces, one scene a map
    /// (<c>Notebook.UseInteractiveCharts</c>).</summary>
    public string ToInteractiveHtml()
    {
        string id = "semdepth-hole-" + Guid.NewGuid().ToString("N");
        var data = new JsonArray();
        var layout = new JsonObject
        {
            ["title"] = new JsonObject { ["text"] = Title },
            ["height"] = 460,
            ["width"] = PictureSize.Width,
            ["margin"] = new JsonObject
            {
                ["l"] = 0,
                ["r"] = 0,
                ["t"] = 40,
                ["b"] = 0,
            },
        };
        for (int k = 0; k < Maps.Count; k++)
        {
            var z = new JsonArray();
            for (int y = 0; y < Geometry.Height; y++)
                z.Add(
                    new JsonArray(
                        Enumerable
                            .Range(0, Geometry.Width)
                            .Select(x => (JsonNode)Maps[k].Map[y * Geometry.Width + x])
                            .ToArray()
                    )
                );
            string scene = k == 0 ? "scene" : $"scene{k + 1}";
            data.Add(
                new JsonObject
                {
                    ["type"] = "surface",
                    ["z"] = z,
                    ["name"] = Maps[k].Label,
                    ["scene"] = scene,
                    ["colorscale"] = "Viridis",
                    ["cmin"] = 0,
                    ["cmax"] = 255,
                    ["showscale"] = k == 0,
                }
            );
            layout[scene] = new JsonObject
            {
                ["domain"] = new JsonObject
                {
                    ["x"] = new JsonArray(k / (double)Maps.Count, (k + 1) / (double)Maps.Count - 0.02),
                },
                ["zaxis"] = new JsonObject
                {
                    ["range"] = new JsonArray(0, 255),
                    ["title"] = new JsonObject { ["text"] = "level" },
                },
                ["annotations"] = new JsonArray(),
                ["aspectmode"] = "manual",
                ["aspectratio"] = new JsonObject
                {
                    ["x"] = 1,
                    ["y"] = 1.5,
                    ["z"] = 0.8,
                },
            };
        }
        return $"<div id=\"{id}\" style=\"width:{PictureSize.Width}px;height:460px\"></div><script "
            + $"type=\"text/javascript\">"
            + $"(function(){{var el=document.getElementById('{id}');if(typeof "
            + $"Plotly==='undefined'){{el.textContent='plotly.js is not loaded in this view: run "
            + $"Notebook.UseInteractiveCharts() and display its result';return;}}"
            + $"Plotly.newPlot(el,{data.ToJsonString()},{layout.ToJsonString()});}})();</script>";
    }

    public override string ToString()
    {
        var (row, col) = Centre;
        var maps = Maps.Select(m => $"{m.Label} (hole depth {HoleMeasurements.Of(m.Map).HoleDepth:F0})");
        return $"{Title}: {string.Join(" | ", maps)}; profiles through row {row} and column {col}";
    }
}
