using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Methods;

namespace SemDepth.Submission;

/// <summary>Writes predictions as loose PNG files named like the test images.</summary>
public static class PredictionWriter
{
    public static int WritePngs(IDepthPredictor p, SemData d, string dir, int batch = 2048)
    {
        Directory.CreateDirectory(dir);
        for (int s = 0; s < d.Test.Count; s += batch)
        {
            int n = Math.Min(batch, d.Test.Count - s);
            var pred = p.Predict(d.Test, Enumerable.Range(s, n).ToList());
            Parallel.For(0, n, k =>
                Png8.Write(
                    Path.Combine(dir, d.DataSet.Test[s + k].Name),
                    pred.AsSpan(k * Geometry.Pixels, Geometry.Pixels)
                )
            );
        }
        return d.Test.Count;
    }
}
