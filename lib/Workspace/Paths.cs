namespace SemDepth.Workspace;

/// <summary>
/// Every path the workspace uses, resolved in one place: relative to the workspace root (the folder
/// holding SemDepth.Lib.csproj, or SEMDEPTH_ROOT) or from the <see cref="Settings"/>. No machine paths.
/// </summary>
public static class Paths
{
    static string? _found;

    /// <summary>The workspace root: SEMDEPTH_ROOT, else the nearest folder above the current directory
    /// or the library holding SemDepth.Lib.csproj.</summary>
    public static string Root => Settings.Current.Root is { } r ? Path.GetFullPath(r) : _found ??= FindRoot();

    /// <summary>Ignored folder for everything runs produce: executed notebooks, caches, submissions.</summary>
    public static string Artifacts => Settings.Current.Artifacts ?? Path.Combine(Root, "artifacts");

    /// <summary>Training runs (checkpoints, TensorBoard event files, metrics CSV).</summary>
    public static string Runs => Settings.Current.Runs ?? Path.Combine(Root, "runs");

    /// <summary>Where synthetic presets are generated: data/synthetic/&lt;preset&gt;.</summary>
    public static string SyntheticDir(string preset) => Path.Combine(Root, "data", "synthetic", preset);

    /// <summary>Where synthetic preset <paramref name="preset"/> is generated.</summary>
    public static string SyntheticDir(Preset preset) => SyntheticDir(ModeNames.Of(preset));

    static string FindRoot()
    {
        foreach (
            var start in new[]
            {
                Directory.GetCurrentDirectory(),
                Path.GetDirectoryName(typeof(Paths).Assembly.Location) ?? "",
            }
        )
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "SemDepth.Lib.csproj")))
                    return d.FullName;
        }
        throw new InvalidOperationException(
            "cannot find the workspace root (no SemDepth.Lib.csproj above the current folder): set SEMDEPTH_ROOT"
        );
    }
}
