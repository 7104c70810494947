using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Models;
using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Methods;

/// <summary>
/// The CycleGAN pipeline: real SEM -> case (classifier) -> GenRealToSim of that case -> fakeSim ->
/// depth network -> post-processing with the plateau of the case. With a shared generator the case
/// only picks the plateau, and <paramref name="cases"/> may be null: the case is then read from the
/// depth network's own prediction (the plateau nearest its 90th percentile, <see cref="PostProcess.CaseOfMap"/>).
/// </summary>
public sealed class CycleGanPipeline(
    string name,
    Func<int, ResnetGenerator> genRealToSim,
    nn.Module<Tensor, Tensor> depthNet,
    PixelScale depthInput,
    ICasePredictor? cases,
    bool postProcess = true,
    int batchSize = Training.Inference.DefaultBatch
) : IDepthPredictor
{
    public string Name { get; } = name;

    /// <summary>Non-finite values of the translated images and of the depth maps.</summary>
    public OutputHealth Health { get; } = new();

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var caseOf = cases?.PredictCases(sem, idx) ?? new int[idx.Count]; // 0: read from the prediction
        var o = new byte[idx.Count * Geometry.Pixels];
        var device = TorchDevice.Current;
        using var noGrad = torch.inference_mode();
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
                Health.Add(fakeSim);
                using Scalar one = 1,
                    half = 0.5; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
                var input = depthInput == PixelScale.Unit ? fakeSim.Plus(one) * half : fakeSim;
                var maps = Batches.ToBytes(depthNet.forward(input), PixelScale.Unit, Health);
                for (int k = 0; k < n; k++)
                {
                    var dst = o.AsSpan(pos[s + k] * Geometry.Pixels, Geometry.Pixels);
                    maps.AsSpan(k * Geometry.Pixels, Geometry.Pixels).CopyTo(dst);
                    if (postProcess)
                        PostProcess.Apply(dst, group.Key > 0 ? group.Key : PostProcess.CaseOfMap(dst));
                }
            }
        }
        return o;
    }
}
