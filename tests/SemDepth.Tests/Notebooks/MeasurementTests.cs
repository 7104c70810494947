using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Notebooks;
using SemDepth.Pictures;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace SemDepth.Tests;

/// <summary>Hole measurements on depth maps whose answers are known by construction, and reading a user's
/// images.</summary>
[Collection("tiny")]
public class MeasurementTests(TinyData tiny)
{
    const int H = Geometry.Height,
        W = Geometry.Width;

    static byte[] Flat(int level) => Enumerable.Repeat((byte)level, Geometry.Pixels).ToArray();

    /// <summary>A box hole: rows [r0, r0 + h), columns [c0, c0 + w) at <paramref name="bottom"/>.</summary>
    static byte[] Box(int plateau, int bottom, int r0, int c0, int h, int w)
    {
        var m = Flat(plateau);
        for (int y = r0; y < r0 + h; y++)
        for (int x = c0; x < c0 + w; x++)
            m[y * W + x] = (byte)bottom;
        return m;
    }

    /// <summary>A cone: plateau - depth x (1 - r / radius) inside the radius, centred on (cy, cx).</summary>
    static byte[] Cone(int plateau, double depth, double radius, int cy, int cx)
    {
        var m = Flat(plateau);
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
        {
            double r = Math.Sqrt((y - cy) * (y - cy) + (x - cx) * (x - cx));
            if (r < radius)
                m[y * W + x] = (byte)Math.Round(plateau - depth * (1 - r / radius));
        }
        return m;
    }

    [Fact]
    public void ABoxHoleMeasuresItsSizeDepthAndPaddedMean()
    {
        var m = HoleMeasurements.Of(Box(150, 90, 20, 15, 20, 10));
        Assert.Equal(150, m.Plateau);
        Assert.Equal(90, m.Deepest);
        Assert.Equal(60, m.HoleDepth);
        Assert.Equal(200, m.AreaHalfDepth);
        Assert.Equal(2 * Math.Sqrt(200 / Math.PI), m.DiameterHalfDepth, 9);
        Assert.Equal((10, 20, 10, 20), (m.TopWidthX, m.TopWidthY, m.BottomWidthX, m.BottomWidthY));
        Assert.Equal(0.8 * 60 / HoleMeasurements.MinWallRun, m.WallSlope, 9); // vertical walls
        Assert.Equal(2, m.Case); // plateau 150
        double mapMean = (Geometry.Pixels * 150.0 - 200 * 60) / Geometry.Pixels;
        Assert.Equal(Cases.PaddedMean(2, mapMean), m.MeanDepth, 9);
        // the classifier's case wins
        Assert.Equal(4, HoleMeasurements.Of(Box(150, 90, 20, 15, 20, 10), caseOfMap: 4).Case);
    }

    [Fact]
    public void AConeMeasuresItsWallSlopeAndWidths()
    {
        // depth 80 over a radius of 16 px: 5 levels a pixel; top run |dx| < 0.9 R, bottom |dx| <= 0.1 R
        var m = HoleMeasurements.Of(Cone(160, 80, 16, 36, 24));
        Assert.Equal(160, m.Plateau);
        Assert.Equal(80, m.HoleDepth);
        Assert.Equal((36, 24), (m.DeepestRow, m.DeepestCol));
        Assert.Equal(29, m.TopWidthX); // -14..14
        Assert.Equal(29, m.TopWidthY);
        Assert.Equal(3, m.BottomWidthX); // -1..1
        Assert.InRange(m.WallSlope, 4.5, 5.5);
        Assert.InRange(m.DiameterHalfDepth, 15, 17); // the half-depth circle has radius R / 2
        Assert.Equal(3, m.Case);
    }

    [Fact]
    public void AnEllipseHasDifferentWidthsAlongItsAxesAndAFlatMapNoHole()
    {
        var e = Flat(140);
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if ((y - 36) * (y - 36) / 400.0 + (x - 24) * (x - 24) / 64.0 < 1)
                e[y * W + x] = 40;
        var m = HoleMeasurements.Of(e);
        Assert.Equal(100, m.HoleDepth);
        Assert.Equal(15, m.TopWidthX); // |dx| < 8
        Assert.Equal(39, m.TopWidthY); // |dy| < 20
        Assert.InRange(m.AreaHalfDepth, Math.PI * 20 * 8 * 0.9, Math.PI * 20 * 8 * 1.1);

        var flat = HoleMeasurements.Of(Flat(170));
        Assert.Equal(0, flat.HoleDepth);
        Assert.Equal(0, flat.AreaHalfDepth);
        Assert.True(double.IsNaN(flat.WallSlope));
        Assert.Equal(4, flat.Case);
        Assert.Equal(170, flat.MeanDepth, 9);
        Assert.Equal(HoleMeasurements.CsvHeader.Split(',').Length, flat.Values().Count());
    }

    [Fact]
    public void TheHoleViewDrawsBothMapsAndTheirProfilesAndAnInteractiveSurface()
    {
        var truth = Cone(160, 80, 16, 36, 24);
        var pred = Box(160, 90, 28, 16, 16, 16);
        var view = new HoleView("cone and box", [("truth", truth), ("prediction", pred)]);
        Assert.Equal((36, 24), view.Centre);
        var png = view.ToPng();
        if (Environment.GetEnvironmentVariable("SEMDEPTH_TEST_PICTURES") is { } dir)
            File.WriteAllBytes(Path.Combine(dir, "hole-view.png"), png);
        using var bmp = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal(Notebook.PictureWidth, bmp.Width);
        // the cone's sloped wall shades into many colours, the box's flat faces into few; both profiles are drawn
        int Colours(int x0, int x1, int y0, int y1)
        {
            var set = new HashSet<uint>();
            for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                set.Add((uint)bmp.GetPixel(x, y));
            return set.Count;
        }
        int cone = Colours(0, bmp.Width / 2, 60, 330),
            box = Colours(bmp.Width / 2, bmp.Width, 60, 330);
        Assert.True(cone > 40 && box < cone, $"cone panel {cone} colours, box panel {box}");
        int red = 0;
        for (int y = 340; y < bmp.Height; y++)
        for (int x = 0; x < bmp.Width; x++)
        {
            var c = bmp.GetPixel(x, y);
            if (c.Red > 180 && c.Green < 80)
                red++;
        }
        Assert.True(red > 300, $"{red} red pixels: the prediction's profiles");
        Assert.Contains("profiles through row 36 and column 24", view.ToString(), StringComparison.Ordinal);
        string html = view.ToInteractiveHtml();
        Assert.Contains("\"type\":\"surface\"", html, StringComparison.Ordinal);
        Assert.Contains("scene2", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ReadingAFolderSkipsWhatIsNotA72x48GraySemAndSaysWhy()
    {
        string dir = Path.Combine(tiny.Scratch, "own-images");
        if (Directory.Exists(dir))
            Directory.Delete(dir, true);
        Directory.CreateDirectory(dir);
        var sem = Directory.GetFiles(Path.Combine(tiny.Root, "test", "SEM")).Order().Take(3).ToList();
        foreach (var f in sem)
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not an image");
        using (var colour = new Image<Rgb24>(W, H))
        {
            colour[1, 0] = new Rgb24(200, 10, 10);
            colour.SaveAsPng(Path.Combine(dir, "colour.png"));
        }
        File.WriteAllBytes(Path.Combine(dir, "wide.png"), File.ReadAllBytes(sem[0])[..40]); // cut off

        var set = ImageFiles.Read(dir);
        Assert.Equal(3, set.Paths.Count);
        Assert.Equal(3, set.Skipped.Count);
        Assert.Contains(set.Skipped, s =>
            s.Path.EndsWith("notes.txt", StringComparison.Ordinal)
            && s.Why.StartsWith("not a PNG file", StringComparison.Ordinal)
        );
        Assert.Contains(set.Skipped, s =>
            s.Path.EndsWith("colour.png", StringComparison.Ordinal)
            && s.Why.Contains("colour", StringComparison.Ordinal)
        );
        Assert.Contains(set.Skipped, s =>
            s.Path.EndsWith("wide.png", StringComparison.Ordinal)
            && s.Why.StartsWith("truncated PNG", StringComparison.Ordinal)
        );
        Assert.Equal(Png8.Read(sem[1]), set.Images.ToArray(1));

        Assert.Equal(3, ImageFiles.Read(Path.Combine(dir, "0*.png")).Paths.Count); // a glob
        Assert.Single(ImageFiles.Read(sem[0]).Paths);
        Assert.Throws<FileNotFoundException>(() => ImageFiles.Read(Path.Combine(dir, "*.tif")));
        Assert.Throws<FileNotFoundException>(() => ImageFiles.Read(Path.Combine(dir, "missing.png")));
    }
}
