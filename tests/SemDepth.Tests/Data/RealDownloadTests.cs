using SemDepth.Data;
using SemDepth.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace SemDepth.Tests;

/// <summary>The real download as users have it: RGB PNGs with identical channels, a stray Jupyter
/// checkpoint file, no sample submission.</summary>
[Collection("tiny")]
public class RealDownloadTests(TinyData tiny)
{
    static byte[] Gradient() => Enumerable.Range(0, Geometry.Pixels).Select(i => (byte)(i * 7 % 256)).ToArray();

    static string Tmp(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), "semdepth-rgb-" + Environment.ProcessId);
        Directory.CreateDirectory(d);
        return Path.Combine(d, name);
    }

    static void Save<T>(string path, Func<byte, T> pixel, PngEncoder encoder)
        where T : unmanaged, IPixel<T>
    {
        var px = Gradient();
        using var img = new Image<T>(Geometry.Width, Geometry.Height);
        for (int y = 0; y < Geometry.Height; y++)
        for (int x = 0; x < Geometry.Width; x++)
            img[x, y] = pixel(px[y * Geometry.Width + x]);
        img.Save(path, encoder);
    }

    [Theory]
    [InlineData("rgb", PngStorage.Rgb)]
    [InlineData("rgba", PngStorage.Rgba)]
    [InlineData("rgb16", PngStorage.Rgb16)]
    [InlineData("gray16", PngStorage.Gray16)]
    [InlineData("grayalpha", PngStorage.GrayAlpha)]
    [InlineData("palette", PngStorage.Palette)]
    [InlineData("ours", PngStorage.Rgb)]
    public void LosslessStoragesReadEqualToTheirGrayTwin(string kind, PngStorage expected)
    {
        string f = Tmp(kind + ".png");
        var enc = new PngEncoder { FilterMethod = PngFilterMethod.Paeth };
        switch (kind)
        {
            case "rgb":
                Save(f, v => new Rgb24(v, v, v), enc);
                break;
            case "rgba":
                Save(f, v => new Rgba32(v, v, v, 255), enc);
                break;
            case "rgb16":
                Save(f, v => new Rgb48((ushort)(v * 257), (ushort)(v * 257), (ushort)(v * 257)), enc);
                break;
            case "gray16":
                Save(f, v => new L16((ushort)(v * 257)), enc);
                break;
            case "grayalpha":
                Save(f, v => new La16(v, 255), new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha });
                break;
            case "palette":
                Save(
                    f,
                    v => new Rgb24(v, v, v),
                    new PngEncoder
                    {
                        ColorType = PngColorType.Palette,
                        Quantizer = new SixLabors.ImageSharp.Processing.Processors.Quantization.WuQuantizer(
                            new() { MaxColors = 256, Dither = null }
                        ),
                    }
                );
                break;
            case "ours":
                File.WriteAllBytes(f, Png8.EncodeRgb(Gradient()));
                break;
        }
        var dest = new byte[Geometry.Pixels];
        var storage = Png8.Decode(File.ReadAllBytes(f), dest, f);
        Assert.Equal(expected, storage);
        if (kind == "palette")
        {
            // a quantizer may merge levels: compare with ImageSharp's own reading instead of the gradient
            using var img = Image.Load<L8>(f);
            Assert.Equal(img[7, 5].PackedValue, dest[5 * Geometry.Width + 7]);
        }
        else
            Assert.Equal(Gradient(), dest);
    }

    [Theory]
    [InlineData("rgba-transparent", "colour (RGBA) PNG (8-bit) with a transparent pixel at row 3, column 4 (alpha 0)")]
    [InlineData(
        "rgb16-lossy",
        "colour (RGB) PNG (16-bit) with a 16-bit value 257 at row 0, column 0 that no 8-bit value equals"
    )]
    [InlineData("palette-colour", "colour (palette) PNG with a colour entry at row 0, column 0 (R,G,B = 200,10,10)")]
    public void LossyStoragesAreNamedProblems(string kind, string expected)
    {
        string f = Tmp(kind + ".png");
        switch (kind)
        {
            case "rgba-transparent":
                using (var i = new Image<Rgba32>(48, 72, new Rgba32(9, 9, 9, 255)))
                {
                    i[4, 3] = new Rgba32(9, 9, 9, 0);
                    i.SaveAsPng(f);
                }
                break;
            case "rgb16-lossy":
                using (var i = new Image<Rgb48>(48, 72))
                {
                    i[0, 0] = new Rgb48(257, 257, 257);
                    i[1, 0] = new Rgb48(1, 1, 1);
                    i.SaveAsPng(f);
                }
                // 257 is exact (1 * 257) but 1 is not: the first lossy sample is at column 1
                expected = expected.Replace("value 257 at row 0, column 0", "value 1 at row 0, column 1");
                break;
            case "palette-colour":
                using (var i = new Image<Rgb24>(48, 72, new Rgb24(200, 10, 10)))
                    i.Save(f, new PngEncoder { ColorType = PngColorType.Palette });
                break;
        }
        var e = Assert.Throws<ImageFormatProblem>(() => Png8.Read(f));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(f, e.Message);
    }

    [Fact]
    public void TheGeneratorReproducesTheDownloadsQuirks()
    {
        var set = DaconDataSet.Open(tiny.Root);
        var report = DaconDataSet.Validate(tiny.Root);
        Assert.True(report.Ok, report.Format());
        int real = set.Train.Count + set.Test.Count;
        int rgb = report.Storage[PngStorage.Rgb];
        // default share 2/3 of 136 real images: about 91, binomial SD about 5.5
        Assert.InRange(rgb, 70, 110);
        Assert.Equal(set.Sim.Count * 3 + real - rgb, report.Storage[PngStorage.Gray8]);
        // the stray checkpoint: ignored, listed, never counted
        string stray = Assert.Single(report.Ignored);
        Assert.Matches(@"train/SEM/Depth_140/site_\d{5}/\.ipynb_checkpoints/SEM_\d{6}-checkpoint\.png$", stray);
        Assert.DoesNotContain(set.Train, t => t.Path.Contains(".ipynb_checkpoints", StringComparison.Ordinal));
        Assert.Equal(4 * 24, set.Train.Count);
        // no sample submission: information, not a problem
        Assert.Contains(report.Notes, n => n.Contains("sample_submission.zip is absent", StringComparison.Ordinal));
        string text = report.Format();
        Assert.Contains($"{rgb} RGB images with identical channels, read as gray (lossless)", text);
        Assert.Contains(".ipynb_checkpoints/SEM_", text);
        // the cache reads RGB images as gray
        using var d = SemData.Open(tiny.Root);
        for (int i = 0; i < set.Test.Count; i++)
        {
            var png = File.ReadAllBytes(set.Test[i].Path);
            var gray = new byte[Geometry.Pixels];
            Png8.Decode(png, gray, set.Test[i].Path);
            Assert.Equal(gray, d.Test.ToArray(i));
        }
    }

    [Fact]
    public void ClutterAnywhereIsIgnoredAndListed()
    {
        string r = tiny.Copy("clutter");
        var before = DaconDataSet.Open(r);
        File.WriteAllText(Path.Combine(DaconNames.TestDir(r), ".DS_Store"), "x");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(before.Sim[0].Itr0Path)!, "Thumbs.db"), "x");
        Directory.CreateDirectory(Path.Combine(DaconNames.TestDir(r), ".ipynb_checkpoints"));
        File.WriteAllText(Path.Combine(DaconNames.TestDir(r), ".ipynb_checkpoints", "000001-checkpoint.png"), "x");
        string siteDir = Path.GetDirectoryName(before.Train[0].Path)!;
        Directory.CreateDirectory(Path.Combine(siteDir, "old"));
        File.Copy(before.Train[0].Path, Path.Combine(siteDir, "old", "SEM_copy.png"));
        var report = DaconDataSet.Validate(r);
        Assert.True(report.Ok, report.Format());
        Assert.Equal(5, report.Ignored.Count); // the generator's stray file and four planted entries
        Assert.Contains(report.Ignored, p => p.EndsWith("Thumbs.db", StringComparison.Ordinal));
        Assert.Contains(report.Ignored, p => p.EndsWith(Path.Combine("old", "SEM_copy.png"), StringComparison.Ordinal));
        var after = DaconDataSet.Open(r);
        Assert.Equal(before.Train.Count, after.Train.Count);
        Assert.Equal(before.Test.Count, after.Test.Count);
        Assert.Equal(before.Sim.Count, after.Sim.Count);
    }

    [Fact]
    public void PredictionsAreWrittenAsEightBitGray()
    {
        var png = Png8.Encode(Gradient());
        Assert.Equal(0, png[8 + 8 + 9]); // IHDR colour type: gray
        Assert.Equal(8, png[8 + 8 + 8]); // bit depth 8
        Assert.Equal(2, Png8.EncodeRgb(Gradient())[8 + 8 + 9]);
    }
}
