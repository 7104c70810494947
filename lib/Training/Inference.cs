using SemDepth.Data;
using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>The loops every trainer and predictor shares: batched evaluation-mode inference and one optimiser step.</summary>
public static class Inference
{
    /// <summary>Runs <paramref name="model"/> in evaluation mode without gradients over images
    /// <paramref name="idx"/> of <paramref name="set"/>, a dispose scope per batch; <paramref name="consume"/>
    /// gets each output with the position of its first image in <paramref name="idx"/>. The model's mode is restored.</summary>
    public static void Batched(nn.Module<Tensor, Tensor> model, ImageSet set, IReadOnlyList<int> idx, PixelScale scale, Action<Tensor, int> consume, int batchSize = 256)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = torch.no_grad();
            var ids = idx as int[] ?? idx.ToArray();
            for (int s = 0; s < ids.Length; s += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                int n = Math.Min(batchSize, ids.Length - s);
                consume(model.forward(Batches.ToTensor(set, ids.AsSpan(s, n), scale, TorchDevice.Current)), s); // (n, ...)
            }
        }
        finally { if (wasTraining) model.train(); }
    }

    /// <summary>One optimiser step on the loss <paramref name="loss"/> builds; returns its value.</summary>
    public static double Step(optim.Optimizer optimizer, Func<Tensor> loss)
    {
        optimizer.zero_grad();
        var l = loss();
        l.backward();
        optimizer.step();
        return l.item<float>();
    }
}
