using System.Text;
using SemDepth.Images;

namespace SemDepth.Data;

/// <summary>
/// The scanned layout of a data root (every simulated pair, train and test image, the CSV), saved in the root's cache
/// folder so that reopening an unchanged root skips the folder scan. The index is trusted only while the modification
/// time of every folder of the layout and of average_depth.csv (with its length) is what it was: adding, removing or
/// renaming a file or folder anywhere changes its parent folder's time, and a stale index is rescanned and rewritten.
/// <see cref="DaconDataSet.Validate"/> always scans.
/// </summary>
static class LayoutIndex
{
    const string Magic = "SEMDLAY1";

    public static string PathFor(string root) => Path.Combine(ImageCache.DirFor(root), "layout.idx");

    /// <summary>The folders whose times guard the index: the root and every ancestor folder of every file.</summary>
    static SortedSet<string> GuardDirs(DaconDataSet ds)
    {
        var dirs = new SortedSet<string>(StringComparer.Ordinal) { ds.Root };
        void AddWithParents(string file)
        {
            for (
                string? d = Path.GetDirectoryName(file);
                d is not null && d.Length > ds.Root.Length && dirs.Add(d);
                d = Path.GetDirectoryName(d)
            ) { }
        }
        foreach (var p in ds.Sim)
        {
            AddWithParents(p.Itr0Path);
            AddWithParents(p.DepthPath);
        }
        foreach (var t in ds.Train)
            AddWithParents(t.Path);
        foreach (var t in ds.Test)
            AddWithParents(t.Path);
        foreach (var need in new[] { DaconNames.Simulation, DaconNames.Train, DaconNames.Test })
            if (Directory.Exists(Path.Combine(ds.Root, need)))
                dirs.Add(Path.Combine(ds.Root, need)); // empty top folders too
        return dirs;
    }

    static (long Ticks, long Length) CsvStamp(string root)
    {
        var f = new FileInfo(DaconNames.CsvPath(root));
        return f.Exists ? (f.LastWriteTimeUtc.Ticks, f.Length) : (0, -1);
    }

    /// <summary>Saves the layout (best effort: a read-only cache only costs the next open a scan).</summary>
    public static void Write(DaconDataSet ds)
    {
        string path = PathFor(ds.Root),
            tmp = path + "." + Environment.ProcessId + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var w = new BinaryWriter(File.Create(tmp), Encoding.UTF8))
            {
                w.Write(Magic);
                w.Write(ds.Root);
                var dirs = GuardDirs(ds);
                w.Write(dirs.Count);
                foreach (var d in dirs)
                {
                    w.Write(d);
                    w.Write(Directory.GetLastWriteTimeUtc(d).Ticks);
                }
                var (ticks, length) = CsvStamp(ds.Root);
                w.Write(ticks);
                w.Write(length);
                w.Write(ds.Sim.Count);
                foreach (var p in ds.Sim)
                {
                    w.Write((byte)p.Case);
                    w.Write(p.SubFolder);
                    w.Write(p.Base);
                }
                w.Write(ds.Train.Count);
                foreach (var t in ds.Train)
                {
                    w.Write((byte)t.Case);
                    w.Write(t.Site);
                    w.Write(t.Name);
                }
                w.Write(ds.Test.Count);
                foreach (var t in ds.Test)
                    w.Write(t.Name);
                w.Write(ds.AverageDepth.Count);
                foreach (var (k, v) in ds.AverageDepth)
                {
                    w.Write(k);
                    w.Write(v);
                }
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(tmp);
            }
            catch (IOException) { }
        }
    }

    /// <summary>The saved layout when it is still current, else null.</summary>
    public static (
        List<SimPair> Sim,
        List<TrainImage> Train,
        List<TestImage> Test,
        Dictionary<string, double> Avg
    )? TryRead(string root)
    {
        string path = PathFor(root);
        if (!File.Exists(path))
            return null;
        try
        {
            using var r = new BinaryReader(new BufferedStream(File.OpenRead(path), 1 << 20), Encoding.UTF8);
            if (r.ReadString() != Magic || r.ReadString() != root)
                return null;
            int nd = r.ReadInt32();
            for (int i = 0; i < nd; i++)
            {
                string d = r.ReadString();
                long t = r.ReadInt64();
                if (!Directory.Exists(d) || Directory.GetLastWriteTimeUtc(d).Ticks != t)
                    return null;
            }
            if ((r.ReadInt64(), r.ReadInt64()) != CsvStamp(root))
                return null;
            // Folder strings are made once per folder, not once per file (the records were 10x slower).
            var dirs = new Dictionary<(int, string, int), string>();
            string Dir(int kind, int c, string name) =>
                dirs.TryGetValue((kind, name, c), out var d)
                    ? d
                    : dirs[(kind, name, c)] =
                        kind switch
                        {
                            0 => DaconNames.SimSemDir(root, c, name),
                            1 => DaconNames.SimDepthDir(root, c, name),
                            _ => DaconNames.TrainSiteDir(root, c, name),
                        } + Path.DirectorySeparatorChar;
            var sim = new List<SimPair>(r.ReadInt32());
            for (int i = sim.Capacity; i > 0; i--)
            {
                int c = r.ReadByte();
                string sub = r.ReadString(),
                    b = r.ReadString();
                string semDir = Dir(0, c, sub);
                sim.Add(
                    new SimPair(
                        c,
                        sub,
                        b,
                        string.Concat(Dir(1, c, sub), b, ".png"),
                        string.Concat(semDir, b, "_itr0.png"),
                        string.Concat(semDir, b, "_itr1.png")
                    )
                );
            }
            var train = new List<TrainImage>(r.ReadInt32());
            for (int i = train.Capacity; i > 0; i--)
            {
                int c = r.ReadByte();
                string site = r.ReadString(),
                    name = r.ReadString();
                train.Add(new TrainImage(c, site, name, Dir(2, c, site) + name));
            }
            var test = new List<TestImage>(r.ReadInt32());
            string testDir = DaconNames.TestDir(root) + Path.DirectorySeparatorChar;
            for (int i = test.Capacity; i > 0; i--)
            {
                string name = r.ReadString();
                test.Add(new TestImage(name, testDir + name));
            }
            int na = r.ReadInt32();
            var avg = new Dictionary<string, double>(na, StringComparer.Ordinal);
            for (int i = 0; i < na; i++)
                avg[r.ReadString()] = r.ReadDouble();
            return (sim, train, test, avg);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or FormatException)
        {
            return null; // damaged index: rescan
        }
    }
}
