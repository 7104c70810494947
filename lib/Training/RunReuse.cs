using System.Text.Json;
using System.Text.Json.Nodes;
using SemDepth.Data;

namespace SemDepth.Training;

/// <summary>
/// Whether runs/&lt;name&gt; can be continued instead of trained again (the trainers' <c>LoadOrTrain</c>). Its
/// checkpoint must have been made with the same options (the device and the data path aside), on the same data
/// (<see cref="SemData.Fingerprint"/>) and by the same build of this library (origin.json, written when the run
/// started). A finished run is reused; an unfinished one (a killed main job, a stopped kernel) resumes from its last
/// checkpoint, which continues exactly; anything else trains afresh and says why.
/// </summary>
public static class RunReuse
{
    public const string OriginFile = "origin.json";

    /// <summary>What a run was trained on: the data's fingerprint and the library build (its module id).</summary>
    public sealed record Origin(string Data, string Code);

    /// <summary>The origin of a run started now on <paramref name="data"/>.</summary>
    public static Origin Of(SemData data) => new(data.Fingerprint, Build);

    /// <summary>This build of the library (its module version id: a deterministic build of the same sources gives
    /// the same one).</summary>
    public static string Build => typeof(RunReuse).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    /// <summary>Writes origin.json of a fresh run (before its first checkpoint).</summary>
    public static void Record(string runDir, SemData data)
    {
        string path = Path.Combine(runDir, OriginFile),
            tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(Of(data)));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The outcome of <see cref="Find"/>: the checkpoint's epoch to continue from, or null with the reason
    /// the run trains afresh (empty when there was no run).</summary>
    public sealed record Found(int? Epoch, string Why);

    /// <summary>
    /// Looks at runs/&lt;name&gt;: its checkpoint (recovered first when a save was interrupted), of one of
    /// <paramref name="kinds"/>, whose options in <paramref name="canonical"/> form equal <paramref name="wanted"/>'s
    /// (device and data path aside), and whose origin.json matches <paramref name="data"/> and this build.
    /// </summary>
    public static Found Find(string runDir, string[] kinds, string wanted, Func<string, string> canonical, SemData data)
    {
        string ck = RunNames.CheckpointOf(runDir);
        if (!Directory.Exists(ck) && !Directory.Exists(ck + ".new") && !Directory.Exists(ck + ".old"))
            return new(null, "");
        string origin = Path.Combine(runDir, OriginFile);
        Origin? saved;
        try
        {
            saved = File.Exists(origin) ? JsonSerializer.Deserialize<Origin>(File.ReadAllText(origin)) : null;
        }
        catch (JsonException)
        {
            saved = null;
        }
        var now = Of(data);
        if (saved is null)
            return new(null, $"{runDir} has no {OriginFile} (an older run): trained afresh");
        if (saved.Data != now.Data)
            return new(null, $"{runDir} was trained on other data (or the data changed since): trained afresh");
        if (saved.Code != now.Code)
            return new(null, $"{runDir} was trained by another build of the library: trained afresh");
        try
        {
            var state = Checkpoint.ReadState(ck, kinds);
            if (Strip(canonical(Checkpoint.ReadOptions(ck))) != Strip(canonical(wanted)))
                return new(null, $"{runDir} was trained with other options: trained afresh");
            return new(state.Epoch, "");
        }
        catch (CheckpointException e)
        {
            return new(null, $"{e.Message}: trained afresh");
        }
    }

    /// <summary>
    /// The body of the trainers' LoadOrTrain: under runs/&lt;<paramref name="name"/>&gt;'s lock, the trainer
    /// <paramref name="resume"/> reopens when <see cref="Find"/> allows it, else <paramref name="fresh"/>; with the
    /// line saying which (<see cref="Said"/>).
    /// </summary>
    public static (T Trainer, string Said) Open<T>(
        string name,
        SemData data,
        string[] kinds,
        string wanted,
        Func<string, string> canonical,
        int epochs,
        Func<T> fresh,
        Func<string, T> resume
    )
    {
        string dir = Path.Combine(Workspace.Paths.Runs, name);
        using var hold = Workspace.RunLock.Acquire(dir, $"training {name}");
        var found = Find(dir, kinds, wanted, canonical, data);
        var trainer = found.Epoch is null ? fresh() : resume(dir);
        return (trainer, Said(name, found.Epoch, epochs, found.Why));
    }

    /// <summary>Options JSON without what may differ between two runs of the same job (device, data path).</summary>
    static string Strip(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        foreach (var key in node.Select(kv => kv.Key).ToList())
            if (
                key.Equals("device", StringComparison.OrdinalIgnoreCase)
                || key.Equals("data", StringComparison.OrdinalIgnoreCase)
            )
                node.Remove(key);
        return node.ToJsonString();
    }

    /// <summary>What a trainer's LoadOrTrain did, said in one line (also printed, so a notebook shows it).</summary>
    public static string Said(string name, int? from, int epochs, string why)
    {
        string line =
            from is not { } e ? (why.Length > 0 ? $"{name}: {why}" : "")
            : e >= epochs ? $"{name}: reused the finished run ({e} epochs; same options, data and build)"
            : $"{name}: resumed at epoch {e} of {epochs} from the checkpoint a stopped run left";
        if (line.Length > 0)
            Console.WriteLine(line);
        return line;
    }
}
