using System.Globalization;
using CsvHelper;
using Microsoft.Data.Analysis;
using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Pictures;
using SemDepth.Synthetic;
using SemDepth.Workspace;

namespace SemDepth.Notebooks;

/// <summary>
/// A saved method pointed at a user's own SEM crops: <c>Predictor.Load("auto").Predict("my-images/")</c> gives
/// each readable image's depth map and <see cref="HoleMeasurements"/>, and says which files it skipped and why.
/// The data root the method was trained on stays open: retrieval searches its library, <c>auto</c> chooses by
/// its held-out sites.
/// </summary>
public sealed class Predictor : IDisposable
{
    /// <summary>Images predicted per batch (the submission's batch, so that maps match it byte for byte).</summary>
    public const int Batch = 2048;

    readonly SemData? _owned;
    readonly ICasePredictor? _cases;

    public SavedMethod Method { get; }

    Predictor(SavedMethod method, SemData? owned, ICasePredictor? cases)
    {
        Method = method;
        _owned = owned;
        _cases = cases;
    }

    /// <summary>A method already loaded (<see cref="SavedMethods.Load(string, SemData)"/>) on
    /// <paramref name="data"/>, which stays the caller's.</summary>
    public static Predictor From(SavedMethod method, SemData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new Predictor(method, null, CaseClassifier());
    }

    static ICasePredictor? CaseClassifier()
    {
        string ck = Training.RunNames.CheckpointOfRun(Training.RunNames.Classifier);
        return Directory.Exists(ck) ? CaseClassifierPredictor.Load(ck) : null;
    }

    /// <summary>Loads method <paramref name="method"/> (auto, ae, cyclegan, weak, retrieval) trained on
    /// <paramref name="dataRoot"/> (null: the configured root); the case classifier too, when trained.</summary>
    public static Predictor Load(string method = "auto", string? dataRoot = null)
    {
        var data = SemData.Open(DataRoot.Resolve(dataRoot, generateIfMissing: false));
        try
        {
            return new Predictor(SavedMethods.Load(method, data), data, CaseClassifier());
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>Depth maps and measurements for the PNGs <paramref name="images"/> names (a file, a folder or a
    /// glob).</summary>
    public PredictionResult Predict(string images, IProgress<WorkProgress>? progress = null) =>
        Predict(ImageFiles.Read(images), progress);

    /// <summary>Depth maps and measurements for the PNG files <paramref name="images"/> lists, in its order (a data
    /// set's own file list, whatever the files are named).</summary>
    public PredictionResult Predict(IEnumerable<string> images, IProgress<WorkProgress>? progress = null) =>
        Predict(ImageFiles.Read(images), progress);

    PredictionResult Predict(ImageFileSet files, IProgress<WorkProgress>? progress)
    {
        int n = files.Paths.Count;
        var maps = new byte[n * Geometry.Pixels];
        var cases = new int[n];
        for (int s = 0; s < n; s += Batch)
        {
            var idx = Enumerable.Range(s, Math.Min(Batch, n - s)).ToList();
            Method.Predictor.Predict(files.Images, idx).CopyTo(maps, s * Geometry.Pixels);
            if (_cases is not null)
                _cases.PredictCases(files.Images, idx).CopyTo(cases, s);
            progress?.Report(new WorkProgress("predict", s + idx.Count, n));
        }
        if (Method.Predictor.Health?.Problem is { } problem)
            throw new InvalidOperationException(
                $"{Method.Predictor.Name}: {problem}; its maps are not depth (run semdepth doctor)"
            );
        var measured = Enumerable
            .Range(0, n)
            .Select(k =>
                HoleMeasurements.Of(maps.AsSpan(k * Geometry.Pixels, Geometry.Pixels), _cases is null ? null : cases[k])
            )
            .ToList();
        return new PredictionResult(Method.Predictor.Name, files.Paths, files.Images, maps, measured, files.Skipped);
    }

    public void Dispose() => _owned?.Dispose();
}

/// <summary>What <see cref="Predictor.Predict(string, IProgress{WorkProgress})"/> gives: per readable image its path,
/// SEM, depth map and
/// measurements, and the files skipped.</summary>
public sealed record PredictionResult(
    string Method,
    IReadOnlyList<string> Paths,
    ImageSet Sem,
    byte[] Maps,
    IReadOnlyList<HoleMeasurements> Measurements,
    IReadOnlyList<SkippedFile> Skipped
)
{
    public int Count => Paths.Count;

    /// <summary>Depth map <paramref name="k"/>.</summary>
    public ReadOnlySpan<byte> Map(int k) => Maps.AsSpan(k * Geometry.Pixels, Geometry.Pixels);

    /// <summary>One row an image: its file name and every measurement.</summary>
    public DataFrame ToDataFrame()
    {
        var df = new DataFrame(new StringDataFrameColumn("image", Paths.Select(Path.GetFileName)));
        if (Count == 0)
            return df;
        foreach (var (name, _) in Measurements[0].Values())
            df.Columns.Add(
                new DoubleDataFrameColumn(name, Measurements.Select(m => m.Values().First(v => v.Name == name).Value))
            );
        return df;
    }

    /// <summary>SEM | depth for the first <paramref name="n"/> images, each labelled with its main
    /// measurements.</summary>
    public ImageGrid Overview(int n = 6)
    {
        var g = new ImageGrid
        {
            Title =
                $"{Method}: {Count:N0} images{(Skipped.Count > 0 ? $" ({Skipped.Count} skipped)" : "")}; SEM "
                + $"| depth (hole depth, diameter at half depth, px)",
        };
        for (int k = 0; k < Math.Min(n, Count); k++)
        {
            var m = Measurements[k];
            g.Row(
                new Tile(Shorten(Path.GetFileName(Paths[k])), Sem.ToArray(k), ImageKind.Sem),
                new Tile($"depth {m.HoleDepth:F0}, d {m.DiameterHalfDepth:F1}", Map(k).ToArray(), ImageKind.Depth)
            );
        }
        return g;
    }

    static string Shorten(string name) => name.Length <= 18 ? name : name[..8] + ".." + name[^8..];

    /// <summary>Writes <c>depth/NAME</c> (8-bit PNG a map, named like its SEM), <c>measurements.csv</c> and
    /// <c>overview.png</c> into <paramref name="outDir"/>; returns the CSV's path.</summary>
    public string Write(string outDir)
    {
        string depthDir = Path.Combine(outDir, "depth");
        Directory.CreateDirectory(depthDir);
        var names = Paths.Select(Path.GetFileName).ToList();
        var dup = names.GroupBy(x => x, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
            throw new InvalidOperationException(
                $"two images are named {dup.Key}: their depth maps would overwrite each other"
            );
        Parallel.For(0, Count, k =>
            Png8.Write(Path.Combine(depthDir, Path.ChangeExtension(names[k]!, ".png")), Map(k))
        );
        string csvPath = Path.Combine(outDir, "measurements.csv");
        using (var csv = CsvWriter.ToFile(csvPath, new CsvWriterOptions { HasHeader = false, NewLine = "\n" }))
        {
            csv.WriteField("image");
            foreach (var name in HoleMeasurements.Names)
                csv.WriteField(name);
            csv.EndRecord();
            for (int k = 0; k < Count; k++)
            {
                csv.WriteField(names[k]!);
                foreach (var (_, value) in Measurements[k].Values())
                    csv.WriteField(value.ToString("0.###", CultureInfo.InvariantCulture));
                csv.EndRecord();
            }
        }
        if (Count > 0)
            File.WriteAllBytes(Path.Combine(outDir, "overview.png"), Overview().ToPng());
        return csvPath;
    }

    public override string ToString() => $"{Method}: {Count:N0} images predicted, {Skipped.Count} skipped";
}
