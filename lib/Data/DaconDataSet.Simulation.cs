namespace SemDepth.Data;

/// <summary>Scanning simulation_data/: SEM itr0/itr1 pairs matched with their depth maps.</summary>
public sealed partial class DaconDataSet
{
    static List<SimPair> ScanSimulation(string root, DataReport report)
    {
        var pairs = new List<SimPair>();
        string simRoot = Path.Combine(root, DaconNames.Simulation);
        if (!Directory.Exists(simRoot))
            return pairs;
        CheckSimulationFolders(simRoot, report);
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
                var sem = ScanSimSem(semDir, report);
                var depth = ScanSimDepth(depthDir, report);
                PairSimFolder(root, c, sub, (semDir, sem), (depthDir, depth), report, pairs);
            }
        }
        return pairs;
    }

    /// <summary>simulation_data/SEM and /Depth exist and hold case folders only.</summary>
    static void CheckSimulationFolders(string simRoot, DataReport report)
    {
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
    }

    /// <summary>One simulated SEM folder: base name -> its [itr0, itr1] files (either may be missing).</summary>
    static Dictionary<string, string?[]> ScanSimSem(string semDir, DataReport report)
    {
        var sem = new Dictionary<string, string?[]>(StringComparer.Ordinal);
        if (!Directory.Exists(semDir))
        {
            report.Add(semDir, "missing folder", "missing SEM folder for this depth folder");
            return sem;
        }
        foreach (var f in SimFolderFiles(semDir, report))
        {
            string n = Path.GetFileName(f);
            var m = DaconNames.ItrRegex().Match(n);
            if (!m.Success)
            {
                bool png = n.EndsWith(".png", StringComparison.OrdinalIgnoreCase);
                report.Add(
                    f,
                    png ? "unexpected file" : "not a PNG file",
                    (png ? "unexpected file" : "not a PNG file")
                        + " (simulated SEM files are <base>_itr0.png and <base>_itr1.png)"
                );
                continue;
            }
            var slot = sem.TryGetValue(m.Groups[1].Value, out var s) ? s : sem[m.Groups[1].Value] = new string?[2];
            slot[m.Groups[2].Value == "0" ? 0 : 1] = f;
        }
        return sem;
    }

    /// <summary>One simulated depth folder: base name -> its map.</summary>
    static Dictionary<string, string> ScanSimDepth(string depthDir, DataReport report)
    {
        var depth = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(depthDir))
        {
            report.Add(depthDir, "missing folder", "missing Depth folder for this SEM folder");
            return depth;
        }
        foreach (var f in SimFolderFiles(depthDir, report))
        {
            string n = Path.GetFileName(f);
            if (!n.EndsWith(".png", StringComparison.Ordinal))
            {
                report.Add(f, "not a PNG file", "not a PNG file (depth maps are <base>.png)");
                continue;
            }
            depth[n[..^4]] = f;
        }
        return depth;
    }

    /// <summary>The files of a simulation folder; a folder inside it or no file at all is a problem.</summary>
    static string[] SimFolderFiles(string dir, DataReport report)
    {
        var files = FilesOf(dir, report);
        foreach (var extra in DirsOf(dir, report))
            report.Add(extra, "unexpected entry", "unexpected folder (a simulation folder holds PNG files only)");
        if (files.Length == 0)
            report.Add(dir, "empty folder", "empty folder");
        return files;
    }

    /// <summary>Pairs each complete itr0/itr1 pair with its depth map; every orphan on either side is a
    /// problem.</summary>
    static void PairSimFolder(
        string root,
        int c,
        string sub,
        (string Dir, Dictionary<string, string?[]> Files) sem,
        (string Dir, Dictionary<string, string> Files) depth,
        DataReport report,
        List<SimPair> pairs
    )
    {
        foreach (var (b, itr) in sem.Files.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (itr[0] is null)
                report.Add(
                    Path.Combine(sem.Dir, b + "_itr0.png"),
                    "missing itr file",
                    $"missing {b}_itr0.png (its _itr1 exists)"
                );
            if (itr[1] is null)
                report.Add(
                    Path.Combine(sem.Dir, b + "_itr1.png"),
                    "missing itr file",
                    $"missing {b}_itr1.png (its _itr0 exists)"
                );
            if (!depth.Files.TryGetValue(b, out var dp))
            {
                report.Add(
                    itr[0] ?? itr[1]!,
                    "SEM without depth map",
                    $"no depth map {b}.png in {Rel(root, depth.Dir)}"
                );
                continue;
            }
            if (itr[0] is not null && itr[1] is not null)
                pairs.Add(new SimPair(c, sub, b, dp, itr[0]!, itr[1]!));
        }
        foreach (var (b, f) in depth.Files)
            if (!sem.Files.ContainsKey(b))
                report.Add(
                    f,
                    "depth map without SEM",
                    $"depth map has no SEM images {b}_itr0.png/_itr1.png in {Rel(root, sem.Dir)}"
                );
    }
}
