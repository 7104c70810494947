using System.Diagnostics;
using System.Globalization;

namespace SemDepth.Workspace;

/// <summary>Another process holds the folder: one line naming it.</summary>
public sealed class RunLockedException(string message) : IOException(message);

/// <summary>
/// One process at a time on a run folder (runs/&lt;name&gt;) or on the workspace's main job: an exclusive lock on a
/// file beside the folder (<c>.locks/&lt;name&gt;.lock</c>, held open; the operating system releases it when the
/// process ends, killed or not, so a lock is never stale) and the owner's process id and command in
/// <c>&lt;name&gt;.lock.owner</c> for the message. A second process stops at once with one line naming the first;
/// the same process may take the lock again (a notebook cell run twice), which shares the first hold.
/// </summary>
public sealed class RunLock : IDisposable
{
    static readonly Dictionary<string, (FileStream Stream, int Holds)> Held = new(StringComparer.Ordinal);
    readonly string _path;
    bool _released;

    RunLock(string path) => _path = path;

    /// <summary>The lock file of folder <paramref name="dir"/>.</summary>
    public static string PathOf(string dir)
    {
        string full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(dir));
        return System.IO.Path.Combine(
            System.IO.Path.GetDirectoryName(full)!,
            ".locks",
            System.IO.Path.GetFileName(full) + ".lock"
        );
    }

    /// <summary>Takes the lock of <paramref name="dir"/> for <paramref name="what"/> (said to a second process);
    /// throws <see cref="RunLockedException"/> when another process holds it.</summary>
    public static RunLock Acquire(string dir, string what)
    {
        string path = PathOf(dir);
        lock (Held)
        {
            if (Held.TryGetValue(path, out var mine))
            {
                Held[path] = (mine.Stream, mine.Holds + 1);
                return new RunLock(path);
            }
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                string owner = File.Exists(path + ".owner") ? File.ReadAllText(path + ".owner").Trim() : "";
                throw new RunLockedException(
                    $"{dir} is in use by {(owner.Length > 0 ? owner : "another process")}: wait for it to finish or "
                        + "stop it, or use another name"
                );
            }
            var me = Process.GetCurrentProcess();
            File.WriteAllText(
                path + ".owner",
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"process {me.Id} ({what}, since {DateTime.Now:yyyy-MM-dd HH:mm:ss})"
                )
            );
            Held[path] = (stream, 1);
            return new RunLock(path);
        }
    }

    public void Dispose()
    {
        lock (Held)
        {
            if (_released || !Held.TryGetValue(_path, out var mine))
                return;
            _released = true;
            if (mine.Holds > 1)
            {
                Held[_path] = (mine.Stream, mine.Holds - 1);
                return;
            }
            Held.Remove(_path);
            try
            {
                File.Delete(_path + ".owner");
            }
            catch (IOException) { }
            mine.Stream.Dispose();
        }
    }
}
