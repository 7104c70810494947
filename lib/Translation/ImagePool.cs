using SemDepth.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Translation;

/// <summary>
/// A buffer of past generated images (Shrivastava et al.): once full, each new fake is, with
/// probability 0.5, swapped for a stored one, so the discriminator also sees older generator outputs.
/// Seeded. Stored images live outside dispose scopes and are freed when replaced or cleared.
/// </summary>
public sealed class ImagePool(int size, int seed, int stream) : IDisposable
{
    readonly List<Tensor> _images = [];
    Rng _rng = Rng.For(seed, stream, 0);

    /// <summary>Empties the pool and restarts its random stream at <paramref name="epoch"/>.</summary>
    public void Reset(int epoch)
    {
        foreach (var t in _images)
            t.Dispose();
        _images.Clear();
        _rng = Rng.For(seed, stream, epoch);
    }

    /// <summary>Images (N, C, H, W) to show the discriminator in place of <paramref name="fakes"/>.</summary>
    public Tensor Query(Tensor fakes)
    {
        if (size <= 0)
            return fakes.detach();
        var outs = new List<Tensor>();
        for (long i = 0; i < fakes.shape[0]; i++)
        {
            var img = fakes[i].detach().unsqueeze(0); // (1, C, H, W)
            if (_images.Count < size)
            {
                _images.Add(img.clone().DetachFromDisposeScope());
                outs.Add(img);
            }
            else if (_rng.NextDouble() < 0.5)
            {
                int k = _rng.NextInt(size);
                outs.Add(_images[k].clone()); // the clone joins the caller's scope
                _images[k].Dispose();
                _images[k] = img.clone().DetachFromDisposeScope();
            }
            else
                outs.Add(img);
        }
        return torch.cat(outs, 0);
    }

    public int Count => _images.Count;

    public void Dispose() => Reset(0);
}
