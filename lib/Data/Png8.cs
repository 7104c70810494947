using System.Buffers.Binary;
using System.IO.Compression;

namespace SemDepth.Data;

/// <summary>A file that is not a valid 72x48 8-bit grayscale PNG; the message names file and problem.</summary>
public sealed class ImageFormatProblem(string path, string problem) : Exception($"{path}: {problem}")
{
    public string FilePath { get; } = path;
    public string Problem { get; } = problem;
}

/// <summary>
/// Strict, fast reader and writer for the one image format of the data set: 72 x 48, 8-bit grayscale,
/// non-interlaced PNG. The header (IHDR: size, bit depth, colour type) is checked before any pixel
/// data is inflated, so a crafted file never costs more than its header; CRCs are verified.
/// Anything else is rejected with a message that says what the file is
/// (ImageSharp's <c>Image.Identify</c> describes files that are not even PNG).
/// </summary>
public static class Png8
{
    static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Reads a PNG into a new 3,456-byte array (row-major, 72 rows of 48).</summary>
    public static byte[] Read(string path)
    {
        var pixels = new byte[Geometry.Pixels];
        Read(path, pixels);
        return pixels;
    }

    /// <summary>Reads a PNG into <paramref name="dest"/> (3,456 bytes). Throws <see cref="ImageFormatProblem"/>.</summary>
    public static void Read(string path, Span<byte> dest)
    {
        byte[] file;
        try { file = File.ReadAllBytes(path); }
        catch (IOException e) { throw new ImageFormatProblem(path, "cannot be read: " + e.Message); }
        Decode(file, dest, path);
    }

    /// <summary>Decodes PNG bytes; <paramref name="name"/> is used in error messages.</summary>
    public static void Decode(ReadOnlySpan<byte> file, Span<byte> dest, string name)
    {
        if (dest.Length < Geometry.Pixels) throw new ArgumentException("destination smaller than one image", nameof(dest));
        if (file.Length < 8 || !file[..8].SequenceEqual(Signature))
            throw new ImageFormatProblem(name, "not a PNG file" + DescribeNonPng(file));
        int pos = 8;
        bool sawHeader = false, sawEnd = false;
        using var idat = new MemoryStream(4096);
        while (pos < file.Length)
        {
            if (pos + 12 > file.Length) throw new ImageFormatProblem(name, "truncated PNG (a chunk header is cut off)");
            int len = checked((int)BinaryPrimitives.ReadUInt32BigEndian(file[pos..]));
            var type = file.Slice(pos + 4, 4);
            if (len < 0 || pos + 12L + len > file.Length) throw new ImageFormatProblem(name, $"truncated PNG (chunk '{Ascii(type)}' runs past the end of the file)");
            var data = file.Slice(pos + 8, len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file[(pos + 8 + len)..]);
            if (Crc32.Compute(file.Slice(pos + 4, len + 4)) != crc) throw new ImageFormatProblem(name, $"corrupt PNG (CRC mismatch in chunk '{Ascii(type)}')");
            string t = Ascii(type);
            if (!sawHeader && t != "IHDR") throw new ImageFormatProblem(name, "corrupt PNG (first chunk is not IHDR)");
            switch (t)
            {
                case "IHDR":
                    CheckHeader(data, name);
                    sawHeader = true;
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
            }
            pos += 12 + len;
            if (sawEnd) break;
        }
        if (!sawHeader) throw new ImageFormatProblem(name, "truncated PNG (no IHDR chunk)");
        if (!sawEnd) throw new ImageFormatProblem(name, "truncated PNG (no IEND chunk)");
        Inflate(idat, dest, name);
    }

    static void CheckHeader(ReadOnlySpan<byte> h, string name)
    {
        if (h.Length != 13) throw new ImageFormatProblem(name, "corrupt PNG (IHDR has the wrong length)");
        uint w = BinaryPrimitives.ReadUInt32BigEndian(h), ht = BinaryPrimitives.ReadUInt32BigEndian(h[4..]);
        byte depth = h[8], colour = h[9], interlace = h[12];
        if (colour != 0)
            throw new ImageFormatProblem(name, $"{ColourName(colour)} PNG ({depth}-bit); expected 8-bit grayscale");
        if (depth != 8)
            throw new ImageFormatProblem(name, $"{depth}-bit grayscale PNG; expected 8-bit grayscale");
        if (w != Geometry.Width || ht != Geometry.Height)
            throw new ImageFormatProblem(name, $"image is {w}x{ht} (width x height); expected {Geometry.Width}x{Geometry.Height}");
        if (interlace != 0) throw new ImageFormatProblem(name, "interlaced PNG; expected non-interlaced");
    }

    static void Inflate(MemoryStream idat, Span<byte> dest, string name)
    {
        const int stride = Geometry.Width + 1; // filter byte + 48 pixels
        Span<byte> raw = stackalloc byte[stride * Geometry.Height];
        idat.Position = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
            int got = 0;
            while (got < raw.Length)
            {
                int n = z.Read(raw[got..]);
                if (n == 0) break;
                got += n;
            }
            if (got < raw.Length) throw new ImageFormatProblem(name, $"truncated PNG (image data holds {got} of {raw.Length} bytes)");
        }
        catch (InvalidDataException e) { throw new ImageFormatProblem(name, "corrupt PNG image data (" + e.Message + ")"); }
        Unfilter(raw, dest, name);
    }

    static void Unfilter(Span<byte> raw, Span<byte> dest, string name)
    {
        const int w = Geometry.Width, stride = w + 1;
        for (int y = 0; y < Geometry.Height; y++)
        {
            byte f = raw[y * stride];
            var src = raw.Slice(y * stride + 1, w);
            var cur = dest.Slice(y * w, w);
            var prev = y > 0 ? dest.Slice((y - 1) * w, w) : default;
            switch (f)
            {
                case 0: src.CopyTo(cur); break;
                case 1: for (int x = 0; x < w; x++) cur[x] = (byte)(src[x] + (x > 0 ? cur[x - 1] : 0)); break;
                case 2: for (int x = 0; x < w; x++) cur[x] = (byte)(src[x] + (y > 0 ? prev[x] : 0)); break;
                case 3:
                    for (int x = 0; x < w; x++)
                        cur[x] = (byte)(src[x] + (((x > 0 ? cur[x - 1] : 0) + (y > 0 ? prev[x] : 0)) >> 1));
                    break;
                case 4:
                    for (int x = 0; x < w; x++)
                    {
                        int a = x > 0 ? cur[x - 1] : 0, b = y > 0 ? prev[x] : 0, c = x > 0 && y > 0 ? prev[x - 1] : 0;
                        cur[x] = (byte)(src[x] + Paeth(a, b, c));
                    }
                    break;
                default: throw new ImageFormatProblem(name, $"corrupt PNG (unknown filter type {f} on row {y})");
            }
        }
    }

    static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Encodes a 72x48 gray image as PNG bytes (Up filter, fast zlib).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels)
    {
        if (pixels.Length != Geometry.Pixels) throw new ArgumentException($"expected {Geometry.Pixels} pixels, got {pixels.Length}", nameof(pixels));
        const int w = Geometry.Width, stride = w + 1;
        var raw = new byte[stride * Geometry.Height];
        for (int y = 0; y < Geometry.Height; y++)
        {
            raw[y * stride] = (byte)(y == 0 ? 0 : 2); // Up filter: smooth images compress well
            for (int x = 0; x < w; x++)
                raw[y * stride + 1 + x] = (byte)(pixels[y * w + x] - (y > 0 ? pixels[(y - 1) * w + x] : 0));
        }
        using var zbuf = new MemoryStream();
        using (var z = new ZLibStream(zbuf, CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw);
        var idat = zbuf.ToArray();
        using var ms = new MemoryStream(idat.Length + 64);
        ms.Write(Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, Geometry.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], Geometry.Height);
        ihdr[8] = 8; ihdr[9] = 0; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
        WriteChunk(ms, "IHDR", ihdr);
        WriteChunk(ms, "IDAT", idat);
        WriteChunk(ms, "IEND", []);
        return ms.ToArray();
    }

    /// <summary>Writes a PNG, creating the folder.</summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, Encode(pixels));
    }

    static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
        for (int i = 0; i < 4; i++) head[4 + i] = (byte)type[i];
        s.Write(head);
        s.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, head[4..]), data) ^ 0xFFFFFFFFu;
        Span<byte> c = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(c, crc);
        s.Write(c);
    }

    static string Ascii(ReadOnlySpan<byte> b)
    {
        Span<char> c = stackalloc char[b.Length];
        for (int i = 0; i < b.Length; i++) c[i] = b[i] is >= 32 and < 127 ? (char)b[i] : '?';
        return new string(c);
    }

    static string ColourName(byte colour) => colour switch
    {
        2 => "colour (RGB)",
        3 => "colour (palette)",
        4 => "grayscale+alpha",
        6 => "colour (RGBA)",
        _ => $"colour type {colour}",
    };

    static string DescribeNonPng(ReadOnlySpan<byte> file)
    {
        if (file.Length == 0) return " (empty file)";
        try
        {
            var info = SixLabors.ImageSharp.Image.Identify(file.ToArray(), out var format);
            if (info is not null) return $" (it is a {format?.Name ?? "non-PNG"} image, {info.Width}x{info.Height})";
        }
        catch (Exception) { /* not an image at all */ }
        return " (no PNG signature)";
    }
}

/// <summary>CRC-32 (ISO-HDLC, as PNG uses).</summary>
public static class Crc32
{
    static readonly uint[] Table = MakeTable();

    static uint[] MakeTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    public static uint Compute(ReadOnlySpan<byte> data) => Update(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;
}
