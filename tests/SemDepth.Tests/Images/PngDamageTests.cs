using System.Buffers.Binary;
using System.IO.Compression;
using SemDepth.Images;
using Xunit;

namespace SemDepth.Tests;

/// <summary>Generated damage: every damaged PNG is a named problem of its file (or, where the damage left a
/// valid image, a clean decode), never another exception, and never more memory than the file.</summary>
public class PngDamageTests
{
    internal static byte[] Valid() =>
        Png8.Encode(Enumerable.Range(0, Geometry.Pixels).Select(i => (byte)(i * 5 % 256)).ToArray());

    /// <summary>Decodes <paramref name="png"/>: null when it decoded, else the problem's text; anything but an
    /// <see cref="ImageFormatProblem"/> naming the file fails the test.</summary>
    static string? Outcome(byte[] png, string name = "damaged.png")
    {
        var dest = new byte[Geometry.Pixels];
        try
        {
            Png8.Decode(png, dest, name);
            return null;
        }
        catch (ImageFormatProblem e)
        {
            Assert.StartsWith(name + ": ", e.Message, StringComparison.Ordinal);
            Assert.Equal(name, e.FilePath);
            return e.Problem;
        }
    }

    /// <summary>A chunk with a right CRC.</summary>
    internal static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        var c = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(c, (uint)data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(c, 4);
        data.CopyTo(c.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(8 + data.Length), Crc32.Compute(c.AsSpan(4, 4 + data.Length)));
        return c;
    }

    internal static byte[] Header(
        int width = Geometry.Width,
        int height = Geometry.Height,
        byte depth = 8,
        byte colour = 0
    )
    {
        var h = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(h, width);
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4), height);
        h[8] = depth;
        h[9] = colour;
        return h;
    }

    static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    internal static byte[] Png(params byte[][] chunks) => [.. Signature, .. chunks.SelectMany(c => c)];

    internal static byte[] Deflate(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Fastest))
            z.Write(raw);
        return ms.ToArray();
    }

    [Fact]
    public void RandomBytesAfterTheSignatureAreNamedProblems()
    {
        var rng = new Random(17);
        for (int i = 0; i < 2000; i++)
        {
            var body = new byte[rng.Next(0, 400)];
            rng.NextBytes(body);
            Assert.NotNull(Outcome([.. Signature, .. body]));
        }
    }

    [Theory]
    [InlineData(0x7FFFFFFFu)]
    [InlineData(0x80000000u)]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(0x7FFFFFF0u)]
    [InlineData(14u)]
    public void ChunkLengthsNearTheLimitsAreNamed(uint length)
    {
        foreach (int chunkStart in new[] { 8, 8 + 25 }) // IHDR, then the first IDAT
        {
            var png = Valid();
            BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(chunkStart), length);
            string problem = Outcome(png)!;
            Assert.Matches("corrupt PNG|truncated PNG", problem);
        }
    }

    [Fact]
    public void ChunkTypesAndSizesAtTheirLimitsAreNamed()
    {
        var idat = Chunk("IDAT", Deflate(new byte[(Geometry.Width + 1) * Geometry.Height]));
        var end = Chunk("IEND", []);
        Assert.Null(Outcome(Png(Chunk("IHDR", Header()), idat, end))); // the reference: a valid black image
        Assert.Contains("IHDR has the wrong length", Outcome(Png(Chunk("IHDR", Header().AsSpan(0, 12)), idat, end)));
        Assert.Contains("IHDR has the wrong length", Outcome(Png(Chunk("IHDR", [.. Header(), 0]), idat, end)));
        Assert.Contains(
            "first chunk is not IHDR",
            Outcome(Png(Chunk("\0\0\0\0", []), Chunk("IHDR", Header()), idat, end))
        );
        Assert.Contains("image is 4096x4096", Outcome(Png(Chunk("IHDR", Header(4096, 4096)), idat, end)));
        Assert.Contains("image is 2147483647x72", Outcome(Png(Chunk("IHDR", Header(int.MaxValue, 72)), idat, end)));
        Assert.Contains("bit depth 3 is not a PNG format", Outcome(Png(Chunk("IHDR", Header(depth: 3)), idat, end)));
        Assert.Contains(
            "truncated PNG (image data holds 0 of",
            Outcome(Png(Chunk("IHDR", Header()), Chunk("IDAT", []), end))
        );
        Assert.Contains("no IEND chunk", Outcome(Png(Chunk("IHDR", Header()), idat)));
        // an unknown ancillary chunk (lower-case first letter) is skipped, as PNG readers do
        Assert.Null(Outcome(Png(Chunk("IHDR", Header()), Chunk("zzZz", [1, 2]), idat, end)));
    }

    [Fact]
    public void ExtraDataAfterTheImageIsNamed()
    {
        Assert.Contains("5 bytes after the IEND chunk", Outcome([.. Valid(), 1, 2, 3, 4, 5]));
        // too much image data (libpng: "too much image data"): a 50 MB inflation, read no further than one byte past
        // the image
        var huge = Chunk("IDAT", Deflate(new byte[50_000_000]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        string problem = Outcome(Png(Chunk("IHDR", Header()), huge, Chunk("IEND", [])))!;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("too much image data", problem);
        Assert.True(
            allocated < 4 * huge.Length + (1 << 20),
            $"{allocated:N0} bytes allocated for a {huge.Length:N0}-byte file"
        );
    }

    [Fact]
    public void FlippedBytesWithRightCrcsDecodeOrAreNamed()
    {
        var rng = new Random(5);
        var valid = Valid();
        int named = 0;
        for (int i = 0; i < 3000; i++)
        {
            var png = (byte[])valid.Clone();
            int at = rng.Next(8, png.Length);
            png[at] ^= (byte)(1 << rng.Next(8));
            FixCrcs(png);
            if (Outcome(png) is not null)
                named++;
        }
        Assert.True(named > 100, $"only {named} of 3000 flips were problems");
    }

    /// <summary>Recomputes every chunk's CRC where the chunk still fits the file, so the damage reaches the
    /// parts behind the CRC check (header fields, the zlib stream, filters).</summary>
    static void FixCrcs(byte[] png)
    {
        int pos = 8;
        while (pos + 12 <= png.Length)
        {
            long len = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (pos + 12 + len > png.Length)
                return;
            BinaryPrimitives.WriteUInt32BigEndian(
                png.AsSpan(pos + 8 + (int)len),
                Crc32.Compute(png.AsSpan(pos + 4, 4 + (int)len))
            );
            pos += 12 + (int)len;
        }
    }
}
