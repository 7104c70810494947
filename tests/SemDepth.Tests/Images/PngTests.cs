using SemDepth.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Xunit;

namespace SemDepth.Tests;

public class PngTests
{
    static byte[] Gradient() => Enumerable.Range(0, Geometry.Pixels).Select(i => (byte)(i * 7 % 256)).ToArray();

    static string Tmp(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), "semdepth-png-" + Environment.ProcessId);
        Directory.CreateDirectory(d);
        return Path.Combine(d, name);
    }

    [Fact]
    public void RoundTripIsExactAndImageSharpAgrees()
    {
        var px = Gradient();
        string f = Tmp("rt.png");
        Png8.Write(f, px);
        Assert.Equal(px, Png8.Read(f));
        using var img = Image.Load<L8>(f);
        Assert.Equal(Geometry.Width, img.Width);
        Assert.Equal(px[5 * Geometry.Width + 7], img[7, 5].PackedValue);
    }

    [Fact]
    public void ReadsFilesWrittenByImageSharpWithOtherFilters()
    {
        using var img = new Image<L8>(Geometry.Width, Geometry.Height);
        for (int y = 0; y < Geometry.Height; y++)
        for (int x = 0; x < Geometry.Width; x++)
            img[x, y] = new L8((byte)(x * 3 + y));
        string f = Tmp("is.png");
        img.Save(
            f,
            new SixLabors.ImageSharp.Formats.Png.PngEncoder
            {
                ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Grayscale,
                BitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit8,
                FilterMethod = SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Paeth,
            }
        );
        var px = Png8.Read(f);
        Assert.Equal((byte)(10 * 3 + 20), px[20 * Geometry.Width + 10]);
    }

    [Theory]
    [InlineData("colour", "colour (RGB) PNG (8-bit) with channels that differ at row 0, column 1 (R,G,B = 1,2,3)")]
    [InlineData(
        "16bit",
        "grayscale PNG (16-bit) with a 16-bit value 258 at row 0, column 0 that no 8-bit value equals"
    )]
    [InlineData("size", "image is 64x64")]
    [InlineData("truncated", "truncated PNG")]
    [InlineData("crc", "CRC mismatch")]
    [InlineData("text", "not a PNG file")]
    [InlineData("jpeg", "it is a JPEG image, 48x72")]
    public void RejectsBadFilesNamingTheProblem(string kind, string expected)
    {
        string f = Tmp(kind + ".png");
        var good = Png8.Encode(Gradient());
        switch (kind)
        {
            case "colour":
                using (var i = new Image<Rgb24>(48, 72))
                {
                    i[1, 0] = new Rgb24(1, 2, 3);
                    i.SaveAsPng(f);
                }
                break;
            case "16bit":
                using (var i = new Image<L16>(48, 72))
                {
                    i[0, 0] = new L16(258);
                    i.SaveAsPng(f);
                }
                break;
            case "size":
                using (var i = new Image<L8>(64, 64))
                    i.SaveAsPng(f);
                break;
            case "truncated":
                File.WriteAllBytes(f, good[..(good.Length / 2)]);
                break;
            case "crc":
                var c = (byte[])good.Clone();
                c[40] ^= 0xFF;
                File.WriteAllBytes(f, c);
                break;
            case "text":
                File.WriteAllText(f, "hello");
                break;
            case "jpeg":
                using (var i = new Image<L8>(48, 72))
                    i.SaveAsJpeg(f);
                break;
        }
        var e = Assert.Throws<ImageFormatProblem>(() => Png8.Read(f));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(f, e.Message);
    }
}
