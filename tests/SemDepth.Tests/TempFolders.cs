using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace SemDepth.Tests;

/// <summary>
/// The tests' scratch folders in the temp folder are named <c>semdepth-WORD-PID...</c> after the test process. They go
/// when that process ends, and a run starts by removing those of processes that are gone (a killed or crashed run
/// leaves its folders behind): without it every run left about 300 MB, and the machine's shared disk filled up.
/// </summary>
static partial class TempFolders
{
    /// <summary>An empty folder <c>semdepth-KIND-PID-NAME</c> in the temp folder, named so that it goes with this
    /// process.</summary>
    public static string Fresh(string kind, string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"semdepth-{kind}-{Environment.ProcessId}-{name}");
        if (Directory.Exists(dir))
            Directory.Delete(dir, true);
        Directory.CreateDirectory(dir);
        return dir;
    }

    [ModuleInitializer]
    internal static void Start()
    {
        foreach (var dir in Ours())
            if (dir.Pid != Environment.ProcessId && !Running(dir.Pid))
                Delete(dir.Path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var dir in Ours())
                if (dir.Pid == Environment.ProcessId)
                    Delete(dir.Path);
        };
    }

    /// <summary>The temp folder's entries named like ours, with the process id in the name.</summary>
    static IEnumerable<(string Path, int Pid)> Ours()
    {
        foreach (var path in Directory.EnumerateDirectories(Path.GetTempPath(), "semdepth-*"))
            if (
                Named().Match(Path.GetFileName(path)) is { Success: true } m
                && int.TryParse(m.Groups[1].Value, out int pid)
            )
                yield return (path, pid);
    }

    static bool Running(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // another run's, or in use
    }

    [GeneratedRegex(@"^semdepth-[a-z]+-(\d+)(?:-.*)?$")]
    private static partial Regex Named();
}
