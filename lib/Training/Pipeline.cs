using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Models;
using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>
/// The CycleGAN pipeline: real SEM -> case (classifier) -> GenRealToSim of that case -> fakeSim ->
/// depth network -> post-processing with the plateau of the case. With a shared generator the case
/// only picks the plateau, and <paramref name="cases"/> may be null: the case is then read from the
/// depth network's own prediction (the plateau nearest its 90th percentile, <see cref="Submission.PredictionWriter.PredictedCase"/>).
/// </summary>
public sealed class CycleGanPipeline(string name, Func<int, ResnetGenerator> genRealToSim, nn.Module<Tensor, Tensor> depthNet, PixelScale depthInput,
    ICasePredictor? cases, bool postProcess = true, int batchSize = 128) : IDepthPredictor
{
    public string Name { get; } = name;

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var caseOf = cases?.PredictCases(sem, idx) ?? new int[idx.Count]; // 0: read from the prediction
        var o = new byte[idx.Count * Geometry.Pixels];
        var device = TorchDevice.Current;
        using var noGrad = torch.no_grad();
        depthNet.eval();
        foreach (var group in Enumerable.Range(0, idx.Count).GroupBy(k => caseOf[k])) // one generator per case
        {
            var gen = genRealToSim(Math.Max(1, group.Key));
            gen.eval();
            var pos = group.ToArray();
            for (int s = 0; s < pos.Length; s += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                int n = Math.Min(batchSize, pos.Length - s);
                var ids = pos.AsSpan(s, n).ToArray().Select(k => idx[k]).ToArray();
                var realSem = Batches.ToTensor(sem, ids, PixelScale.Symmetric, device); // (N, 1, 72, 48) in [-1, 1]
                var fakeSim = gen.forward(realSem);
                var input = depthInput == PixelScale.Unit ? (fakeSim + 1) * 0.5 : fakeSim;
                var maps = Batches.ToBytes(depthNet.forward(input), PixelScale.Unit);
                for (int k = 0; k < n; k++)
                {
                    var dst = o.AsSpan(pos[s + k] * Geometry.Pixels, Geometry.Pixels);
                    maps.AsSpan(k * Geometry.Pixels, Geometry.Pixels).CopyTo(dst);
                    if (postProcess) PostProcess.Apply(dst, group.Key > 0 ? group.Key : Submission.PredictionWriter.PredictedCase(dst));
                }
            }
        }
        return o;
    }
}

/// <summary>Any predictor followed by the plateau post-processing with the classifier's case, or
/// (cases null) the case read from the prediction itself.</summary>
public sealed class PostProcessed(IDepthPredictor inner, ICasePredictor? cases) : IDepthPredictor
{
    public string Name => inner.Name + (cases is null ? " + post-processing (case from prediction)" : " + post-processing");

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var maps = inner.Predict(sem, idx);
        var cs = cases?.PredictCases(sem, idx)
            ?? Enumerable.Range(0, idx.Count).Select(k => Submission.PredictionWriter.PredictedCase(maps.AsSpan(k * Geometry.Pixels, Geometry.Pixels))).ToArray();
        PostProcess.ApplyAll(maps, cs);
        return maps;
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
                if (d.Set.Sim[i].Case != c) continue;
                var m = d.SimDepth[i];
                for (int k = 0; k < acc.Length; k++) acc[k] += m[k];
                n++;
            }
            _mean[c] = acc.Select(v => (byte)Math.Round(n == 0 ? Cases.Plateau(c) : v / n)).ToArray();
        }
    }

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var cs = _cases.PredictCases(sem, idx);
        var o = new byte[idx.Count * Geometry.Pixels];
        for (int k = 0; k < idx.Count; k++) _mean[cs[k]].CopyTo(o, k * Geometry.Pixels);
        return o;
    }
}

/// <summary>Remembers a predictor's maps per image set and index list, so that an evaluation that scores
/// a method raw and post-processed runs the networks once.</summary>
public sealed class MemoPredictor(IDepthPredictor inner) : IDepthPredictor
{
    readonly List<(ImageSet Set, int[] Idx, byte[] Maps)> _seen = [];
    public string Name => inner.Name;

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        foreach (var (set, ids, maps) in _seen)
            if (ReferenceEquals(set, sem) && ids.AsSpan().SequenceEqual(idx.ToArray())) return (byte[])maps.Clone(); // callers may post-process in place
        var m = inner.Predict(sem, idx);
        _seen.Add((sem, idx.ToArray(), (byte[])m.Clone()));
        return m;
    }
}

/// <summary>Remembers a case predictor's answers per image set and index list.</summary>
public sealed class MemoCases(ICasePredictor inner) : ICasePredictor
{
    readonly List<(ImageSet Set, int[] Idx, int[] Cases)> _seen = [];

    public int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx)
    {
        foreach (var (set, ids, cases) in _seen)
            if (ReferenceEquals(set, sem) && ids.AsSpan().SequenceEqual(idx.ToArray())) return cases;
        var c = inner.PredictCases(sem, idx);
        _seen.Add((sem, idx.ToArray(), c));
        return c;
    }
}
