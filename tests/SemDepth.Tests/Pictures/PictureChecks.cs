using System.Text.Json.Nodes;
using SkiaSharp;
using Xunit;

namespace SemDepth.Tests;

/// <summary>Checks on an executed notebook's outputs: every picture a plain PNG that shows anywhere.</summary>
public static class PictureChecks
{
    /// <summary>Number of image/png outputs.</summary>
    public static int Count(string notebook) => Outputs(notebook).Count(o => o["data"]?["image/png"] is not null);

    /// <summary>Asserts that every image/png output is alone with text/plain, decodes, is at least notebook
    /// width and not blank, that no output holds a script, and that code cells carry execution counts.
    /// Returns the number of pictures.</summary>
    public static int Check(string notebook)
    {
        string name = Path.GetFileName(notebook);
        int pictures = 0;
        foreach (var o in Outputs(notebook))
        {
            string raw = o.ToJsonString();
            Assert.False(
                raw.Contains("<script", StringComparison.OrdinalIgnoreCase)
                    || raw.Contains("Plotly.newPlot", StringComparison.Ordinal),
                $"{name}: an output needs a script: {raw[..Math.Min(200, raw.Length)]}"
            );
            if (o["data"] is not JsonObject data || data["image/png"] is not { } png)
                continue;
            pictures++;
            var kinds = data.Select(kv => kv.Key).Order().ToArray();
            Assert.True(
                kinds.SequenceEqual(["image/png", "text/plain"]),
                $"{name}: picture output has {string.Join(", ", kinds)}"
            );
            string b64 = png is JsonArray a
                ? string.Concat(a.Select(x => x!.GetValue<string>()))
                : png.GetValue<string>();
            using var bmp = SKBitmap.Decode(Convert.FromBase64String(b64.Replace("\n", "")));
            Assert.True(bmp is not null, $"{name}: picture {pictures} does not decode");
            Assert.True(
                bmp!.Width >= SemDepth.Notebooks.Notebook.PictureWidth,
                $"{name}: picture {pictures} is {bmp.Width} px wide"
            );
            var colours = new HashSet<uint>();
            int inked = 0,
                total = 0;
            for (int y = 0; y < bmp.Height; y += 3)
            for (int x = 0; x < bmp.Width; x += 3)
            {
                var c = bmp.GetPixel(x, y);
                colours.Add((uint)c);
                total++;
                if (c.Red < 235 || c.Green < 235 || c.Blue < 235)
                    inked++;
            }
            Assert.True(
                colours.Count >= 8 && inked > total / 50,
                $"{name}: picture {pictures} looks blank ({colours.Count} colours, {inked}/{total} inked)"
            );
        }
        return pictures;
    }

    static IEnumerable<JsonNode> Outputs(string notebook)
    {
        var doc = JsonNode.Parse(File.ReadAllText(notebook))!;
        foreach (var cell in doc["cells"]!.AsArray())
        {
            if (cell!["cell_type"]!.GetValue<string>() != "code")
                continue;
            Assert.True(
                cell["execution_count"] is JsonValue,
                $"{Path.GetFileName(notebook)}: a code cell has no execution count"
            );
            foreach (var o in cell["outputs"]?.AsArray() ?? [])
                yield return o!;
        }
    }
}
