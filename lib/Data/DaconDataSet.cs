using System.Globalization;
using CsvHelper;

namespace SemDepth.Data;

/// <summary>
/// The Dacon data set read from one root folder, in its exact layout (see data/README.md).
/// <see cref="Open"/> scans names and folders (fast, no decoding) and throws a
/// <see cref="DataSetException"/> listing every layout problem; <see cref="Validate"/> also decodes
/// every image.
/// </summary>
public sealed class DaconDataSet
{
    public string Root { get; }
    public IReadOnlyList<SimPair> Sim { get; }
    public IReadOnlyList<TrainImage> Train { get; }
    public IReadOnlyList<TestImage> Test { get; }

    /// <summary>Site average depth by CSV key (depth_110_site_00000).</summary>
    public IReadOnlyDictionary<string, double> AverageDepth { get; }

    /// <summary>True when the synthetic set's hidden truth folder is present.</summary>
    public bool HasTruth => Directory.Exists(Path.Combine(Root, DaconNames.Truth));
    public string? SampleSubmissionPath =>
        File.Exists(Path.Combine(Root, DaconNames.SampleSubmission))
            ? Path.Combine(Root, DaconNames.SampleSubmission)
            : null;

    DaconDataSet(
        string root,
        List<SimPair> sim,
        List<TrainImage> train,
        List<TestImage> test,
        Dictionary<string, double> avg
    )
    {
        Root = root;
        Sim = sim;
        Train = train;
        Test = test;
        AverageDepth = avg;
    }

    /// <summary>Opens a data root; throws <see cref="DataSetException"/> naming every layout problem. An unchanged root
    /// is read from its saved layout index instead of being rescanned (<see cref="LayoutIndex"/>).</summary>
    public static DaconDataSet Open(string root)
    {
        string full = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        if (Directory.Exists(full) && LayoutIndex.TryRead(full) is var (sim, train, test, avg))
            return new DaconDataSet(full, sim, train, test, avg);
        var (ds, report) = Scan(root);
        if (!report.Ok || ds is null)
            throw new DataSetException(report);
        LayoutIndex.Write(ds);
        return ds;
    }

    /// <summary>Scans the layout and decodes every image; reports all problems at once.</summary>
    public static DataReport Validate(string root)
    {
        var (ds, report) = Scan(root);
        if (ds is null)
            return report;
        var files = ds
            .Sim.SelectMany(p => new[] { p.DepthPath, p.Itr0Path, p.Itr1Path })
            .Concat(ds.Train.Select(t => t.Path))
            .Concat(ds.Test.Select(t => t.Path))
            .ToList();
        Parallel.ForEach(
            files,
            () => new byte[Geometry.Pixels],
            (f, _, buf) =>
            {
                try
                {
                    report.CountStorage(Png8.Read(f, buf));
                }
                catch (ImageFormatProblem e)
                {
                    report.Add(f, Classify(e.Problem), e.Problem);
                }
                return buf;
            },
            _ => { }
        );
        report.ImagesChecked = files.Count;
        return report;
    }

    static string Classify(string problem) =>
        problem.StartsWith("not a PNG", StringComparison.Ordinal) ? "not a PNG file"
        : problem.StartsWith("truncated", StringComparison.Ordinal) ? "truncated PNG"
        : problem.StartsWith("corrupt", StringComparison.Ordinal) ? "corrupt PNG"
        : problem.StartsWith("image is", StringComparison.Ordinal) ? "wrong image size"
        : problem.Contains("expected 8-bit grayscale", StringComparison.Ordinal) ? "not lossless as 8-bit gray"
        : "unreadable image";

    /// <summary>
    /// Entries that are never part of the layout and are skipped wherever they are: hidden files and
    /// folders (a site folder's <c>.ipynb_checkpoints/</c>, which the real download has once,
    /// <c>.DS_Store</c>, <c>._name</c>) and the clutter of other systems (<c>Thumbs.db</c>,
    /// <c>desktop.ini</c>, <c>__MACOSX</c>).
    /// </summary>
    public static bool IsClutter(string name) =>
        name.StartsWith('.') || name is "Thumbs.db" or "desktop.ini" or "__MACOSX";

    /// <summary>The files of a folder, less clutter (which the report lists as ignored) and links that cannot be
    /// read (<see cref="Links"/>).</summary>
    static string[] FilesOf(string dir, DataReport report) =>
        Skip(Links.Entries(dir, directories: false, report), report);

    /// <summary>The sub-folders of a folder, less clutter and links that loop, dangle or cannot be read.</summary>
    static string[] DirsOf(string dir, DataReport report) =>
        Skip(Links.Entries(dir, directories: true, report), report);

    static string[] Skip(IReadOnlyList<string> entries, DataReport report)
    {
        var kept = new List<string>(entries.Count);
        foreach (var e in entries)
        {
            if (IsClutter(Path.GetFileName(e)))
                IgnoreTree(e, report);
            else
                kept.Add(e);
        }
        return kept.ToArray();
    }

    /// <summary>Lists an ignored entry; for a folder, the files inside it too (links are listed, never
    /// followed).</summary>
    static void IgnoreTree(string path, DataReport report)
    {
        if (!Directory.Exists(path) || new DirectoryInfo(path).LinkTarget is not null)
        {
            report.Ignore(path);
            return;
        }
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
        };
        var files = Directory.GetFiles(path, "*", options);
        if (files.Length == 0)
            report.Ignore(path + Path.DirectorySeparatorChar);
        foreach (var f in files)
            report.Ignore(f);
    }

    /// <summary>Scans names and folders; returns the data set (null when unusable) and every problem.</summary>
    public static (DaconDataSet? DataSet, DataReport Report) Scan(string root)
    {
        root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        var report = new DataReport(root);
        if (!Directory.Exists(root))
        {
            report.Add(
                root,
                "wrong data root",
                "data root does not exist (generate the synthetic set with `semdepth generate`, or point "
                    + "SEMDEPTH_DATA at the Dacon folder)"
            );
            return (null, report);
        }
        bool any = false;
        foreach (var need in new[] { DaconNames.Simulation, DaconNames.Train, DaconNames.Test })
        {
            if (Directory.Exists(Path.Combine(root, need)))
                any = true;
            else
                report.Add(
                    Path.Combine(root, need),
                    "missing folder",
                    $"missing folder '{need}' (a Dacon data root holds simulation_data/, train/ and test/)"
                );
        }
        if (!any)
        {
            report.Add(
                root,
                "wrong data root",
                "not a Dacon data root: none of simulation_data/, train/, test/ is here"
            );
            return (null, report);
        }
        var sim = ScanSimulation(root, report);
        var train = ScanTrain(root, report);
        var avg = ReadAverageDepth(root, train, report);
        var test = ScanTest(root, report);
        if (!File.Exists(Path.Combine(root, DaconNames.SampleSubmission)))
            report.Note(
                $"{DaconNames.SampleSubmission} is absent (optional): submissions are checked against test/SEM alone"
            );
        return (new DaconDataSet(root, sim, train, test, avg), report);
    }

    static List<SimPair> ScanSimulation(string root, DataReport report)
    {
        var pairs = new List<SimPair>();
        string simRoot = Path.Combine(root, DaconNames.Simulation);
        if (!Directory.Exists(simRoot))
            return pairs;
        foreach (var kind in new[] { "SEM", "Depth" })
        {
            var d = Path.Combine(simRoot, kind);
            if (!Directory.Exists(d))
            {
                report.Add(d, "missing folder", $"missing folder 'simulation_data/{kind}'");
                continue;
            }
            foreach (var c in DirsOf(d, report))
                if (!DaconNames.CaseDirRegex().IsMatch(Path.GetFileName(c)))
                    report.Add(c, "unexpected entry", "unexpected folder (simulation cases are Case_1..Case_4)");
        }
        foreach (int c in Cases.All)
        {
            string semCase = Path.Combine(simRoot, "SEM", $"Case_{c}"),
                depthCase = Path.Combine(simRoot, "Depth", $"Case_{c}");
            if (!Directory.Exists(semCase) && !Directory.Exists(depthCase))
            {
                report.Add(semCase, "missing folder", $"missing folder for Case_{c}");
                continue;
            }
            var subs = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var p in new[] { semCase, depthCase })
                if (Directory.Exists(p))
                    foreach (var s in DirsOf(p, report))
                        subs.Add(Path.GetFileName(s));
            if (subs.Count == 0)
                report.Add(semCase, "empty folder", "empty folder (no sub-folders 80..84)");
            foreach (var sub in subs)
            {
                string semDir = Path.Combine(semCase, sub),
                    depthDir = Path.Combine(depthCase, sub);
                var sem = new Dictionary<string, string?[]>(StringComparer.Ordinal); // base -> [itr0, itr1]
                if (!Directory.Exists(semDir))
                    report.Add(semDir, "missing folder", "missing SEM folder for this depth folder");
                else
                {
                    var files = FilesOf(semDir, report);
                    foreach (var extra in DirsOf(semDir, report))
                        report.Add(
                            extra,
                            "unexpected entry",
                            "unexpected folder (a simulation folder holds PNG files only)"
                        );
                    if (files.Length == 0)
                        report.Add(semDir, "empty folder", "empty folder");
                    foreach (var f in files)
                    {
                        string n = Path.GetFileName(f);
                        var m = DaconNames.ItrRegex().Match(n);
                        if (!m.Success)
                        {
                            report.Add(
                                f,
                                n.EndsWith(".png", StringComparison.OrdinalIgnoreCase)
                                    ? "unexpected file"
                                    : "not a PNG file",
                                n.EndsWith(".png", StringComparison.OrdinalIgnoreCase)
                                    ? "unexpected file (simulated SEM files are <base>_itr0.png and <base>_itr1.png)"
                                    : "not a PNG file (simulated SEM files are <base>_itr0.png and <base>_itr1.png)"
                            );
                            continue;
                        }
                        var slot = sem.TryGetValue(m.Groups[1].Value, out var s)
                            ? s
                            : sem[m.Groups[1].Value] = new string?[2];
                        slot[m.Groups[2].Value == "0" ? 0 : 1] = f;
                    }
                }
                var depth = new Dictionary<string, string>(StringComparer.Ordinal);
                if (!Directory.Exists(depthDir))
                    report.Add(depthDir, "missing folder", "missing Depth folder for this SEM folder");
                else
                {
                    var files = FilesOf(depthDir, report);
                    foreach (var extra in DirsOf(depthDir, report))
                        report.Add(
                            extra,
                            "unexpected entry",
                            "unexpected folder (a simulation folder holds PNG files only)"
                        );
                    if (files.Length == 0)
                        report.Add(depthDir, "empty folder", "empty folder");
                    foreach (var f in files)
                    {
                        string n = Path.GetFileName(f);
                        if (!n.EndsWith(".png", StringComparison.Ordinal))
                        {
                            report.Add(f, "not a PNG file", "not a PNG file (depth maps are <base>.png)");
                            continue;
                        }
                        depth[n[..^4]] = f;
                    }
                }
                foreach (var (b, itr) in sem.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (itr[0] is null)
                        report.Add(
                            Path.Combine(semDir, b + "_itr0.png"),
                            "missing itr file",
                            $"missing {b}_itr0.png (its _itr1 exists)"
                        );
                    if (itr[1] is null)
                        report.Add(
                            Path.Combine(semDir, b + "_itr1.png"),
                            "missing itr file",
                            $"missing {b}_itr1.png (its _itr0 exists)"
                        );
                    if (!depth.TryGetValue(b, out var dp))
                    {
                        report.Add(
                            itr[0] ?? itr[1]!,
                            "SEM without depth map",
                            $"no depth map {b}.png in {Rel(root, depthDir)}"
                        );
                        continue;
                    }
                    if (itr[0] is not null && itr[1] is not null)
                        pairs.Add(new SimPair(c, sub, b, dp, itr[0]!, itr[1]!));
                }
                foreach (var (b, f) in depth)
                    if (!sem.ContainsKey(b))
                        report.Add(
                            f,
                            "depth map without SEM",
                            $"depth map has no SEM images {b}_itr0.png/_itr1.png in {Rel(root, semDir)}"
                        );
            }
        }
        return pairs;
    }

    static List<TrainImage> ScanTrain(string root, DataReport report)
    {
        var list = new List<TrainImage>();
        string semRoot = Path.Combine(root, DaconNames.Train, "SEM");
        if (!Directory.Exists(Path.Combine(root, DaconNames.Train)))
            return list;
        if (!Directory.Exists(semRoot))
        {
            report.Add(semRoot, "missing folder", "missing folder 'train/SEM'");
            return list;
        }
        var depthDirs = DirsOf(semRoot, report);
        if (depthDirs.Length == 0)
            report.Add(semRoot, "empty folder", "empty folder (expected Depth_110..Depth_140)");
        foreach (var dd in depthDirs.Order(StringComparer.Ordinal))
        {
            var m = DaconNames.DepthDirRegex().Match(Path.GetFileName(dd));
            if (
                !m.Success
                || int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) is not (110 or 120 or 130 or 140)
            )
            {
                report.Add(
                    dd,
                    "unexpected entry",
                    "unexpected folder (train folders are Depth_110, Depth_120, Depth_130, Depth_140)"
                );
                continue;
            }
            int c = Cases.FromDepthFolder(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            var sites = DirsOf(dd, report);
            if (sites.Length == 0)
                report.Add(dd, "empty folder", "empty folder (no site_NNNNN folders)");
            foreach (var sd in sites.Order(StringComparer.Ordinal))
            {
                string site = Path.GetFileName(sd);
                if (!DaconNames.SiteDirRegex().IsMatch(site))
                {
                    report.Add(sd, "unexpected entry", "unexpected folder (sites are site_NNNNN)");
                    continue;
                }
                var files = FilesOf(sd, report);
                // A site folder holds images only; a sub-folder in it is skipped and listed.
                foreach (var extra in DirsOf(sd, report))
                    IgnoreTree(extra, report);
                if (files.Length == 0)
                    report.Add(sd, "empty folder", "empty folder (a site holds SEM_NNNNNN.png images)");
                foreach (var f in files.Order(StringComparer.Ordinal))
                {
                    string n = Path.GetFileName(f);
                    if (!n.EndsWith(".png", StringComparison.Ordinal))
                    {
                        report.Add(f, "not a PNG file", "not a PNG file (train images are SEM_NNNNNN.png)");
                        continue;
                    }
                    // a train image's name is never submitted: read it, and say that the name is unusual
                    if (!DaconNames.TrainNameRegex().IsMatch(n))
                        report.Note(
                            $"{Rel(root, f)}: not named SEM_NNNNNN.png; read as an image of {site} (train "
                                + "names are never submitted)"
                        );
                    list.Add(new TrainImage(c, site, n, f));
                }
            }
        }
        return list;
    }

    static Dictionary<string, double> ReadAverageDepth(string root, List<TrainImage> train, DataReport report)
    {
        var avg = new Dictionary<string, double>(StringComparer.Ordinal);
        string csv = DaconNames.CsvPath(root);
        if (!Directory.Exists(Path.Combine(root, DaconNames.Train)))
            return avg;
        if (!File.Exists(csv))
        {
            report.Add(csv, "missing file", "missing average_depth.csv");
            return avg;
        }
        try
        {
            using var r = CsvReader.FromFile(csv, new CsvReaderOptions { HasHeader = false });
            bool header = true;
            while (r.Read())
            {
                long line = r.RowNumber;
                string where = $"{csv}:{line}";
                if (header)
                {
                    header = false;
                    if (r.FieldCount != 2 || r.GetString(0) != "0" || r.GetString(1) != "1")
                        report.Add(where, "malformed CSV row", "header must be '0,1'");
                    continue;
                }
                if (r.FieldCount != 2)
                {
                    report.Add(where, "malformed CSV row", $"expected 2 fields (key,depth), found {r.FieldCount}");
                    continue;
                }
                string key = r.GetString(0).Trim(),
                    value = r.GetString(1).Trim();
                if (!DaconNames.SiteKeyRegex().IsMatch(key))
                {
                    report.Add(where, "malformed CSV row", $"key '{key}' is not depth_X_site_NNNNN");
                    continue;
                }
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                {
                    report.Add(where, "bad depth value", $"depth '{value}' for {key} is not a number");
                    continue;
                }
                if (!double.IsFinite(v))
                {
                    report.Add(where, "bad depth value", $"depth for {key} is {value} (not finite)");
                    continue;
                }
                if (v is < 0 or > 255)
                {
                    report.Add(where, "bad depth value", $"depth {v} for {key} is outside 0..255");
                    continue;
                }
                if (!avg.TryAdd(key, v))
                    report.Add(where, "malformed CSV row", $"duplicate key {key}");
            }
            if (header)
                report.Add(csv, "malformed CSV row", "empty CSV (expected header '0,1' and one row per site)");
        }
        catch (Exception e) when (e is CsvFormatException or IOException or FormatException)
        {
            report.Add(csv, "malformed CSV row", "cannot parse CSV: " + e.Message);
        }
        var folderKeys = train
            .Select(t => (t.SiteKey, Dir: Path.GetDirectoryName(t.Path)!))
            .DistinctBy(t => t.SiteKey)
            .ToDictionary(t => t.SiteKey, t => t.Dir);
        foreach (var key in avg.Keys.Where(k => !folderKeys.ContainsKey(k)).Order(StringComparer.Ordinal))
            report.Add(csv, "CSV key without folder", $"key {key} has no folder train/SEM/{KeyToFolder(key)}");
        foreach (
            var (key, dir) in folderKeys
                .Where(kv => !avg.ContainsKey(kv.Key))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
        )
            report.Add(dir, "folder without CSV key", $"site folder has no row {key} in average_depth.csv");
        return avg;
    }

    static string KeyToFolder(string key)
    {
        var m = DaconNames.SiteKeyRegex().Match(key);
        return m.Success ? $"Depth_{m.Groups[1].Value}/{m.Groups[2].Value}" : key;
    }

    static List<TestImage> ScanTest(string root, DataReport report)
    {
        var list = new List<TestImage>();
        if (!Directory.Exists(Path.Combine(root, DaconNames.Test)))
            return list;
        string dir = DaconNames.TestDir(root);
        if (!Directory.Exists(dir))
        {
            report.Add(dir, "missing folder", "missing folder 'test/SEM'");
            return list;
        }
        var files = FilesOf(dir, report);
        if (files.Length == 0)
            report.Add(dir, "empty folder", "empty folder (test images are test/SEM/NNNNNN.png)");
        foreach (var f in files.Order(StringComparer.Ordinal))
        {
            string n = Path.GetFileName(f);
            if (!n.EndsWith(".png", StringComparison.Ordinal))
            {
                report.Add(f, "not a PNG file", "not a PNG file (test images are NNNNNN.png)");
                continue;
            }
            // each test file's name is a name of the submission: one the competition does not have makes it wrong
            if (!DaconNames.TestNameRegex().IsMatch(n))
            {
                report.Add(
                    f,
                    "not a test image name",
                    "not a test image name (test images are NNNNNN.png, six digits, and the submission names its "
                        + "maps so): rename it or move it out of test/SEM"
                );
                continue;
            }
            list.Add(new TestImage(n, f));
        }
        foreach (var d in DirsOf(dir, report))
            report.Add(d, "unexpected entry", "unexpected folder (test/SEM is flat)");
        return list;
    }

    static string Rel(string root, string p) => Path.GetRelativePath(root, p);

    /// <summary>Counts per split, case and folder, for tables.</summary>
    public IEnumerable<(string Split, int Case, string Folder, int Images, int Groups)> Counts()
    {
        foreach (var g in Sim.GroupBy(p => (p.Case, p.SubFolder)).OrderBy(g => g.Key))
            yield return ("simulation", g.Key.Case, $"Case_{g.Key.Case}/{g.Key.SubFolder}", g.Count() * 2, g.Count());
        foreach (var g in Train.GroupBy(t => t.Case).OrderBy(g => g.Key))
            yield return (
                "train",
                g.Key,
                $"Depth_{Cases.DepthFolder(g.Key)}",
                g.Count(),
                g.Select(t => t.Site).Distinct().Count()
            );
        yield return ("test", 0, "SEM", Test.Count, 0);
    }

    /// <summary>Truth depth-map path of a train image (synthetic set only).</summary>
    public string TruthPath(TrainImage t) => DaconNames.TruthTrainPath(Root, t.Case, t.Site, t.Name);

    /// <summary>Truth depth-map path of a test image (synthetic set only).</summary>
    public string TruthPath(TestImage t) => DaconNames.TruthTestPath(Root, t.Name);
}
