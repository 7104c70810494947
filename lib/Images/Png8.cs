using System.Buffers.Binary;
using System.IO.Compression;

namespace SemDepth.Images;

/// <summary>
/// Strict, fast reader and writer for the data set's images: 72 x 48, non-interlaced PNG. The reader
/// returns 8-bit gray and accepts every PNG storage that holds exactly that (the real download stores
/// about 2/3 of its SEM images as RGB with three identical channels); a pixel with no exact 8-bit gray
/// value is a problem naming the pixel. The header (IHDR: size, bit depth, colour type) is checked
/// before any pixel data is inflated, so a crafted file never costs more than its header; CRCs are
/// verified. The writer always writes 8-bit gray (predictions, submissions); <see cref="EncodeRgb"/>
/// exists to reproduce the real download's storage in the synthetic set.
/// Anything else is rejected with a message that says what the file is
/// (ImageSharp's <c>Image.Identify</c> describes files that are not even PNG).
/// </summary>
public static partial class Png8
{
    static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Reads a PNG into a new 3,456-byte array (row-major, 72 rows of 48), as 8-bit gray.</summary>
    public static byte[] Read(string path)
    {
        var pixels = new byte[Geometry.Pixels];
        Read(path, pixels);
        return pixels;
    }

    /// <summary>Reads a PNG into <paramref name="dest"/> (3,456 bytes) and says how it was stored.
    /// Throws <see cref="ImageFormatProblem"/>.</summary>
    public static PngStorage Read(string path, Span<byte> dest)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException) when (new FileInfo(path).LinkTarget is { } to)
        {
            throw new ImageFormatProblem(path, $"a link to {to}, which does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFormatProblem(path, "cannot be read: " + e.Message);
        }
        return Decode(file, dest, path);
    }

    /// <summary>
    /// Decodes PNG bytes into 8-bit gray; <paramref name="name"/> is used in error messages. Any PNG whose
    /// pixels are exactly representable as 8-bit gray is accepted (RGB or RGBA with equal channels and
    /// opaque alpha, 16-bit samples whose two bytes are equal, 1/2/4-bit gray, gray palettes); the
    /// return value says which storage it was. Anything lossy is a problem naming the first pixel.
    /// </summary>
    public static PngStorage Decode(ReadOnlySpan<byte> file, Span<byte> dest, string name)
    {
        if (dest.Length < Geometry.Pixels)
            throw new ArgumentException("destination smaller than one image", nameof(dest));
        try
        {
            return DecodeChecked(file, dest, name);
        }
        catch (Exception e) when (e is not ImageFormatProblem)
        {
            // a damage no check above foresaw is still a named problem of this file, never a crash of the scan
            throw new ImageFormatProblem(name, $"undecodable PNG ({e.GetType().Name}: {e.Message})");
        }
    }

    static PngStorage DecodeChecked(ReadOnlySpan<byte> file, Span<byte> dest, string name)
    {
        if (file.Length < 8 || !file[..8].SequenceEqual(Signature))
            throw new ImageFormatProblem(name, "not a PNG file" + DescribeNonPng(file));
        int pos = 8;
        bool sawEnd = false;
        Header? header = null;
        ReadOnlySpan<byte> palette = default,
            transparency = default;
        using var idat = new MemoryStream(4096);
        while (pos < file.Length)
        {
            if (pos + 12 > file.Length)
                throw new ImageFormatProblem(name, "truncated PNG (a chunk header is cut off)");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file[pos..]);
            var type = file.Slice(pos + 4, 4);
            if (length > int.MaxValue) // the PNG limit is 2^31 - 1
                throw new ImageFormatProblem(
                    name,
                    $"corrupt PNG (chunk '{Ascii(type)}' claims {length:N0} bytes, over the PNG limit of 2^31 - 1)"
                );
            int len = (int)length;
            if (pos + 12L + len > file.Length)
                throw new ImageFormatProblem(
                    name,
                    $"truncated PNG (chunk '{Ascii(type)}' runs past the end of the file)"
                );
            var data = file.Slice(pos + 8, len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file[(pos + 8 + len)..]);
            if (Crc32.Compute(file.Slice(pos + 4, len + 4)) != crc)
                throw new ImageFormatProblem(name, $"corrupt PNG (CRC mismatch in chunk '{Ascii(type)}')");
            string t = Ascii(type);
            if (header is null && t != "IHDR")
                throw new ImageFormatProblem(name, "corrupt PNG (first chunk is not IHDR)");
            switch (t)
            {
                case "IHDR":
                    header = CheckHeader(data, name);
                    break;
                case "PLTE":
                    palette = data;
                    break;
                case "tRNS":
                    transparency = data;
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
            }
            pos += 12 + len;
            if (sawEnd)
                break;
        }
        if (sawEnd && pos < file.Length)
            throw new ImageFormatProblem(
                name,
                $"corrupt PNG ({file.Length - pos:N0} bytes after the IEND chunk that ends the image)"
            );
        if (header is not { } h)
            throw new ImageFormatProblem(name, "truncated PNG (no IHDR chunk)");
        if (!sawEnd)
            throw new ImageFormatProblem(name, "truncated PNG (no IEND chunk)");
        if (h.Colour == 3 && (palette.Length == 0 || palette.Length % 3 != 0))
            throw new ImageFormatProblem(name, "corrupt PNG (palette image without a valid PLTE chunk)");
        int rowBytes = h.RowBytes;
        int rawLength = (rowBytes + 1) * Geometry.Height;
        // At most (48 * 8 + 1) * 72 = 27,720 bytes (16-bit RGBA): fine on the stack.
        Span<byte> raw = stackalloc byte[rawLength];
        Inflate(idat, raw, name);
        Unfilter(raw, rowBytes, h.FilterStride, name);
        return ToGray(h, raw, palette, transparency, dest, name);
    }

    /// <summary>The parts of IHDR that decoding needs.</summary>
    readonly record struct Header(byte Depth, byte Colour)
    {
        public int Channels =>
            Colour switch
            {
                2 => 3,
                4 => 2,
                6 => 4,
                _ => 1,
            };
        public int BitsPerPixel => Channels * Depth;
        public int RowBytes => (Geometry.Width * BitsPerPixel + 7) / 8;

        /// <summary>Bytes to the left neighbour in filters: at least one.</summary>
        public int FilterStride => Math.Max(1, BitsPerPixel / 8);
    }

    static Header CheckHeader(ReadOnlySpan<byte> h, string name)
    {
        if (h.Length != 13)
            throw new ImageFormatProblem(name, "corrupt PNG (IHDR has the wrong length)");
        uint w = BinaryPrimitives.ReadUInt32BigEndian(h),
            ht = BinaryPrimitives.ReadUInt32BigEndian(h[4..]);
        byte depth = h[8],
            colour = h[9],
            interlace = h[12];
        bool valid = colour switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!valid)
            throw new ImageFormatProblem(
                name,
                $"corrupt PNG ({ColourName(colour)} with bit depth {depth} is not a PNG format)"
            );
        if (w != Geometry.Width || ht != Geometry.Height)
            throw new ImageFormatProblem(
                name,
                $"image is {w}x{ht} (width x height); expected {Geometry.Width}x{Geometry.Height}"
            );
        if (interlace != 0)
            throw new ImageFormatProblem(name, "interlaced PNG; expected non-interlaced");
        return new Header(depth, colour);
    }

    static void Inflate(MemoryStream idat, Span<byte> raw, string name)
    {
        idat.Position = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
            int got = 0;
            while (got < raw.Length)
            {
                int n = z.Read(raw[got..]);
                if (n == 0)
                    break;
                got += n;
            }
            if (got < raw.Length)
                throw new ImageFormatProblem(name, $"truncated PNG (image data holds {got} of {raw.Length} bytes)");
            Span<byte> more = stackalloc byte[1]; // one byte past the image tells; nothing more is inflated
            if (z.Read(more) > 0)
                throw new ImageFormatProblem(
                    name,
                    $"corrupt PNG (too much image data: it inflates past the {raw.Length:N0} bytes a "
                        + $"72x48 image of this format holds)"
                );
        }
        catch (InvalidDataException e)
        {
            throw new ImageFormatProblem(name, "corrupt PNG image data (" + e.Message + ")");
        }
    }

    /// <summary>Undoes the row filters in place: each row becomes its raw bytes (the filter byte stays).</summary>
    static void Unfilter(Span<byte> raw, int rowBytes, int bpp, string name)
    {
        int stride = rowBytes + 1;
        for (int y = 0; y < Geometry.Height; y++)
        {
            byte f = raw[y * stride];
            var cur = raw.Slice(y * stride + 1, rowBytes);
            var prev = y > 0 ? raw.Slice((y - 1) * stride + 1, rowBytes) : default;
            switch (f)
            {
                case 0:
                    break;
                case 1:
                    for (int x = bpp; x < rowBytes; x++)
                        cur[x] += cur[x - bpp];
                    break;
                case 2:
                    if (y > 0)
                        for (int x = 0; x < rowBytes; x++)
                            cur[x] += prev[x];
                    break;
                case 3:
                    for (int x = 0; x < rowBytes; x++)
                    {
                        int a = x >= bpp ? cur[x - bpp] : 0;
                        int b = y > 0 ? prev[x] : 0;
                        cur[x] += (byte)((a + b) >> 1);
                    }
                    break;
                case 4:
                    for (int x = 0; x < rowBytes; x++)
                    {
                        int a = x >= bpp ? cur[x - bpp] : 0;
                        int b = y > 0 ? prev[x] : 0;
                        int c = x >= bpp && y > 0 ? prev[x - bpp] : 0;
                        cur[x] += (byte)Paeth(a, b, c);
                    }
                    break;
                default:
                    throw new ImageFormatProblem(name, $"corrupt PNG (unknown filter type {f} on row {y})");
            }
        }
    }

    /// <summary>Converts unfiltered rows to 8-bit gray, or names the first pixel that has no exact 8-bit
    /// gray value.</summary>
    static PngStorage ToGray(
        Header h,
        ReadOnlySpan<byte> raw,
        ReadOnlySpan<byte> palette,
        ReadOnlySpan<byte> trns,
        Span<byte> dest,
        string name
    )
    {
        const int w = Geometry.Width;
        int stride = h.RowBytes + 1;
        if (h.Colour == 0 && h.Depth == 8 && trns.Length == 0)
        {
            for (int y = 0; y < Geometry.Height; y++)
                raw.Slice(y * stride + 1, w).CopyTo(dest.Slice(y * w, w));
            return PngStorage.Gray8;
        }
        int bytesPerSample = h.Depth == 16 ? 2 : 1;
        Span<int> s = stackalloc int[4];
        for (int y = 0; y < Geometry.Height; y++)
        {
            var row = raw.Slice(y * stride + 1, h.RowBytes);
            for (int x = 0; x < w; x++)
                dest[y * w + x] =
                    h.Depth < 8 ? LowBitGray(h, row, palette, trns, y, x, name)
                    : h.Colour == 3 ? PaletteGray(row[x], palette, trns, y, x, name)
                    : SampleGray(
                        h,
                        row.Slice(x * h.Channels * bytesPerSample, h.Channels * bytesPerSample),
                        trns,
                        s,
                        y,
                        x,
                        name
                    );
        }
        return StorageOf(h);
    }

    /// <summary>A pixel of 1-, 2- or 4-bit gray or palette: its index unpacked from the row.</summary>
    static byte LowBitGray(
        Header h,
        ReadOnlySpan<byte> row,
        ReadOnlySpan<byte> palette,
        ReadOnlySpan<byte> trns,
        int y,
        int x,
        string name
    )
    {
        int perByte = 8 / h.Depth,
            max = (1 << h.Depth) - 1;
        int shift = 8 - h.Depth * (x % perByte + 1);
        int v = (row[x / perByte] >> shift) & max;
        if (h.Colour == 3)
            return PaletteGray(v, palette, trns, y, x, name);
        if (trns.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(trns) == v)
            throw Lossy(name, h, $"a transparent pixel at {Where(y, x)}");
        return (byte)(v * 255 / max);
    }

    /// <summary>A pixel of 8- or 16-bit samples (gray, RGB, with alpha): its gray value when every sample says the
    /// same 8-bit value and it is opaque, else the problem. <paramref name="s"/>: room for 4 samples.</summary>
    static byte SampleGray(
        Header h,
        ReadOnlySpan<byte> px,
        ReadOnlySpan<byte> trns,
        Span<int> s,
        int y,
        int x,
        string name
    )
    {
        for (int k = 0; k < h.Channels; k++)
        {
            if (px.Length == h.Channels)
            {
                s[k] = px[k];
                continue;
            }
            int hi = px[2 * k],
                lo = px[2 * k + 1];
            if (hi != lo)
                throw Lossy(name, h, $"a 16-bit value {hi * 256 + lo} at {Where(y, x)} that no 8-bit value equals");
            s[k] = hi;
        }
        bool colour = h.Colour is 2 or 6;
        if (colour && (s[0] != s[1] || s[1] != s[2]))
            throw Lossy(name, h, $"channels that differ at {Where(y, x)} (R,G,B = {s[0]},{s[1]},{s[2]})");
        int alphaAt = h.Colour switch
        {
            4 => 1,
            6 => 3,
            _ => -1,
        };
        if (alphaAt >= 0 && s[alphaAt] != 255)
            throw Lossy(name, h, $"a transparent pixel at {Where(y, x)} (alpha {s[alphaAt]})");
        if (alphaAt < 0 && trns.Length > 0 && MatchesColourKey(px, trns, h))
            throw Lossy(name, h, $"a transparent pixel at {Where(y, x)} (tRNS colour key)");
        return (byte)s[0];
    }

    static PngStorage StorageOf(Header h) =>
        h.Colour switch
        {
            0 => h.Depth == 16 ? PngStorage.Gray16
            : h.Depth == 8 ? PngStorage.Gray8
            : PngStorage.GrayLowBit,
            2 => h.Depth == 16 ? PngStorage.Rgb16 : PngStorage.Rgb,
            3 => PngStorage.Palette,
            4 => PngStorage.GrayAlpha,
            _ => PngStorage.Rgba,
        };

    static byte PaletteGray(int index, ReadOnlySpan<byte> palette, ReadOnlySpan<byte> trns, int y, int x, string name)
    {
        if (index * 3 + 2 >= palette.Length)
            throw new ImageFormatProblem(
                name,
                $"corrupt PNG (palette index {index} at {Where(y, x)} is outside the palette)"
            );
        byte r = palette[index * 3],
            g = palette[index * 3 + 1],
            b = palette[index * 3 + 2];
        if (r != g || g != b)
            throw new ImageFormatProblem(
                name,
                $"colour (palette) PNG with a colour entry at {Where(y, x)} (R,G,B = {r},{g},{b}); "
                    + $"expected 8-bit grayscale"
            );
        if (index < trns.Length && trns[index] != 255)
            throw new ImageFormatProblem(
                name,
                $"colour (palette) PNG with a transparent pixel at {Where(y, x)}; expected 8-bit grayscale"
            );
        return r;
    }

    static bool MatchesColourKey(ReadOnlySpan<byte> px, ReadOnlySpan<byte> trns, Header h)
    {
        int samples = h.Colour == 2 ? 3 : 1;
        if (trns.Length < 2 * samples)
            return false;
        for (int k = 0; k < samples; k++)
        {
            int key = BinaryPrimitives.ReadUInt16BigEndian(trns[(2 * k)..]);
            int v = h.Depth == 16 ? px[2 * k] * 256 + px[2 * k + 1] : px[k];
            if (key != v)
                return false;
        }
        return true;
    }

    static string Where(int y, int x) => $"row {y}, column {x}";

    static ImageFormatProblem Lossy(string name, Header h, string what) =>
        new(name, $"{ColourName(h.Colour)} PNG ({h.Depth}-bit) with {what}; expected 8-bit grayscale");

    static int Paeth(int a, int b, int c)
    {
        int p = a + b - c,
            pa = Math.Abs(p - a),
            pb = Math.Abs(p - b),
            pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a
            : pb <= pc ? b
            : c;
    }

    static string Ascii(ReadOnlySpan<byte> b)
    {
        Span<char> c = stackalloc char[b.Length];
        for (int i = 0; i < b.Length; i++)
            c[i] = b[i] is >= 32 and < 127 ? (char)b[i] : '?';
        return new string(c);
    }

    static string ColourName(byte colour) =>
        colour switch
        {
            0 => "grayscale",
            2 => "colour (RGB)",
            3 => "colour (palette)",
            4 => "grayscale+alpha",
            6 => "colour (RGBA)",
            _ => $"colour type {colour}",
        };

    static string DescribeNonPng(ReadOnlySpan<byte> file)
    {
        if (file.Length == 0)
            return " (empty file)";
        try
        {
            var info = SixLabors.ImageSharp.Image.Identify(file.ToArray(), out var format);
            if (info is not null)
                return $" (it is a {format?.Name ?? "non-PNG"} image, {info.Width}x{info.Height})";
        }
        catch (Exception)
        { /* not an image at all */
        }
        return " (no PNG signature)";
    }
}
