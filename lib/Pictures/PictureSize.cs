namespace SemDepth.Pictures;

/// <summary>The width every picture is drawn for: a notebook's output column in VS Code and on GitHub.</summary>
public static class PictureSize
{
    /// <summary>Pixels across a chart, grid or hole view (wider pictures are scaled down by the viewers).</summary>
    public const int Width = 760;
}
