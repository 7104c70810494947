using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SemDepth.Workspace;

namespace SemDepth.Torch;

/// <summary>
/// Loads TorchSharp's native shim so that TorchSharp works on every supported Linux, from every entry
/// point (tests, the console, a notebook that <c>#r</c>-loads the library).
/// </summary>
/// <remarks>
/// <para><b>Why this exists (the one place that explains it).</b> TorchSharp 0.107.0's
/// <c>libLibTorchSharp.so</c> was built with GCC 13 and records a version need on
/// <c>GLIBCXX_3.4.32</c>. Debian 12 and Ubuntu 22.04 ship a libstdc++ that stops at
/// <c>GLIBCXX_3.4.30</c>, so the dynamic loader refuses the file, and TorchSharp reports a misleading
/// "doesn't contain a reference to libtorch-cpu-linux-x64". Only one symbol
/// (<c>_ZSt21ios_base_library_initv</c>, emitted by GCC 13's &lt;iostream&gt; with no relocation
/// against it) needs that version. Marking the need as weak (<c>VER_FLG_WEAK</c> in the
/// <c>.gnu.version_r</c> entry) lets glibc load the file with a warning and everything works.</para>
/// <para><b>What it does.</b> If the host's libstdc++ already provides <c>GLIBCXX_3.4.32</c>
/// (Ubuntu 24.04, Debian 13, ...), nothing. Otherwise it copies the shim into a per-user cache
/// (never touching the NuGet package folder), patches the copy, preloads libtorch's libraries by full
/// path, loads the patched copy and tells the runtime to resolve TorchSharp's <c>LibTorchSharp</c>
/// imports to it. Set <c>SEMDEPTH_NATIVE_CACHE</c> to choose the cache folder,
/// <c>SEMDEPTH_NO_NATIVE_PATCH=1</c> to switch the whole thing off.</para>
/// </remarks>
public static class TorchNatives
{
    const string ShimFile = "libLibTorchSharp.so";
    const string NeededVersion = "GLIBCXX_3.4.32";
    static readonly object Gate = new();
    static bool _done;
    static IntPtr _shim;

    /// <summary>What <see cref="EnsureLoaded"/> did, for display and tests.</summary>
    public static string Status { get; private set; } = "not loaded yet";

    /// <summary>NNPACK's availability, said once (<see cref="LibTorch.QuietNnpack"/>).</summary>
    public static string Nnpack { get; private set; } = "not checked yet";

    /// <summary>The patched shim's path when a patch was needed, else null.</summary>
    public static string? PatchedShimPath { get; private set; }

    /// <summary>Idempotent: call before the first torch call. Safe on any OS.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_done)
                return;
            // Done only once the natives are in: a second thread waits on the lock until then
            // (setting the flag first let a parallel test reach TorchSharp's own loader too early).
            NativeHeap.Tune();
            try
            {
                Load();
            }
            finally
            {
                _done = true;
            }
            Nnpack = LibTorch.QuietNnpack(); // after _done: it looks up libtorch's exports
        }
    }

    static void Load()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Status = "not Linux x64: TorchSharp loads its natives itself";
            return;
        }
        if (!Settings.Current.NativePatch)
        {
            Status = "patch disabled by SEMDEPTH_NO_NATIVE_PATCH=1";
            return;
        }
        if (Settings.Current.LibTorchDir is { } external)
        {
            LoadWithExternalLibtorch(external);
            return;
        }
        if (HostHasGlibcxx(NeededVersion))
        {
            Status = $"host libstdc++ has {NeededVersion}: no patch needed";
            return;
        }
        var (shimDir, torchDir) = FindNativeDirs();
        string original = Path.Combine(shimDir, ShimFile);
        string patched = PatchedCopy(original);
        // Preload libtorch by full path: the patched copy lives elsewhere, so its RUNPATH ($ORIGIN)
        // would not find them; the loader then matches the shim's NEEDED entries by soname.
        foreach (var dep in new[] { "libc10.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" })
        {
            var p = Path.Combine(torchDir, dep);
            if (File.Exists(p))
                NativeLibrary.Load(p);
        }
        _shim = NativeLibrary.Load(patched);
        NativeLibrary.SetDllImportResolver(typeof(TorchSharp.torch).Assembly, Resolve);
        PatchedShimPath = patched;
        Status = $"host libstdc++ lacks {NeededVersion}: loaded patched copy {patched} (libtorch from {torchDir})";
    }

    /// <summary>
    /// <c>SEMDEPTH_LIBTORCH_DIR</c>: use the libtorch of another installation (a PyTorch wheel's
    /// <c>torch/lib</c>, for CUDA on a machine without the TorchSharp-cuda package). Its libraries are
    /// preloaded by full path, CUDA ones included, then TorchSharp's shim (patched when the host needs
    /// it). The shim was built against libtorch 2.10: another version works only as far as the C++ ABI
    /// it uses is unchanged; put the folder on LD_LIBRARY_PATH too, so TorchSharp finds torch_cuda.
    /// </summary>
    static void LoadWithExternalLibtorch(string dir)
    {
        foreach (
            var dep in new[] { "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" }
        )
        {
            var p = Path.Combine(dir, dep);
            if (File.Exists(p))
                NativeLibrary.Load(p);
        }
        string original = Path.Combine(FindShimDir(), ShimFile);
        string shim = HostHasGlibcxx(NeededVersion) ? original : PatchedCopy(original);
        _shim = NativeLibrary.Load(shim);
        NativeLibrary.SetDllImportResolver(typeof(TorchSharp.torch).Assembly, Resolve);
        Status = $"libtorch from SEMDEPTH_LIBTORCH_DIR={dir}, shim {shim}";
    }

    static IntPtr Resolve(string name, Assembly asm, DllImportSearchPath? path) =>
        name is "LibTorchSharp" or "libLibTorchSharp" or ShimFile ? _shim : IntPtr.Zero;

    [DllImport("libc", EntryPoint = "dlopen")]
    static extern IntPtr DlOpen(string file, int mode);

    [DllImport("libc", EntryPoint = "dlvsym")]
    static extern IntPtr DlVSym(IntPtr handle, string symbol, string version);

    /// <summary>True when the host's libstdc++.so.6 defines symbols at <paramref name="version"/>.</summary>
    public static bool HostHasGlibcxx(string version)
    {
        try
        {
            IntPtr h = DlOpen(
                "libstdc++.so.6",
                2 /* RTLD_NOW */
            );
            if (h == IntPtr.Zero)
                return false;
            // The one symbol the shim needs at that version.
            return DlVSym(h, "_ZSt21ios_base_library_initv", version) != IntPtr.Zero;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc: patching is the safe choice
        }
    }

    /// <summary>Finds the folder holding the shim and the folder holding libtorch's libraries.</summary>
    static string FindShimDir() => FindNativeDirs(shimOnly: true).shimDir;

    static (string shimDir, string torchDir) FindNativeDirs(bool shimOnly = false)
    {
        var candidates = new List<string>();
        void Add(string? dir)
        {
            if (!string.IsNullOrEmpty(dir))
                candidates.Add(dir);
        }
        string rel = Path.Combine("runtimes", "linux-x64", "native");
        Add(Path.Combine(AppContext.BaseDirectory, rel));
        Add(AppContext.BaseDirectory);
        Add(Path.Combine(Path.GetDirectoryName(typeof(TorchNatives).Assembly.Location) ?? "", rel));
        Add(Path.Combine(Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location) ?? "", rel));
        // The NuGet package folder, read only (notebooks load the library outside its deps.json).
        string nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string tsVersion = typeof(TorchSharp.torch).Assembly.GetName().Version is { } v
            ? $"{v.Major}.{v.Minor}.{v.Build}"
            : "0.107.0";
        Add(Path.Combine(nuget, "torchsharp", tsVersion, rel));
        foreach (var pkg in new[] { "libtorch-cpu-linux-x64", "libtorch-cuda-12.8-linux-x64" })
        {
            var root = Path.Combine(nuget, pkg);
            if (Directory.Exists(root))
                foreach (var d in Directory.GetDirectories(root).OrderDescending())
                    Add(Path.Combine(d, rel));
        }
        string? shim = candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, ShimFile)));
        string? torch = candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")));
        if (shimOnly && shim is not null)
            return (shim, "");
        if (shim is null || torch is null)
            throw new InvalidOperationException(
                $"TorchSharp natives not found (looked for {ShimFile} and libtorch_cpu.so in: "
                    + $"{string.Join(", ", candidates.Distinct())}). "
                    + "Build the library (dotnet build) so they are copied beside it, or restore the "
                    + "TorchSharp-cpu package."
            );
        return (shim, torch);
    }

    /// <summary>Copies <paramref name="original"/> into the cache, patched; reuses an earlier copy.</summary>
    static string PatchedCopy(string original)
    {
        byte[] bytes = File.ReadAllBytes(original);
        string hash = Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
        string cache = Settings.Current.NativeCache
            ?? Path.Combine(
                Environment.GetFolderPath(
                    Environment.SpecialFolder.LocalApplicationData,
                    Environment.SpecialFolderOption.Create
                ),
                "semdepth",
                "natives"
            );
        string dir = Path.Combine(cache, hash);
        string target = Path.Combine(dir, ShimFile);
        if (File.Exists(target))
            return target;
        int changed = ElfVersionPatch.MarkVersionNeedWeak(bytes, NeededVersion);
        if (changed == 0)
            throw new InvalidOperationException(
                $"{original}: no version need on {NeededVersion} to patch; this TorchSharp build is not "
                    + $"the one the workspace knows."
            );
        Directory.CreateDirectory(dir);
        string tmp = target + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, target, overwrite: true); // atomic: concurrent processes see either none or a whole file
        return target;
    }
}

/// <summary>Minimal ELF64 little-endian reader for one edit: flag a version need as weak.</summary>
public static class ElfVersionPatch
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    /// <summary>Sets VER_FLG_WEAK on every <c>.gnu.version_r</c> entry named <paramref name="version"/>;
    /// returns how many entries were changed. Throws on a file that is not ELF64 LE.</summary>
    public static int MarkVersionNeedWeak(byte[] elf, string version)
    {
        var s = elf.AsSpan();
        if (
            s.Length < 64
            || s[0] != 0x7f
            || s[1] != (byte)'E'
            || s[2] != (byte)'L'
            || s[3] != (byte)'F'
            || s[4] != 2
            || s[5] != 1
        )
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(s[0x28..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3A..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3C..]);
        int changed = 0;
        for (int i = 0; i < shnum; i++)
        {
            var sh = s[(int)(shoff + (ulong)(i * shentsize))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed)
                continue;
            ulong off = BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            uint link = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]); // string table section
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]); // sh_info: number of Verneed
            var strSh = s[(int)(shoff + (ulong)(link * shentsize))..];
            ulong strOff = BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x18..]);
            ulong vn = off;
            for (uint k = 0; k < count; k++)
            {
                ushort cnt = BinaryPrimitives.ReadUInt16LittleEndian(s[(int)(vn + 2)..]);
                uint aux = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(vn + 8)..]);
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(vn + 12)..]);
                ulong va = vn + aux;
                for (int j = 0; j < cnt; j++)
                {
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(va + 8)..]);
                    if (ReadCString(s, (int)(strOff + name)) == version)
                    {
                        var flags = s[(int)(va + 4)..]; // Elf64_Vernaux: hash(4) flags(2) other(2) name(4) next(4)
                        BinaryPrimitives.WriteUInt16LittleEndian(
                            flags,
                            (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(flags) | VerFlgWeak)
                        );
                        changed++;
                    }
                    uint vnaNext = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(va + 12)..]);
                    if (vnaNext == 0)
                        break;
                    va += vnaNext;
                }
                if (next == 0)
                    break;
                vn += next;
            }
        }
        return changed;
    }

    static string ReadCString(ReadOnlySpan<byte> s, int at)
    {
        int end = s[at..].IndexOf((byte)0);
        return System.Text.Encoding.ASCII.GetString(s.Slice(at, end));
    }
}
