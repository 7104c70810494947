using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Data;

/// <summary>How pixel values are scaled into tensors.</summary>
public enum PixelScale
{
    /// <summary>value / 255, in [0, 1] (the organiser's AE).</summary>
    Unit,
    /// <summary>value / 127.5 - 1, in [-1, 1] (tanh generators).</summary>
    Symmetric,
}

/// <summary>Flips and 180-degree rotation, the same transform for SEM and depth.</summary>
public enum Flip { None = 0, Horizontal = 1, Vertical = 2, Rotate180 = 3 }

/// <summary>Assembles batches of images into tensors (N, 1, 72, 48) on the chosen device.</summary>
public static class Batches
{
    const int H = Geometry.Height, W = Geometry.Width, P = Geometry.Pixels;

    /// <summary>Copies images <paramref name="idx"/> of <paramref name="set"/> into <paramref name="dst"/>
    /// as scaled floats, flipped per image as <paramref name="flips"/> says (null: none).</summary>
    public static void Fill(ImageSet set, ReadOnlySpan<int> idx, PixelScale scale, ReadOnlySpan<Flip> flips, Span<float> dst)
    {
        float mul = scale == PixelScale.Unit ? 1f / 255f : 1f / 127.5f, add = scale == PixelScale.Unit ? 0f : -1f;
        for (int n = 0; n < idx.Length; n++)
        {
            var src = set[idx[n]];
            var d = dst.Slice(n * P, P);
            Flip f = flips.IsEmpty ? Flip.None : flips[n];
            if (f == Flip.None)
            {
                for (int i = 0; i < P; i++) d[i] = src[i] * mul + add;
                continue;
            }
            bool fh = f is Flip.Horizontal or Flip.Rotate180, fv = f is Flip.Vertical or Flip.Rotate180;
            for (int y = 0; y < H; y++)
            {
                int sy = fv ? H - 1 - y : y;
                for (int x = 0; x < W; x++) d[y * W + x] = src[sy * W + (fh ? W - 1 - x : x)] * mul + add;
            }
        }
    }

    /// <summary>A tensor (N, 1, 72, 48) of the given images.</summary>
    public static Tensor ToTensor(ImageSet set, ReadOnlySpan<int> idx, PixelScale scale, Device device, ReadOnlySpan<Flip> flips = default)
    {
        var buf = new float[idx.Length * P];
        Fill(set, idx, scale, flips, buf);
        var t = torch.tensor(buf, new long[] { idx.Length, 1, H, W }); // (N, 1, 72, 48)
        return device.type == DeviceType.CPU ? t : t.to(device);
    }

    /// <summary>Converts model output (N, 1, 72, 48) or (N, 3456) back to 8-bit images.</summary>
    public static byte[] ToBytes(Tensor t, PixelScale scale)
    {
        using var scope = torch.NewDisposeScope();
        var v = scale == PixelScale.Unit ? t * 255 : (t + 1) * 127.5;
        var f = v.round().clamp(0, 255).to(ScalarType.Byte).cpu().contiguous();
        return f.data<byte>().ToArray();
    }

    /// <summary>Seeded shuffle (Fisher-Yates) of a copy of <paramref name="items"/>.</summary>
    public static int[] Shuffled(IReadOnlyList<int> items, int seed, int epoch)
    {
        var a = items.ToArray();
        var r = Rng.For(seed, 40, epoch);
        for (int i = a.Length - 1; i > 0; i--) { int j = r.NextInt(i + 1); (a[i], a[j]) = (a[j], a[i]); }
        return a;
    }

    /// <summary>Seeded random flips, one per image.</summary>
    public static Flip[] RandomFlips(int count, int seed, int epoch, int batch)
    {
        var r = Rng.For(seed, 41, epoch * 1_000_003L + batch);
        var f = new Flip[count];
        for (int i = 0; i < count; i++) f[i] = (Flip)r.NextInt(4);
        return f;
    }
}

/// <summary>Validation splits that never leak: simulated by &lt;base&gt; (so itr0/itr1 and the same hole in
/// other cases stay together), train by site.</summary>
public static class Splits
{
    /// <summary>Simulated SEM indices (into <see cref="SemData.SimSem"/>) for training and validation.</summary>
    public static (int[] Train, int[] Val) SimByBase(DaconDataSet set, double valFraction, int seed)
    {
        var bases = set.Sim.Select(p => p.Base).Distinct().Order(StringComparer.Ordinal).ToList();
        var order = Batches.Shuffled(Enumerable.Range(0, bases.Count).ToArray(), seed, -1);
        int nVal = (int)Math.Round(bases.Count * valFraction);
        var valBases = order.Take(nVal).Select(i => bases[i]).ToHashSet(StringComparer.Ordinal);
        var train = new List<int>(); var val = new List<int>();
        for (int i = 0; i < set.Sim.Count; i++)
        {
            var dst = valBases.Contains(set.Sim[i].Base) ? val : train;
            dst.Add(2 * i); dst.Add(2 * i + 1);
        }
        return (train.ToArray(), val.ToArray());
    }

    /// <summary>Train image indices split by site.</summary>
    public static (int[] Train, int[] Val) TrainBySite(DaconDataSet set, double valFraction, int seed)
    {
        var sites = set.Train.Select(t => t.SiteKey).Distinct().Order(StringComparer.Ordinal).ToList();
        var order = Batches.Shuffled(Enumerable.Range(0, sites.Count).ToArray(), seed, -2);
        var valSites = order.Take((int)Math.Round(sites.Count * valFraction)).Select(i => sites[i]).ToHashSet(StringComparer.Ordinal);
        var train = new List<int>(); var val = new List<int>();
        for (int i = 0; i < set.Train.Count; i++) (valSites.Contains(set.Train[i].SiteKey) ? val : train).Add(i);
        return (train.ToArray(), val.ToArray());
    }
}
