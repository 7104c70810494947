using SemDepth.Data;
using SemDepth.Images;

namespace SemDepth.Methods;

/// <summary>The simplest baseline: every pixel gets the per-case mean simulated depth map (the case
/// read from the train folder when known, else the average over cases).</summary>
public sealed class ConstantMapPredictor : IDepthPredictor
{
    readonly byte[] _mean;
    public string Name => "constant mean map";

    public ConstantMapPredictor(SemData d)
    {
        var acc = new double[Geometry.Pixels];
        for (int i = 0; i < d.SimDepth.Count; i++)
        {
            var m = d.SimDepth[i];
            for (int k = 0; k < acc.Length; k++)
                acc[k] += m[k];
        }
        _mean = acc.Select(v => (byte)Math.Round(v / Math.Max(1, d.SimDepth.Count))).ToArray();
    }

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var o = new byte[idx.Count * Geometry.Pixels];
        for (int k = 0; k < idx.Count; k++)
            _mean.CopyTo(o, k * Geometry.Pixels);
        return o;
    }
}

/// <summary>Per-case constant map: the mean simulated depth map of the predicted case.</summary>
public sealed class PerCaseConstantPredictor : IDepthPredictor
{
    readonly Dictionary<int, byte[]> _mean = [];
    readonly ICasePredictor _cases;
    public string Name => "per-case constant map";

    public PerCaseConstantPredictor(SemData d, ICasePredictor cases)
    {
        _cases = cases;
        foreach (int c in Cases.All)
        {
            var acc = new double[Geometry.Pixels];
            int n = 0;
            for (int i = 0; i < d.SimDepth.Count; i++)
            {
                if (d.DataSet.Sim[i].Case != c)
                    continue;
                var m = d.SimDepth[i];
                for (int k = 0; k < acc.Length; k++)
                    acc[k] += m[k];
                n++;
            }
            _mean[c] = acc.Select(v => (byte)Math.Round(n == 0 ? Cases.Plateau(c) : v / n)).ToArray();
        }
    }

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var cs = _cases.PredictCases(sem, idx);
        var o = new byte[idx.Count * Geometry.Pixels];
        for (int k = 0; k < idx.Count; k++)
            _mean[cs[k]].CopyTo(o, k * Geometry.Pixels);
        return o;
    }
}
