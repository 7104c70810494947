using System.Security.Cryptography;
using System.Text.Json;

namespace SemDepth.Job;

/// <summary>One notebook the main job finished: its executed copy's SHA-256 (a copy changed or cut short since is
/// not taken for it) and the seconds it took.</summary>
public sealed record FinishedNotebook(string Notebook, double Seconds, string Sha256);

/// <summary>
/// The main job's journal, artifacts/main-job.json: what the job was asked (data and its fingerprint, preset,
/// budget, the notebooks and their text, the library build), when it started, which notebooks finished. A job
/// killed anywhere and started again with the same request resumes: the finished notebooks are kept (their
/// executed copies checked byte for byte), the plan is fitted again from the measured costs it saved (so the caps
/// are the same), and the notebooks' <c>LoadOrTrain</c> resume the training runs. Written to a temporary file and
/// renamed, so a kill never leaves half a journal.
/// </summary>
public sealed record JobJournal
{
    /// <summary>Everything that must be equal for a stopped job to be resumed.</summary>
    public required string Request { get; init; }
    public required DateTime Started { get; init; }
    public List<FinishedNotebook> Finished { get; init; } = [];
    public bool Completed { get; set; }

    /// <summary>How many times the job was started again after a stop.</summary>
    public int Restarts { get; set; }

    public static string PathIn(string artifacts) => Path.Combine(artifacts, "main-job.json");

    /// <summary>The request of a job: data root and fingerprint, preset, budget, notebooks with a hash of each
    /// one's text, and this library's build.</summary>
    public static string RequestOf(
        string root,
        string dataFingerprint,
        string? preset,
        double? budgetMinutes,
        IEnumerable<string> notebooks
    ) =>
        JsonSerializer.Serialize(
            new
            {
                root = Path.GetFullPath(root),
                data = dataFingerprint,
                preset = preset ?? Workspace.ModeNames.Of(Workspace.Settings.Current.Preset),
                budget = budgetMinutes,
                notebooks = notebooks.Select(n => $"{Path.GetFileName(n)} {Sha256(n)[..16]}"),
                build = Training.RunReuse.Build,
            }
        );

    /// <summary>The journal in <paramref name="file"/>, or null when there is none or it cannot be read.</summary>
    public static JobJournal? Read(string file)
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<JobJournal>(File.ReadAllText(file)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        string tmp = file + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, file, overwrite: true);
    }

    /// <summary>The finished entry of <paramref name="notebook"/> whose executed copy <paramref name="output"/> is
    /// still the one the job wrote; null when it did not finish or the copy is gone, changed or cut short.</summary>
    public FinishedNotebook? Kept(string notebook, string output)
    {
        var f = Finished.LastOrDefault(f => f.Notebook == Path.GetFileName(notebook));
        return f is not null && File.Exists(output) && Sha256(output) == f.Sha256 ? f : null;
    }

    public void MarkFinished(string notebook, string output, double seconds)
    {
        Finished.RemoveAll(f => f.Notebook == Path.GetFileName(notebook));
        Finished.Add(new FinishedNotebook(Path.GetFileName(notebook), Math.Round(seconds, 1), Sha256(output)));
    }

    public static string Sha256(string file)
    {
        using var fs = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(fs)).ToLowerInvariant();
    }
}
