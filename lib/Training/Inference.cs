using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>The loops every trainer and predictor shares: batched evaluation-mode inference and one optimiser
/// step.</summary>
public static class Inference
{
    /// <summary>Images per inference batch: small batches keep the buffers below the heap's mmap threshold, and with
    /// the heap tuned 16 to 128 run alike (docs/performance.md).</summary>
    public const int DefaultBatch = 32;

    /// <summary>Runs <paramref name="model"/> in evaluation mode without gradients over images <paramref name="idx"/>
    /// of <paramref name="set"/>, a dispose scope per batch; <paramref name="consume"/> gets each output with the
    /// position of its first image in <paramref name="idx"/>. The model's mode is restored.</summary>
    public static void Batched(
        nn.Module<Tensor, Tensor> model,
        ImageSet set,
        IReadOnlyList<int> idx,
        PixelScale scale,
        Action<Tensor, int> consume,
        int batchSize = DefaultBatch
    )
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = torch.inference_mode(); // outputs are only read: no autograd bookkeeping
            var ids = idx as int[] ?? idx.ToArray();
            for (int s = 0; s < ids.Length; s += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                int n = Math.Min(batchSize, ids.Length - s);
                // (n, ...)
                consume(model.forward(Batches.ToTensor(set, ids.AsSpan(s, n), scale, TorchDevice.Current)), s);
            }
        }
        finally
        {
            if (wasTraining)
                model.train();
        }
    }

    /// <summary>Depth maps (8-bit, concatenated) of an image-to-depth network over images <paramref name="idx"/>;
    /// non-finite outputs are counted in <paramref name="health"/>.</summary>
    public static byte[] Maps(
        nn.Module<Tensor, Tensor> model,
        ImageSet set,
        IReadOnlyList<int> idx,
        PixelScale inputScale,
        PixelScale outputScale = PixelScale.Unit,
        OutputHealth? health = null,
        int batchSize = DefaultBatch
    )
    {
        var o = new byte[idx.Count * Geometry.Pixels];
        Batched(
            model,
            set,
            idx,
            inputScale,
            (y, start) => Batches.ToBytes(y, outputScale, health).CopyTo(o, start * Geometry.Pixels),
            batchSize
        );
        return o;
    }

    /// <summary>The case (1-4) a classifier's logits pick for each of images <paramref name="idx"/>.</summary>
    public static int[] Cases(
        nn.Module<Tensor, Tensor> classifier,
        ImageSet set,
        IReadOnlyList<int> idx,
        int batchSize = DefaultBatch
    )
    {
        var o = new int[idx.Count];
        Batched(
            classifier,
            set,
            idx,
            PixelScale.Symmetric,
            (logits, start) =>
            {
                var cls = logits.argmax(1).cpu().data<long>().ToArray(); // (N,) class = case - 1
                for (int k = 0; k < cls.Length; k++)
                    o[start + k] = (int)cls[k] + 1;
            },
            batchSize
        );
        return o;
    }

    /// <summary><paramref name="model"/> applied to the images <paramref name="x"/> (N, ...) in slices of
    /// <paramref name="batchSize"/>, concatenated (call it without gradients: inference of a large chunk).</summary>
    public static Tensor Forward(nn.Module<Tensor, Tensor> model, Tensor x, int batchSize = DefaultBatch)
    {
        long n = x.shape[0];
        if (n <= batchSize)
            return model.forward(x);
        var parts = new List<Tensor>();
        for (long s = 0; s < n; s += batchSize)
            parts.Add(model.forward(x.slice(0, s, Math.Min(s + batchSize, n), 1)));
        return torch.cat(parts, 0);
    }

    /// <summary>One optimiser step on the loss <paramref name="loss"/> builds; returns the loss, detached and
    /// still on its device (reading it is a host synchronisation: do it only when reporting).</summary>
    public static Tensor Step(optim.Optimizer optimizer, Func<Tensor> loss)
    {
        optimizer.zero_grad();
        var l = loss();
        l.backward();
        optimizer.step();
        return l.detach();
    }
}

/// <summary>
/// Sums scalar losses where they are (in float64, on their device) and reads the mean back only when
/// asked: a training loop adds every step's loss without a host synchronisation and reads once an epoch.
/// </summary>
public sealed class LossSum : IDisposable
{
    Tensor? _sum;

    /// <summary>Losses added.</summary>
    public int Count { get; private set; }

    public void Add(Tensor scalar)
    {
        using var noGrad = torch.no_grad();
        var v = scalar.detach().to(ScalarType.Float64);
        if (_sum is null)
            _sum = v.clone().DetachFromDisposeScope();
        else
        {
            using Scalar one = 1; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
            _sum.add_(v, one);
        }
        Count++;
    }

    /// <summary>The mean of the losses added (one synchronisation); NaN when none.</summary>
    public double Mean => _sum is null || Count == 0 ? double.NaN : _sum.item<double>() / Count;

    public void Dispose() => _sum?.Dispose();
}
