using System.Globalization;
using CsvHelper;
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
    public string CheckpointDir => RunNames.CheckpointOf(Dir);

    public RunLog(string dir)
    {
        Dir = dir;
        Directory.CreateDirectory(dir);
        _tb = torch.utils.tensorboard.SummaryWriter(Path.Combine(dir, "tb"));
    }

    public void Scalar(string tag, double value, int step) => _tb.add_scalar(tag, (float)value, step);

    /// <summary>How metrics.csv is written: one line a row ending in \n, as it always was.</summary>
    static readonly CsvWriterOptions Lines = new() { HasHeader = false, NewLine = "\n" };

    /// <summary>Appends a row to metrics.csv (header written once).</summary>
    public void Append(IReadOnlyDictionary<string, double> row)
    {
        bool header = !File.Exists(MetricsCsv);
        using var w = new StreamWriter(MetricsCsv, append: true);
        using var csv = CsvWriter.Create(w, Lines, leaveOpen: true);
        if (header)
            WriteRecord(csv, row.Keys);
        WriteRecord(csv, row.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
    }

    static void WriteRecord(CsvWriter csv, IEnumerable<string> fields)
    {
        foreach (var f in fields)
            csv.WriteField(f);
        csv.EndRecord();
    }

    /// <summary>Drops metric rows after <paramref name="epoch"/> (a resumed run rewrites them), and any row a kill
    /// cut short (fewer fields than the header, or one that does not parse) or repeated.</summary>
    public void TruncateAfter(int epoch)
    {
        if (Read(MetricsCsv) is not { Count: > 0 } records)
            return;
        var rows = Rows(records).ToList();
        if (rows.Count == records.Count - 1 && rows.All(r => r.Values[0] <= epoch))
            return; // every row whole, in order and kept: a finished run that is reused is left as it is
        string partial = MetricsCsv + ".tmp";
        using (var csv = CsvWriter.ToFile(partial, Lines))
        {
            WriteRecord(csv, records[0]);
            foreach (var (fields, values) in rows)
                if (values[0] <= epoch)
                    WriteRecord(csv, fields);
        }
        File.Move(partial, MetricsCsv, overwrite: true);
    }

    /// <summary>metrics.csv's whole rows as column name -> value (what a resumed run's history is made of).</summary>
    public IEnumerable<IReadOnlyDictionary<string, double>> ReadRows()
    {
        if (Read(MetricsCsv) is not { Count: > 0 } records)
            yield break;
        var head = records[0];
        foreach (var (_, values) in Rows(records))
            yield return head.Select((h, i) => (h, values[i])).ToDictionary(x => x.h, x => x.Item2);
    }

    /// <summary>The records of <paramref name="path"/> (CsvHelper; none when it does not exist). A line break always
    /// ends a record: a quote a kill left open cannot swallow the rows after it.</summary>
    static List<string[]> Read(string path)
    {
        var records = new List<string[]>();
        if (!File.Exists(path))
            return records;
        using var r = CsvReader.FromFile(
            path,
            new CsvReaderOptions { HasHeader = false, AllowLineBreaksInQuotes = false }
        );
        while (r.Read())
        {
            var fields = new string[r.FieldCount];
            for (int i = 0; i < fields.Length; i++)
                fields[i] = r.GetString(i);
            records.Add(fields);
        }
        return records;
    }

    /// <summary>The data rows with as many numbers as the header has names, each epoch once, in order.</summary>
    static IEnumerable<(string[] Fields, double[] Values)> Rows(List<string[]> records)
    {
        int fields = records[0].Length;
        double last = double.NegativeInfinity;
        foreach (var row in records.Skip(1))
        {
            var values = new double[row.Length];
            if (
                row.Length != fields
                || !row.Select(
                        (p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])
                    )
                    .All(ok => ok)
                || values[0] <= last
            )
                continue;
            last = values[0];
            yield return (row, values);
        }
    }

    public void Dispose() { } // TorchSharp's SummaryWriter writes each event at once; nothing to flush
}
