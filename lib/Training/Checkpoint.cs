using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>A checkpoint that cannot be written or read; the message names the file and the problem.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A checkpoint folder: model weights, optimizer state, the epoch reached and the options that made
/// it, with a manifest (length and SHA-256 of every file) in state.json, which is written last.
/// <para>
/// Crash safety. A save writes <c>checkpoint.new/</c> completely and flushes every file and the folder
/// to disk; then <c>checkpoint/</c> becomes <c>checkpoint.old/</c>, <c>checkpoint.new/</c> becomes
/// <c>checkpoint/</c>, and <c>checkpoint.old/</c> is deleted. At every instant one complete checkpoint
/// exists under one of the three names, and opening a run (<see cref="Recover"/>) puts the newest complete
/// one back in place, says so, and removes the leftovers. A failed save (full disk, read-only folder)
/// removes its partial folder and leaves the previous checkpoint untouched.
/// </para>
/// </summary>
public static class Checkpoint
{
    public const string ModelFile = "model.bin",
        OptimizerFile = "optimizer.bin",
        StateFile = "state.json",
        OptionsFile = "options.json";

    /// <summary>The model kind state.json names for the case classifier.</summary>
    public const string ClassifierKind = "classifier";

    /// <summary>The model kind state.json names for a CycleGAN (every case's generators and critics).</summary>
    public const string CycleGanKind = "cyclegan";

    /// <summary>The model kinds of the depth networks: their <see cref="Models.DepthNetwork"/> names, "ae" and
    /// "unet".</summary>
    public static readonly IReadOnlyList<string> DepthKinds = [.. Workspace.ModeNames.All<Models.DepthNetwork>()];

    /// <summary>Length and SHA-256 (hex) of one file of a checkpoint.</summary>
    public sealed record FileEntry(long Length, string Sha256);

    /// <summary>What state.json holds. <see cref="Files"/> is null in checkpoints written before the
    /// manifest.</summary>
    public sealed record State(int Epoch, string Kind, DateTime SavedUtc, Dictionary<string, FileEntry>? Files = null);

    /// <summary>Where recovery messages go (standard error by default; tests capture them).</summary>
    public static Action<string> Log { get; set; } = m => Console.Error.WriteLine(m);

    /// <summary>Test seam: called with each file name just before it is written (throw to simulate a
    /// failing disk). Null in normal use.</summary>
    internal static Action<string>? BeforeWrite { get; set; }

    static string NewDir(string dir) => dir + ".new";

    static string OldDir(string dir) => dir + ".old";

    public static void Save(
        string dir,
        nn.Module model,
        optim.Optimizer? optimizer,
        int epoch,
        string kind,
        string optionsJson
    ) => Save(dir, model, optimizer is null ? [] : [(OptimizerFile, optimizer)], epoch, kind, optionsJson);

    /// <summary>A checkpoint with several optimizers, each in its own file (CycleGAN: G and D).</summary>
    public static void Save(
        string dir,
        nn.Module model,
        IReadOnlyList<(string File, optim.Optimizer Optimizer)> optimizers,
        int epoch,
        string kind,
        string optionsJson
    )
    {
        dir = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        string fresh = NewDir(dir);
        try
        {
            if (Directory.Exists(fresh))
                Directory.Delete(fresh, true);
            Directory.CreateDirectory(fresh);
            var files = new Dictionary<string, FileEntry>(StringComparer.Ordinal);
            Write(fresh, ModelFile, files, p => model.save(p));
            foreach (var (file, optimizer) in optimizers)
                if (optimizer is TorchSharp.Modules.OptimizerHelper oh)
                    Write(fresh, file, files, p => oh.save_state_dict(p));
            Write(fresh, OptionsFile, files, p => File.WriteAllText(p, optionsJson));
            // state.json last: a folder without it is incomplete.
            var state = new State(epoch, kind, DateTime.UtcNow, files);
            Write(fresh, StateFile, null, p => File.WriteAllText(p, JsonSerializer.Serialize(state)));
            SyncDirectory(fresh);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(fresh);
            string previous = Verify(dir) is null
                ? $"the previous checkpoint (epoch {ReadStateFile(dir).Epoch}) is unchanged"
                : "there was no previous checkpoint";
            throw new CheckpointException($"could not write checkpoint {dir}: {e.Message}; {previous}", e);
        }
        Swap(dir, fresh);
    }

    /// <summary>Puts the complete <paramref name="fresh"/> folder in place of <paramref name="dir"/>.</summary>
    static void Swap(string dir, string fresh)
    {
        string old = OldDir(dir),
            parent = Path.GetDirectoryName(dir)!;
        if (Directory.Exists(dir))
        {
            if (Directory.Exists(old))
                Directory.Delete(old, true);
            Directory.Move(dir, old);
            SyncDirectory(parent);
            Directory.Move(fresh, dir);
            SyncDirectory(parent);
            Directory.Delete(old, true);
        }
        else
        {
            Directory.Move(fresh, dir);
            SyncDirectory(parent);
        }
    }

    static void Write(string folder, string name, Dictionary<string, FileEntry>? manifest, Action<string> write)
    {
        string path = Path.Combine(folder, name);
        BeforeWrite?.Invoke(name);
        write(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        fs.Flush(flushToDisk: true);
        if (manifest is null)
            return;
        fs.Position = 0;
        manifest[name] = new FileEntry(fs.Length, Convert.ToHexString(SHA256.HashData(fs)).ToLowerInvariant());
    }

    /// <summary>Null when <paramref name="dir"/> holds a complete checkpoint; else what is wrong.</summary>
    public static string? Verify(string dir)
    {
        if (!Directory.Exists(dir))
            return "missing";
        string statePath = Path.Combine(dir, StateFile);
        if (!File.Exists(statePath))
            return $"{statePath} is missing (the save did not finish)";
        State state;
        try
        {
            state = ReadStateFile(dir);
        }
        catch (CheckpointException e)
        {
            return e.Message;
        }
        foreach (var (name, entry) in state.Files ?? [])
        {
            string f = Path.Combine(dir, name);
            if (!File.Exists(f))
                return $"{f} is missing";
            long len = new FileInfo(f).Length;
            if (len != entry.Length)
                return $"{f} is {len} bytes, the manifest says {entry.Length} (truncated or replaced)";
            using var fs = File.OpenRead(f);
            if (Convert.ToHexString(SHA256.HashData(fs)).ToLowerInvariant() != entry.Sha256)
                return $"{f} does not match its SHA-256 in the manifest (corrupt)";
        }
        return null;
    }

    /// <summary>
    /// Makes <paramref name="dir"/> hold the newest complete checkpoint after a crash: when it is missing
    /// or incomplete, a complete <c>.new</c> (the save had finished writing) or else <c>.old</c> (the
    /// previous one) is moved into place; leftovers are removed. Returns what it did, or null when there
    /// was nothing to do. Throws <see cref="CheckpointException"/> when no complete checkpoint exists.
    /// </summary>
    public static string? Recover(string dir)
    {
        dir = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        string fresh = NewDir(dir),
            old = OldDir(dir);
        bool hasNew = Directory.Exists(fresh),
            hasOld = Directory.Exists(old);
        string? mainProblem = Verify(dir);
        if (mainProblem is null)
        {
            if (!hasNew && !hasOld)
                return null;
            TryDelete(fresh);
            TryDelete(old);
            return $"{dir}: removed leftovers of a save that was interrupted ({Leftovers(hasNew, hasOld)}); the "
                + $"checkpoint itself was complete";
        }
        foreach (
            var (candidate, what) in new[]
            {
                (fresh, "the save that was interrupted had finished writing"),
                (old, "the previous checkpoint"),
            }
        )
        {
            if (!Directory.Exists(candidate) || Verify(candidate) is not null)
                continue;
            if (Directory.Exists(dir))
                Directory.Delete(dir, true);
            Directory.Move(candidate, dir);
            SyncDirectory(Path.GetDirectoryName(dir)!);
            TryDelete(fresh);
            TryDelete(old);
            int epoch = ReadStateFile(dir).Epoch;
            return $"{dir}: recovered the checkpoint of epoch {epoch} from {Path.GetFileName(candidate)}/ ({what}); "
                + $"{Path.GetFileName(dir)}/ was "
                + $"{(mainProblem == "missing" ? "missing" : "incomplete: " + mainProblem)}";
        }
        if (mainProblem == "missing" && !hasNew && !hasOld)
            throw new CheckpointException($"{dir}: no checkpoint here (train first, or check the run name)");
        throw new CheckpointException(
            $"{dir}: no complete checkpoint: {mainProblem}"
                + (hasNew || hasOld ? $" ({Leftovers(hasNew, hasOld)} incomplete too)" : "")
        );
    }

    static string Leftovers(bool hasNew, bool hasOld) =>
        string.Join(
            " and ",
            new[] { hasNew ? "checkpoint.new/" : null, hasOld ? "checkpoint.old/" : null }.OfType<string>()
        );

    /// <summary>Reads state.json after <see cref="Recover"/> (which it reports through <see cref="Log"/>);
    /// with <paramref name="expectedKinds"/>, a checkpoint of another model kind is an error naming it.</summary>
    public static State ReadState(string dir, params string[] expectedKinds)
    {
        if (Recover(dir) is { } message)
            Log(message);
        var state = ReadStateFile(dir);
        if (expectedKinds.Length > 0 && !expectedKinds.Contains(state.Kind))
            throw new CheckpointException(
                $"{Path.Combine(dir, StateFile)}: this is a '{state.Kind}' checkpoint, not "
                    + $"{string.Join(" or ", expectedKinds.Select(k => $"'{k}'"))}"
            );
        return state;
    }

    static State ReadStateFile(string dir)
    {
        string f = Path.Combine(dir, StateFile);
        if (!File.Exists(f))
            throw new CheckpointException($"{dir} is not a checkpoint (no {StateFile})");
        try
        {
            var state = JsonSerializer.Deserialize<State>(File.ReadAllText(f));
            if (state is null || string.IsNullOrEmpty(state.Kind))
                throw new CheckpointException($"{f}: empty or without a model kind");
            return state;
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{f}: not a valid state file ({e.Message})", e);
        }
    }

    public static string ReadOptions(string dir)
    {
        string f = Path.Combine(dir, OptionsFile);
        if (!File.Exists(f))
            throw new CheckpointException($"{f} is missing");
        return File.ReadAllText(f);
    }

    /// <summary>Reads and parses the options file; a truncated or foreign file is an error naming it.</summary>
    public static T ReadOptions<T>(string dir, Func<string, T> parse)
    {
        string f = Path.Combine(dir, OptionsFile);
        try
        {
            return parse(ReadOptions(dir));
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new CheckpointException($"{f}: not valid {typeof(T).Name} ({e.Message})", e);
        }
    }

    /// <summary>Loads the weights; a file that is truncated or made by another network is an error naming it.</summary>
    public static void LoadModel(string dir, nn.Module model)
    {
        string f = Path.Combine(dir, ModelFile);
        if (!File.Exists(f))
            throw new CheckpointException($"{f} is missing");
        try
        {
            model.load(f);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException(
                $"{f}: cannot be loaded into a {model.GetType().Name} ({FirstLine(e.Message)})",
                e
            );
        }
    }

    public static void LoadOptimizer(string dir, optim.Optimizer optimizer, string file = OptimizerFile)
    {
        if (optimizer is not TorchSharp.Modules.OptimizerHelper oh)
            return;
        string f = Path.Combine(dir, file);
        if (!File.Exists(f))
            throw new CheckpointException($"{f} is missing");
        try
        {
            oh.load_state_dict(f);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException($"{f}: cannot be loaded into this optimizer ({FirstLine(e.Message)})", e);
        }
    }

    static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { /* a leftover is removed on the next open */
        }
    }

    /// <summary>fsync of a folder, so that the renames in it survive a power cut (Linux and macOS;
    /// elsewhere a no-op).</summary>
    static void SyncDirectory(string dir)
    {
        if (OperatingSystem.IsWindows())
            return;
        int fd = open(
            dir,
            0 /* O_RDONLY */
        );
        if (fd < 0)
            return;
        fsync(fd);
        close(fd);
    }

    [DllImport("libc", SetLastError = true)]
    static extern int open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    static extern int fsync(int fd);

    [DllImport("libc")]
    static extern int close(int fd);
}
