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

    /// <summary>Drops metric rows after <paramref name="epoch"/> (a resumed run rewrites them).</summary>
    public void TruncateAfter(int epoch)
    {
        if (!File.Exists(MetricsCsv))
            return;
        var lines = File.ReadAllLines(MetricsCsv);
        var keep = lines
            .Take(1)
            .Concat(lines.Skip(1).Where(l => double.Parse(l.Split(',')[0], CultureInfo.InvariantCulture) <= epoch));
        File.WriteAllLines(MetricsCsv, keep);
    }

    public void Dispose() { } // TorchSharp's SummaryWriter writes each event at once; nothing to flush
}
