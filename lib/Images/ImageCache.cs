using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using System.Text;

namespace SemDepth.Images;

/// <summary>
/// Decodes a list of PNG files once into one cache file per split and memory-maps it on later runs.
/// The cache is keyed by a fingerprint of the file list and the modification times of their folders:
/// adding, removing or renaming a file (or regenerating the data root) rebuilds it.
/// Files are written to a temporary name and renamed, so a crash never leaves a broken cache.
/// </summary>
public static class ImageCache
{
    const string Magic = "SEMDCACH";
    const int HeaderBytes = 64;

    /// <summary>The cache folder for a data root: SEMDEPTH_CACHE, else artifacts/cache/ of the workspace.</summary>
    public static string DirFor(string dataRoot)
    {
        string baseDir = Workspace.Settings.Current.Cache ?? Path.Combine(Workspace.Paths.Artifacts, "cache");
        string key = Convert
            .ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataRoot))))[..12]
            .ToLowerInvariant();
        return Path.Combine(baseDir, Path.GetFileName(Path.GetFullPath(dataRoot).TrimEnd('/')) + "-" + key);
    }

    /// <summary>Fingerprint of a file list: names, order and their folders' modification times.
    /// One hash over one buffer (per-path hashing calls dominated a cached reload); a folder is looked
    /// up only when it differs from the previous file's (the lists run folder by folder).</summary>
    public static string Fingerprint(IReadOnlyList<string> files)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buf = new byte[1 << 20];
        int used = 0;
        void Add(ReadOnlySpan<char> s)
        {
            if (used + Encoding.UTF8.GetMaxByteCount(s.Length + 1) > buf.Length)
            {
                h.AppendData(buf, 0, used);
                used = 0;
            }
            used += Encoding.UTF8.GetBytes(s, buf.AsSpan(used));
            buf[used++] = (byte)'\n';
        }
        var dirs = new HashSet<string>(StringComparer.Ordinal);
        string prev = "";
        foreach (var f in files)
        {
            Add(f);
            int cut = f.LastIndexOf(Path.DirectorySeparatorChar);
            var dir = cut < 0 ? "" : f.AsSpan(0, cut);
            if (!dir.SequenceEqual(prev))
            {
                prev = dir.ToString();
                dirs.Add(prev);
            }
        }
        foreach (var d in dirs.Order(StringComparer.Ordinal))
            Add(Directory.GetLastWriteTimeUtc(d).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        h.AppendData(buf, 0, used);
        return Convert.ToHexString(h.GetHashAndReset())[..16].ToLowerInvariant();
    }

    /// <summary>Loads a split from its cache file, decoding <paramref name="files"/> first when the
    /// cache is absent or stale. Decoding errors name the file.</summary>
    public static ImageSet Load(
        string cacheDir,
        string split,
        IReadOnlyList<string> files,
        IProgress<string>? log = null
    )
    {
        string fp = Fingerprint(files);
        string path = Path.Combine(cacheDir, $"{split}.u8");
        if (!IsValid(path, fp, files.Count))
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            Build(path, fp, files, new Workspace.WorkCounter(log, $"decode {split}", files.Count));
            log?.Report($"cache {split}: decoded {files.Count:N0} images in {sw.Elapsed.TotalSeconds:F1} s -> {path}");
        }
        return new ImageSet(path, files.Count, HeaderBytes);
    }

    static bool IsValid(string path, string fp, int count)
    {
        if (!File.Exists(path))
            return false;
        using var fs = File.OpenRead(path);
        if (fs.Length != HeaderBytes + (long)count * Geometry.Pixels)
            return false;
        var head = new byte[HeaderBytes];
        fs.ReadExactly(head);
        return Encoding.ASCII.GetString(head, 0, 8) == Magic
            && BitConverter.ToInt32(head, 8) == count
            && Encoding.ASCII.GetString(head, 12, 16) == fp;
    }

    static unsafe void Build(string path, string fp, IReadOnlyList<string> files, Workspace.WorkCounter counter)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string tmp = path + "." + Environment.ProcessId + ".tmp";
        long size = HeaderBytes + (long)files.Count * Geometry.Pixels;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite))
            {
                var head = new byte[HeaderBytes];
                Encoding.ASCII.GetBytes(Magic).CopyTo(head, 0);
                BitConverter.GetBytes(files.Count).CopyTo(head, 8);
                Encoding.ASCII.GetBytes(fp).CopyTo(head, 12);
                fs.Write(head);
                fs.SetLength(size);
            }
            if (files.Count > 0)
            {
                using var map = MemoryMappedFile.CreateFromFile(
                    tmp,
                    FileMode.Open,
                    null,
                    0,
                    MemoryMappedFileAccess.ReadWrite
                );
                using var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.ReadWrite);
                byte* p = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
                try
                {
                    byte* basePtr = p + view.PointerOffset + HeaderBytes;
                    Parallel.For(0, files.Count, i =>
                    {
                        Png8.Read(files[i], new Span<byte>(basePtr + (long)i * Geometry.Pixels, Geometry.Pixels));
                        counter.Add();
                    });
                    view.Flush();
                }
                finally
                {
                    view.SafeMemoryMappedViewHandle.ReleasePointer();
                }
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (AggregateException ae) when (ae.InnerExceptions.OfType<ImageFormatProblem>().Any())
        {
            File.Delete(tmp);
            throw ae
                .InnerExceptions.OfType<ImageFormatProblem>()
                .OrderBy(e => e.FilePath, StringComparer.Ordinal)
                .First();
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }
}
