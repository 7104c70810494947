using System.Buffers.Binary;
using System.IO.Compression;

namespace SemDepth.Images;

/// <summary>The writer: 8-bit gray PNGs (and the RGB the real download stores).</summary>
public static partial class Png8
{
    /// <summary>Encodes a 72x48 gray image as 8-bit grayscale PNG bytes (Up filter, fast zlib).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels) => Encode(pixels, channels: 1);

    /// <summary>Encodes a 72x48 gray image as 8-bit RGB with three identical channels, as about two
    /// thirds of the real download's SEM images are stored. Never used for predictions.</summary>
    public static byte[] EncodeRgb(ReadOnlySpan<byte> pixels) => Encode(pixels, channels: 3);

    static byte[] Encode(ReadOnlySpan<byte> pixels, int channels)
    {
        if (pixels.Length != Geometry.Pixels)
            throw new ArgumentException($"expected {Geometry.Pixels} pixels, got {pixels.Length}", nameof(pixels));
        const int w = Geometry.Width;
        int stride = w * channels + 1;
        var raw = new byte[stride * Geometry.Height];
        for (int y = 0; y < Geometry.Height; y++)
        {
            raw[y * stride] = (byte)(y == 0 ? 0 : 2); // Up filter: smooth images compress well
            for (int x = 0; x < w; x++)
            {
                byte up = y > 0 ? pixels[(y - 1) * w + x] : (byte)0;
                byte v = (byte)(pixels[y * w + x] - up);
                for (int k = 0; k < channels; k++)
                    raw[y * stride + 1 + x * channels + k] = v;
            }
        }
        using var zbuf = new MemoryStream();
        using (var z = new ZLibStream(zbuf, CompressionLevel.Fastest, leaveOpen: true))
            z.Write(raw);
        var idat = zbuf.ToArray();
        using var ms = new MemoryStream(idat.Length + 64);
        ms.Write(Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, Geometry.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], Geometry.Height);
        ihdr[8] = 8;
        ihdr[9] = (byte)(channels == 3 ? 2 : 0); // colour type: 0 gray, 2 RGB
        ihdr[10] = 0;
        ihdr[11] = 0;
        ihdr[12] = 0;
        WriteChunk(ms, "IHDR", ihdr);
        WriteChunk(ms, "IDAT", idat);
        WriteChunk(ms, "IEND", []);
        return ms.ToArray();
    }

    /// <summary>Writes an 8-bit grayscale PNG, creating the folder.</summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels) => Write(path, pixels, rgb: false);

    /// <summary>Writes a PNG, creating the folder; <paramref name="rgb"/> stores it as RGB with identical
    /// channels (the synthetic set's copy of the real download's storage).</summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels, bool rgb)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, rgb ? EncodeRgb(pixels) : Encode(pixels));
    }

    static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
        for (int i = 0; i < 4; i++)
            head[4 + i] = (byte)type[i];
        s.Write(head);
        s.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, head[4..]), data) ^ 0xFFFFFFFFu;
        Span<byte> c = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(c, crc);
        s.Write(c);
    }
}
