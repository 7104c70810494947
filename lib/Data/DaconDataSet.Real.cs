using System.Globalization;
using CsvHelper;

namespace SemDepth.Data;

/// <summary>Scanning the real images: train/ (sites and average_depth.csv) and test/.</summary>
public sealed partial class DaconDataSet
{
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
}
