using System.Text.Json;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Training;
using SemDepth.Translation;
using SemDepth.Workspace;

namespace SemDepth.Methods;

/// <summary>One short CycleGAN of a selection: its seed, its run folder's name under runs/ and the held-out site MAE
/// of retrieval restyled and translated by it (NaN where a selection of one did not score).</summary>
public sealed record CycleGanCandidate(int Seed, string Run, double SiteMae, bool Chosen);

/// <summary>
/// Several short CycleGANs, one chosen by the figure a real-download user can compute: each candidate (another seed)
/// trains in runs/&lt;name&gt;-seed&lt;S&gt;, restyles the library and translates the held-out train images of
/// <c>auto</c>'s site sample; the one whose found maps (each query's own top-1, as found, the cases of the images'
/// folders) come closest to average_depth.csv is copied to runs/&lt;name&gt;, with selection.json saying why. On a CPU
/// the 80-step CycleGAN is a draw (the quick preset: 2.60-7.23 test RMSE over six seeds, held-out site MAE 0.17-0.60
/// in the same order but for one near tie; docs/benchmarks.md), so a choice among three pays more than more steps.
/// </summary>
public static class CycleGanSelection
{
    /// <summary>The file in the chosen run folder that lists every candidate.</summary>
    public const string FileName = "selection.json";

    // NaN (a selection of one) is written as "NaN"
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Sites a folder of the held-out sample that scores the candidates (<c>auto</c>'s sample).</summary>
    public const int SitesPerFolder = 50;

    /// <summary>Trains (or reuses) <paramref name="candidates"/> CycleGANs of <paramref name="options"/> with seeds
    /// Seed, Seed + 1, ..., scores each and installs the best as runs/&lt;Name&gt;. The returned trainer is the
    /// chosen candidate's (its own run folder); the caller disposes it.</summary>
    public static (CycleGanTrainer Chosen, IReadOnlyList<CycleGanCandidate> Candidates) TrainAndChoose(
        CycleGanOptions options,
        int candidates,
        SemData d,
        IProgress<TrainProgress>? progress = null
    )
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 1);
        var sample = SavedMethods.SiteSample(d.DataSet, SitesPerFolder);
        CycleGanTrainer? best = null;
        double bestMae = double.NaN;
        var scored = new List<(int Seed, string Run, double Mae)>();
        try
        {
            for (int i = 0; i < candidates; i++)
            {
                int seed = options.Seed + i;
                var o = options with { Seed = seed, Name = $"{options.Name}-seed{seed}" };
                var t = CycleGanTrainer.LoadOrTrain(o, d, progress);
                double mae;
                try
                {
                    mae = candidates == 1 || sample.Count == 0 ? double.NaN : ScoreOrReuse(t, d, sample);
                }
                catch
                {
                    t.Dispose();
                    throw;
                }
                scored.Add((seed, t.RunDir, mae));
                if (best is null || mae < bestMae)
                {
                    best?.Dispose();
                    (best, bestMae) = (t, mae);
                }
                else
                    t.Dispose();
            }
            var rows = scored
                .Select(x => new CycleGanCandidate(x.Seed, Path.GetFileName(x.Run), x.Mae, x.Run == best!.RunDir))
                .ToList();
            Install(best!.RunDir, Path.Combine(Paths.Runs, options.Name), rows);
            var chosen = best;
            best = null;
            return (chosen, rows);
        }
        finally
        {
            best?.Dispose();
        }
    }

    /// <summary>The held-out site MAE of retrieval with <paramref name="t"/>'s generators: the library restyled, the
    /// queries of <paramref name="sample"/> searched in the case of their folder, each query's own top-1 as found.
    /// </summary>
    public static double Score(CycleGanTrainer t, SemData d, IReadOnlyList<int> sample)
    {
        using var library = RetrievalLibrary.Build(
            d,
            t.GenSimToReal,
            SavedMethods.DefaultRetrieval(d),
            genRealToSim: t.GenRealToSim
        );
        var search = new RetrievalPredictor("cyclegan selection", library, d, new TrainFolderCases(d.DataSet));
        return HeldOutMae(search, d, sample);
    }

    /// <summary>The file in a candidate's run folder that keeps its score and what it was computed from.</summary>
    public const string ScoreFile = "heldout-score.json";

    /// <summary>A candidate's score and the key of what decided it (<see cref="ScoreKey"/>).</summary>
    public sealed record CachedScore(string Key, double SiteMae);

    /// <summary><see cref="Score"/>, or the score kept in the candidate's <see cref="ScoreFile"/> when it was computed
    /// from the same checkpoint, data, sample, search and build (a killed main job does not score its candidates again:
    /// about two minutes on the full preset).</summary>
    public static double ScoreOrReuse(CycleGanTrainer t, SemData d, IReadOnlyList<int> sample)
    {
        string file = Path.Combine(t.RunDir, ScoreFile);
        string key = ScoreKey(t.RunDir, d, sample);
        try
        {
            if (File.Exists(file) && JsonSerializer.Deserialize<CachedScore>(File.ReadAllText(file), Json) is { } kept)
                if (kept.Key == key && double.IsFinite(kept.SiteMae))
                    return kept.SiteMae;
        }
        catch (JsonException) { } // a damaged file is scored again and rewritten
        double mae = Score(t, d, sample);
        string tmp = $"{file}.tmp-{Environment.ProcessId}";
        File.WriteAllText(tmp, JsonSerializer.Serialize(new CachedScore(key, mae), Json));
        File.Move(tmp, file, overwrite: true);
        return mae;
    }

    /// <summary>What a candidate's score depends on, hashed: its checkpoint (state and weights), the data's
    /// fingerprint, the sample, the search's options and this build of the library.</summary>
    public static string ScoreKey(string runDir, SemData d, IReadOnlyList<int> sample)
    {
        string ck = RunNames.CheckpointOf(runDir);
        var weights = new FileInfo(Path.Combine(ck, Checkpoint.ModelFile));
        string text = string.Join(
            "\n",
            File.ReadAllText(Path.Combine(ck, Checkpoint.StateFile)),
            $"{weights.Length} {weights.LastWriteTimeUtc.Ticks}",
            d.Fingerprint,
            string.Join(",", sample),
            SavedMethods.DefaultRetrieval(d).ToJson(),
            RunReuse.Build
        );
        return Convert.ToHexString(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))
        );
    }

    /// <summary>The site-average MAE of <paramref name="search"/>'s own top-1 for each train image of
    /// <paramref name="sample"/>, the map as found: what a real-download user can compute of a retrieval.</summary>
    public static double HeldOutMae(RetrievalPredictor search, SemData d, IReadOnlyList<int> sample)
    {
        var found = search.Search(d.Train, sample);
        var maps = new byte[sample.Count * Geometry.Pixels];
        for (int q = 0; q < sample.Count; q++)
            search.Place(found[q][0], maps.AsSpan(q * Geometry.Pixels, Geometry.Pixels), shiftBack: false);
        return SiteAverages.Mae(d.DataSet, sample, maps);
    }

    /// <summary>The candidates of the selection installed at <paramref name="runDir"/> (empty when it was trained
    /// alone).</summary>
    public static IReadOnlyList<CycleGanCandidate> Read(string runDir)
    {
        string file = Path.Combine(runDir, FileName);
        return File.Exists(file)
            ? JsonSerializer.Deserialize<List<CycleGanCandidate>>(File.ReadAllText(file), Json) ?? []
            : [];
    }

    /// <summary>Copies the chosen run to <paramref name="target"/> through a temporary folder and one rename, under
    /// the target's run lock: a process killed mid-copy leaves the earlier target or none, never half of one.
    /// </summary>
    static void Install(string chosen, string target, IReadOnlyList<CycleGanCandidate> rows)
    {
        using var hold = RunLock.Acquire(target, "installing the chosen CycleGAN");
        string temp = $"{target}.installing-{Environment.ProcessId}";
        if (Directory.Exists(temp))
            Directory.Delete(temp, recursive: true);
        CopyTree(chosen, temp);
        File.WriteAllText(Path.Combine(temp, FileName), JsonSerializer.Serialize(rows, Json));
        if (Directory.Exists(target))
            Directory.Delete(target, recursive: true);
        Directory.Move(temp, target);
    }

    static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
