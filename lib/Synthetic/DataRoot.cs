using SemDepth.Data;
using SemDepth.Workspace;

namespace SemDepth.Synthetic;

/// <summary>Where the data comes from: an explicit folder, SEMDEPTH_DATA, or the default synthetic preset.</summary>
public static class DataRoot
{
    /// <summary>
    /// The data root in use: <paramref name="explicitRoot"/>, else SEMDEPTH_DATA, else the default
    /// synthetic preset, which is generated when absent (a generated set is deterministic).
    /// </summary>
    public static string Resolve(
        string? explicitRoot = null,
        bool generateIfMissing = true,
        IProgress<string>? log = null
    )
    {
        string? root = explicitRoot ?? Settings.Current.Data;
        if (root is not null)
        {
            root = Path.GetFullPath(root);
            if (!Directory.Exists(root))
                throw new DirectoryNotFoundException(
                    $"data root {root} does not exist (set SEMDEPTH_DATA to the Dacon folder, or unset it "
                        + $"to use the synthetic set)"
                );
            return root;
        }
        var preset = Settings.Current.Preset;
        string name = ModeNames.Of(preset),
            dir = Paths.SyntheticDir(preset);
        if (!File.Exists(Path.Combine(dir, DaconNames.Truth, "synthetic.json")))
        {
            if (!generateIfMissing)
                throw new DirectoryNotFoundException(
                    $"synthetic preset '{name}' not generated yet at {dir}: run `semdepth generate --preset {name}`"
                );
            log?.Report($"generating the synthetic '{name}' preset in {dir} ...");
            var s = SyntheticGenerator.Generate(SyntheticConfig.FromPreset(preset), dir, overwrite: true);
            log?.Report(s.ToString());
        }
        return dir;
    }
}
