using System.Globalization;
using TorchSharp;

namespace SemDepth.Training;

/// <summary>
/// One training run's folder: options.json, metrics.csv (one row per epoch), TensorBoard event files
/// (tb/), and the checkpoint (checkpoint/). Runs can be compared in TensorBoard: tensorboard --logdir runs.
/// </summary>
public sealed class RunLog : IDisposable
{
    readonly TorchSharp.Modules.SummaryWriter _tb;
    public string Dir { get; }
    public string MetricsCsv => Path.Combine(Dir, "metrics.csv");
    public string CheckpointDir => Path.Combine(Dir, "checkpoint");

    public RunLog(string dir)
    {
        Dir = dir;
        Directory.CreateDirectory(dir);
        _tb = torch.utils.tensorboard.SummaryWriter(Path.Combine(dir, "tb"));
    }

    public void Scalar(string tag, double value, int step) => _tb.add_scalar(tag, (float)value, step);

    /// <summary>Appends a row to metrics.csv (header written once).</summary>
    public void Append(IReadOnlyDictionary<string, double> row)
    {
        bool header = !File.Exists(MetricsCsv);
        using var w = new StreamWriter(MetricsCsv, append: true);
        if (header)
            w.WriteLine(string.Join(',', row.Keys));
        w.WriteLine(string.Join(',', row.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
    }

    /// <summary>Drops metric rows after <paramref name="epoch"/> (a resumed run rewrites them), and any row a kill
    /// cut short (fewer fields than the header, or one that does not parse) or repeated.</summary>
    public void TruncateAfter(int epoch)
    {
        if (!File.Exists(MetricsCsv))
            return;
        var lines = File.ReadAllLines(MetricsCsv);
        if (lines.Length == 0)
            return;
        var keep = lines.Take(1).Concat(Rows(lines).Where(r => r.Values[0] <= epoch).Select(r => r.Line)).ToList();
        if (!keep.SequenceEqual(lines)) // a finished run that is reused is left as it is
            File.WriteAllLines(MetricsCsv, keep);
    }

    /// <summary>metrics.csv's whole rows as column name -> value (what a resumed run's history is made of).</summary>
    public IEnumerable<IReadOnlyDictionary<string, double>> ReadRows()
    {
        if (!File.Exists(MetricsCsv))
            yield break;
        var lines = File.ReadAllLines(MetricsCsv);
        if (lines.Length == 0)
            yield break;
        var head = lines[0].Split(',');
        foreach (var (_, values) in Rows(lines))
            yield return head.Select((h, i) => (h, values[i])).ToDictionary(x => x.h, x => x.Item2);
    }

    /// <summary>The data rows with as many numbers as the header has names, each epoch once, in order.</summary>
    static IEnumerable<(string Line, double[] Values)> Rows(string[] lines)
    {
        int fields = lines[0].Split(',').Length;
        double last = double.NegativeInfinity;
        foreach (var l in lines.Skip(1))
        {
            var parts = l.Split(',');
            var values = new double[parts.Length];
            if (
                parts.Length != fields
                || !parts
                    .Select(
                        (p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])
                    )
                    .All(ok => ok)
                || values[0] <= last
            )
                continue;
            last = values[0];
            yield return (l, values);
        }
    }

    public void Dispose() { } // TorchSharp's SummaryWriter writes each event at once; nothing to flush
}
