using System.Reflection;
using System.Runtime.InteropServices;

namespace SemDepth.Pictures;

/// <summary>
/// Finds SkiaSharp's and HarfBuzzSharp's native libraries (ScottPlot draws with them) from every
/// entry point. An app or test host finds them through its deps.json; a notebook that <c>#r</c>-loads
/// the library does not probe <c>runtimes/&lt;rid&gt;/native</c>, so this resolver looks there (and
/// beside the DLLs) before falling back to the default search.
/// </summary>
public static class SkiaNatives
{
    static readonly object Gate = new();
    static bool _done;

    /// <summary>Idempotent: call before the first drawing call.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_done)
                return;
            _done = true;
            Register(typeof(SkiaSharp.SKCanvas).Assembly, "libSkiaSharp");
            Register(typeof(HarfBuzzSharp.Blob).Assembly, "libHarfBuzzSharp");
        }
    }

    static void Register(Assembly asm, string lib)
    {
        try
        {
            NativeLibrary.SetDllImportResolver(asm, (name, a, path) =>
            {
                if (!name.Contains(lib.Replace("lib", ""), StringComparison.OrdinalIgnoreCase))
                    return IntPtr.Zero;
                foreach (var candidate in Candidates(a, lib))
                    if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var h))
                        return h;
                return IntPtr.Zero; // default probing (deps.json, LD_LIBRARY_PATH)
            });
        }
        catch (InvalidOperationException)
        {
            // a resolver is already set for this assembly (the host's own): it knows best
        }
    }

    static IEnumerable<string> Candidates(Assembly a, string lib)
    {
        string dir = Path.GetDirectoryName(a.Location) ?? AppContext.BaseDirectory;
        string file =
            OperatingSystem.IsWindows() ? lib[3..] + ".dll"
            : OperatingSystem.IsMacOS() ? lib + ".dylib"
            : lib + ".so";
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string os =
            OperatingSystem.IsWindows() ? "win"
            : OperatingSystem.IsMacOS() ? "osx"
            : IsMusl() ? "linux-musl"
            : "linux";
        yield return Path.Combine(dir, file);
        yield return Path.Combine(dir, "runtimes", $"{os}-{arch}", "native", file);
        if (OperatingSystem.IsMacOS())
            yield return Path.Combine(dir, "runtimes", "osx", "native", file);
    }

    static bool IsMusl() =>
        OperatingSystem.IsLinux()
        && !File.Exists("/lib/x86_64-linux-gnu/libc.so.6")
        && Directory.GetFiles("/lib", "ld-musl-*").Length > 0;
}
