using System.Collections.Concurrent;
using SemDepth.Images;

namespace SemDepth.Data;

/// <summary>One problem found in a data root: the file or folder and what is wrong.</summary>
public sealed record DataProblem(string Path, string Kind, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// Every problem found in a data root, with counts per kind, and what is information only: images
/// stored in another lossless format (RGB with identical channels...), entries that are not part of
/// the layout and were skipped, an absent sample submission.
/// </summary>
public sealed class DataReport
{
    readonly ConcurrentQueue<DataProblem> _problems = new();
    readonly ConcurrentQueue<string> _ignored = new();
    readonly ConcurrentQueue<string> _notes = new();
    readonly ConcurrentDictionary<PngStorage, int> _storage = new();
    public string Root { get; }

    public DataReport(string root) => Root = root;

    public IReadOnlyList<DataProblem> Problems => _problems.OrderBy(p => p.Path, StringComparer.Ordinal).ToList();
    public bool Ok => _problems.IsEmpty;
    public int ImagesChecked { get; internal set; }

    /// <summary>Files and folders inside the data folders that are not part of the layout (a Jupyter
    /// checkpoint folder, .DS_Store, Thumbs.db...): skipped by every reader, never counted.</summary>
    public IReadOnlyList<string> Ignored => _ignored.Order(StringComparer.Ordinal).ToList();

    /// <summary>Information lines (not problems).</summary>
    public IReadOnlyList<string> Notes => _notes.ToList();

    /// <summary>How the decoded images were stored (filled by <see cref="DaconDataSet.Validate"/>).</summary>
    public IReadOnlyDictionary<PngStorage, int> Storage => _storage;

    public void Add(string path, string kind, string message) =>
        _problems.Enqueue(new DataProblem(path, kind, message));

    /// <summary>As <see cref="Add"/>, unless a problem of this path and kind was added this way before (an entry
    /// that two listings of one folder both meet).</summary>
    public void AddOnce(string path, string kind, string message)
    {
        if (_once.TryAdd((path, kind), 0))
            Add(path, kind, message);
    }

    /// <summary>As <see cref="Note"/>, once for each <paramref name="key"/>.</summary>
    public void NoteOnce(string key, string message)
    {
        if (_once.TryAdd((key, "note"), 0))
            Note(message);
    }

    readonly ConcurrentDictionary<(string, string), byte> _once = new();

    public void Ignore(string path) => _ignored.Enqueue(path);

    public void Note(string message) => _notes.Enqueue(message);

    internal void CountStorage(PngStorage storage) => _storage.AddOrUpdate(storage, 1, (_, n) => n + 1);

    /// <summary>Counts per problem kind, most frequent first.</summary>
    public IReadOnlyList<(string Kind, int Count)> Counts =>
        _problems.GroupBy(p => p.Kind).Select(g => (g.Key, g.Count())).OrderByDescending(t => t.Item2).ToList();

    /// <summary>A readable report: counts, then up to <paramref name="max"/> problems, then information.</summary>
    public string Format(int max = 50)
    {
        var sb = new System.Text.StringBuilder();
        if (Ok)
            sb.AppendLine($"{Root}: no problems found ({ImagesChecked} images decoded).");
        else
        {
            sb.AppendLine($"{Root}: {_problems.Count} problem(s)");
            foreach (var (k, n) in Counts)
                sb.AppendLine($"  {n, 7}  {k}");
            var all = Problems;
            foreach (var p in all.Take(max))
                sb.AppendLine("  - " + Rel(p.Path) + ": " + p.Message);
            if (all.Count > max)
                sb.AppendLine($"  ... and {all.Count - max} more");
        }
        var info = InfoLines(max);
        if (info.Count > 0)
        {
            sb.AppendLine("information (not problems):");
            foreach (var line in info)
                sb.AppendLine("  " + line);
        }
        return sb.ToString().TrimEnd();
    }

    List<string> InfoLines(int max)
    {
        var lines = new List<string>();
        foreach (var (storage, n) in _storage.Where(kv => kv.Key != PngStorage.Gray8).OrderBy(kv => kv.Key))
            lines.Add($"{n} {Describe(storage)}, read as gray (lossless)");
        lines.AddRange(_notes);
        var ignored = Ignored;
        if (ignored.Count > 0)
        {
            lines.Add($"{ignored.Count} entr{(ignored.Count == 1 ? "y" : "ies")} not part of the layout, ignored:");
            foreach (var p in ignored.Take(max))
                lines.Add("  - " + Rel(p));
            if (ignored.Count > max)
                lines.Add($"  ... and {ignored.Count - max} more");
        }
        return lines;
    }

    static string Describe(PngStorage s) =>
        s switch
        {
            PngStorage.Rgb => "RGB images with identical channels",
            PngStorage.Rgb16 => "16-bit RGB images with identical channels",
            PngStorage.Rgba => "RGBA images with identical channels and opaque alpha",
            PngStorage.GrayAlpha => "gray+alpha images with opaque alpha",
            PngStorage.Gray16 => "16-bit gray images with 8-bit values",
            PngStorage.GrayLowBit => "1/2/4-bit gray images",
            PngStorage.Palette => "palette images with gray entries",
            _ => "8-bit gray images",
        };

    string Rel(string p)
    {
        if (!p.StartsWith(Root, StringComparison.Ordinal))
            return p;
        string r = p[Root.Length..].TrimStart(Path.DirectorySeparatorChar);
        return r.Length > 0 ? r : ".";
    }
}

/// <summary>A data root that cannot be used; the message lists the problems.</summary>
public sealed class DataSetException(DataReport report) : Exception(report.Format(20))
{
    public DataReport Report { get; } = report;
}
