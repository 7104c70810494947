namespace SemDepth.Images;

/// <summary>A file that is not a valid 72x48 8-bit grayscale PNG; the message names file and problem.</summary>
public sealed class ImageFormatProblem(string path, string problem) : Exception($"{path}: {problem}")
{
    public string FilePath { get; } = path;
    public string Problem { get; } = problem;
}

/// <summary>How a PNG that decodes to 8-bit gray without loss was stored.</summary>
public enum PngStorage
{
    /// <summary>8-bit grayscale: the data set's own format.</summary>
    Gray8,

    /// <summary>1-, 2- or 4-bit grayscale, scaled to 0-255.</summary>
    GrayLowBit,

    /// <summary>16-bit grayscale whose two bytes are equal in every sample.</summary>
    Gray16,

    /// <summary>8- or 16-bit gray with an alpha channel that is opaque everywhere.</summary>
    GrayAlpha,

    /// <summary>8-bit RGB with three identical channels (about 2/3 of the real SEM images).</summary>
    Rgb,

    /// <summary>16-bit RGB with identical channels whose two bytes are equal.</summary>
    Rgb16,

    /// <summary>RGBA with identical channels and opaque alpha.</summary>
    Rgba,

    /// <summary>A palette whose used entries are gray and opaque.</summary>
    Palette,
}
