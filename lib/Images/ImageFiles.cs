namespace SemDepth.Images;

/// <summary>A file that was not read, and why, in one line.</summary>
public sealed record SkippedFile(string Path, string Why)
{
    public override string ToString() => $"skipped {Path}: {Why}";
}

/// <summary>SEM crops read from a user's file, folder or glob: names, pixels and what was skipped.</summary>
public sealed record ImageFileSet(IReadOnlyList<string> Paths, ImageSet Images, IReadOnlyList<SkippedFile> Skipped);

/// <summary>
/// Reads a user's own SEM crops: one PNG, every file of a folder (not its subfolders), or a glob whose file
/// name holds <c>*</c> or <c>?</c> (<c>my-images/*_itr0.png</c>). Every PNG storage <see cref="Png8"/> accepts
/// is read; anything else (another size, colour, not an image, damage) is skipped with its reason.
/// </summary>
public static class ImageFiles
{
    /// <summary>Reads <paramref name="pattern"/>; throws <see cref="FileNotFoundException"/> when it names
    /// nothing.</summary>
    public static ImageFileSet Read(string pattern) => Read(Expand(pattern));

    /// <summary>Reads the files <paramref name="files"/> names, in that order (a data set's own list, say).</summary>
    public static ImageFileSet Read(IEnumerable<string> files)
    {
        var paths = new List<string>();
        var skipped = new List<SkippedFile>();
        var pixels = new List<byte[]>();
        foreach (var f in files)
        {
            var dest = new byte[Geometry.Pixels];
            try
            {
                Png8.Read(f, dest);
                paths.Add(f);
                pixels.Add(dest);
            }
            catch (ImageFormatProblem e)
            {
                skipped.Add(new SkippedFile(f, e.Problem));
            }
        }
        var all = new byte[pixels.Count * Geometry.Pixels];
        for (int k = 0; k < pixels.Count; k++)
            pixels[k].CopyTo(all, k * Geometry.Pixels);
        return new ImageFileSet(paths, new ImageSet(all), skipped);
    }

    /// <summary>The files <paramref name="pattern"/> names, sorted by name.</summary>
    public static List<string> Expand(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
            throw new ArgumentException("no images named: give a PNG file, a folder or a glob such as dir/*.png");
        string full = Path.GetFullPath(pattern);
        if (File.Exists(full))
            return [full];
        if (Directory.Exists(full))
        {
            var inFolder = Directory.GetFiles(full).Order(StringComparer.Ordinal).ToList();
            return inFolder.Count > 0
                ? inFolder
                : throw new FileNotFoundException($"{pattern}: the folder holds no files");
        }
        string name = Path.GetFileName(full),
            dir = Path.GetDirectoryName(full) ?? ".";
        if (name.IndexOfAny(['*', '?']) >= 0)
        {
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException($"{pattern}: no folder {dir}");
            var matched = Directory.GetFiles(dir, name).Order(StringComparer.Ordinal).ToList();
            return matched.Count > 0 ? matched : throw new FileNotFoundException($"{pattern}: no file matches");
        }
        throw new FileNotFoundException($"{pattern}: no such file or folder");
    }
}
