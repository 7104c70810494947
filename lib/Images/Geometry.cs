namespace SemDepth.Images;

/// <summary>Image geometry shared by every SEM image and depth map of the Dacon set.</summary>
public static class Geometry
{
    /// <summary>Rows of every image.</summary>
    public const int Height = 72;

    /// <summary>Columns of every image.</summary>
    public const int Width = 48;

    /// <summary>Pixels per image (72 x 48).</summary>
    public const int Pixels = Height * Width;
}
