using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>
/// Recomputes the running statistics of every BatchNorm layer with the final weights ("precise BN"):
/// the statistics gathered during training average over weights that kept changing, and on this data
/// set that lag alone can take the case classifier to chance in evaluation mode. Only the
/// BatchNorm layers run in training mode (dropout stays off); no gradients.
/// </summary>
public static class BatchNormCalibration
{
    /// <summary>Images of each source the statistics average over (by default).</summary>
    public const int MaxImages = 2048;

    public static void Recalibrate(
        nn.Module<Tensor, Tensor> model,
        ImageSet set,
        IReadOnlyList<int> idx,
        PixelScale scale,
        int maxImages = MaxImages,
        int batchSize = 128
    ) => Recalibrate(model, [(set, idx)], scale, maxImages, batchSize);

    /// <summary>Statistics averaged over images of several sets (a network trained on simulated and
    /// real images at once), up to <paramref name="maxImages"/> from each.</summary>
    public static void Recalibrate(
        nn.Module<Tensor, Tensor> model,
        IReadOnlyList<(ImageSet Set, IReadOnlyList<int> Idx)> sources,
        PixelScale scale,
        int maxImages = MaxImages,
        int batchSize = 128
    )
    {
        var norms = model.modules().OfType<NormBase>().Where(m => m.running_mean is not null).ToList();
        if (norms.Count == 0 || sources.Sum(x => x.Idx.Count) < 2)
            return;
        bool wasTraining = model.training;
        var momenta = norms.Select(n => n.momentum).ToList();
        model.eval();
        foreach (var n in norms)
        {
            n.reset_running_stats();
            n.momentum = null;
            n.train();
        } // null momentum: a plain average over batches
        try
        {
            using var noGrad = torch.no_grad();
            foreach (var (set, idx) in sources)
            {
                var ids = idx.Take(maxImages).ToArray();
                for (int s = 0; s + 2 <= ids.Length; s += batchSize)
                {
                    using var scope = torch.NewDisposeScope();
                    int n = Math.Min(batchSize, ids.Length - s);
                    if (n < 2)
                        break; // BatchNorm needs two samples
                    model.forward(Batches.ToTensor(set, ids.AsSpan(s, n), scale, TorchDevice.Current));
                }
            }
        }
        finally
        {
            for (int i = 0; i < norms.Count; i++)
                norms[i].momentum = momenta[i];
            if (wasTraining)
                model.train();
            else
                model.eval();
        }
    }
}
