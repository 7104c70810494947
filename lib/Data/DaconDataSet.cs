using SemDepth.Images;

namespace SemDepth.Data;

/// <summary>
/// The Dacon data set read from one root folder, in its exact layout (see data/README.md).
/// <see cref="Open"/> scans names and folders (fast, no decoding) and throws a
/// <see cref="DataSetException"/> listing every layout problem; <see cref="Validate"/> also decodes
/// every image.
/// </summary>
public sealed partial class DaconDataSet
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
