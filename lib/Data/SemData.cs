using System.Globalization;
using CsvHelper;
using SemDepth.Images;

namespace SemDepth.Data;

/// <summary>
/// A data root opened for work: the layout (<see cref="DataSet"/>) and each split decoded once into the
/// cache and memory-mapped on first use. Index conventions: <see cref="SimSem"/> holds itr0 then itr1
/// of pair i at 2i and 2i+1; <see cref="SimDepth"/> holds pair i's depth map at i.
/// </summary>
public sealed class SemData : IDisposable
{
    readonly IProgress<string>? _log;
    ImageSet? _simSem,
        _simDepth,
        _train,
        _test,
        _truthTrain,
        _truthTest;
    int[]? _testCases;

    /// <summary>The data root's files as scanned: entries, paths, site averages.</summary>
    public DaconDataSet DataSet { get; }
    public string CacheDir { get; }

    SemData(DaconDataSet set, string cacheDir, IProgress<string>? log)
    {
        DataSet = set;
        CacheDir = cacheDir;
        _log = log;
    }

    /// <summary>Opens a data root (layout problems throw a <see cref="DataSetException"/> listing them).</summary>
    public static SemData Open(string root, IProgress<string>? log = null, string? cacheDir = null)
    {
        var set = DaconDataSet.Open(root);
        return new SemData(set, cacheDir ?? ImageCache.DirFor(set.Root), log);
    }

    public ImageSet SimSem =>
        _simSem ??= Load("sim-sem", DataSet.Sim.SelectMany(p => new[] { p.Itr0Path, p.Itr1Path }).ToList());
    public ImageSet SimDepth => _simDepth ??= Load("sim-depth", DataSet.Sim.Select(p => p.DepthPath).ToList());
    public ImageSet Train => _train ??= Load("train", DataSet.Train.Select(t => t.Path).ToList());
    public ImageSet Test => _test ??= Load("test", DataSet.Test.Select(t => t.Path).ToList());

    /// <summary>Hidden truth of the train images (synthetic set only), else null.</summary>
    public ImageSet? TrainTruth =>
        !DataSet.HasTruth
            ? null
            : _truthTrain ??= Load("truth-train", DataSet.Train.Select(DataSet.TruthPath).ToList());

    /// <summary>Hidden truth of the test images (synthetic set only), else null.</summary>
    public ImageSet? TestTruth =>
        !DataSet.HasTruth ? null : _truthTest ??= Load("truth-test", DataSet.Test.Select(DataSet.TruthPath).ToList());

    /// <summary>Hidden truth (synthetic set only): for each test image, the index in <see cref="DaconDataSet.Sim"/>
    /// of the library map its hole reuses, or -1 for a new shape. Null without truth/test_library.csv.</summary>
    public int[]? TestLibrary =>
        _testLibrary ??= ReadLibrary("test_library.csv", DataSet.Test.Select(t => t.Name).ToList());
    int[]? _testLibrary;

    /// <summary>As <see cref="TestLibrary"/>, for the train images (truth/train_library.csv).</summary>
    public int[]? TrainLibrary =>
        _trainLibrary ??= ReadLibrary("train_library.csv", DataSet.Train.Select(t => t.Name).ToList());
    int[]? _trainLibrary;

    /// <summary>truth/<paramref name="file"/> (name, case, library base) as the simulated-map index of each of
    /// <paramref name="names"/> (-1: a new shape); null without it.</summary>
    int[]? ReadLibrary(string file, IReadOnlyList<string> names)
    {
        string path = Path.Combine(DataSet.Root, DaconNames.Truth, file);
        if (!DataSet.HasTruth || !File.Exists(path))
            return null;
        var simIndex = new Dictionary<(int, string), int>();
        for (int i = 0; i < DataSet.Sim.Count; i++)
            simIndex[(DataSet.Sim[i].Case, DataSet.Sim[i].Base)] = i;
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var a in CsvRows(path))
        {
            int c = int.Parse(a[1], CultureInfo.InvariantCulture);
            map[a[0]] = a[2].Length == 0 ? -1 : simIndex[(c, a[2])];
        }
        return names.Select(n => map[n]).ToArray();
    }

    /// <summary>The rows of a CSV the generator wrote (CsvHelper), its header row left out.</summary>
    static IEnumerable<string[]> CsvRows(string path)
    {
        using var r = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = false });
        bool header = true;
        while (r.Read())
        {
            if (header)
            {
                header = false;
                continue;
            }
            var row = new string[r.FieldCount];
            for (int i = 0; i < row.Length; i++)
                row[i] = r.GetString(i);
            yield return row;
        }
    }

    /// <summary>True cases of the test images (synthetic set only), else null.</summary>
    public int[]? TestCases
    {
        get
        {
            if (_testCases is not null || !DataSet.HasTruth)
                return _testCases;
            var file = Path.Combine(DataSet.Root, DaconNames.Truth, "test_cases.csv");
            var map = CsvRows(file).ToDictionary(a => a[0], a => int.Parse(a[1], CultureInfo.InvariantCulture));
            return _testCases = DataSet.Test.Select(t => map[t.Name]).ToArray();
        }
    }

    /// <summary>
    /// What the data is, as far as a training run depends on it: every image path in layout order, the
    /// modification times of their folders (as the cache keys them) and the bytes of average_depth.csv and of
    /// truth/'s CSVs. A run trained on another fingerprint is not continued (<see cref="Training.RunReuse"/>).
    /// </summary>
    public string Fingerprint => _fingerprint ??= MakeFingerprint();
    string? _fingerprint;

    string MakeFingerprint()
    {
        var files = DataSet
            .Sim.SelectMany(p => new[] { p.Itr0Path, p.Itr1Path, p.DepthPath })
            .Concat(DataSet.Train.Select(t => t.Path))
            .Concat(DataSet.Test.Select(t => t.Path))
            .ToList();
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(
            System.Security.Cryptography.HashAlgorithmName.SHA256
        );
        h.AppendData(System.Text.Encoding.ASCII.GetBytes(ImageCache.Fingerprint(files)));
        var csvs = new[] { DaconNames.CsvPath(DataSet.Root) }.Concat(
            DataSet.HasTruth
                ? Directory
                    .GetFiles(Path.Combine(DataSet.Root, DaconNames.Truth), "*.csv")
                    .Order(StringComparer.Ordinal)
                : []
        );
        foreach (var csv in csvs.Where(File.Exists))
            h.AppendData(File.ReadAllBytes(csv));
        return Convert.ToHexString(h.GetHashAndReset())[..16].ToLowerInvariant();
    }

    /// <summary>Decodes every split now (the first run's cost, reported by the benchmark).</summary>
    public void WarmAll()
    {
        // each split has its own field and cache file, so they can be checked or decoded side by side
        Parallel.Invoke(
            () => _ = SimSem,
            () => _ = SimDepth,
            () => _ = Train,
            () => _ = Test,
            () => _ = TrainTruth,
            () => _ = TestTruth
        );
    }

    ImageSet Load(string split, List<string> files) => ImageCache.Load(CacheDir, split, files, _log);

    public void Dispose()
    {
        foreach (var s in new[] { _simSem, _simDepth, _train, _test, _truthTrain, _truthTest })
            s?.Dispose();
    }
}
