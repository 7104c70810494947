using SemDepth.Images;
using SemDepth.Torch;
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
public enum Flip
{
    None = 0,
    Horizontal = 1,
    Vertical = 2,
    Rotate180 = 3,
}

/// <summary>One image of one set: domains that span several sets (Real = train + test) are lists of these.</summary>
public readonly record struct ImageRef(ImageSet Set, int Index);

/// <summary>Assembles batches of images into tensors (N, 1, 72, 48) on the chosen device.</summary>
public static class Batches
{
    const int H = Geometry.Height,
        W = Geometry.Width,
        P = Geometry.Pixels;

    /// <summary>Copies images <paramref name="idx"/> of <paramref name="set"/> into <paramref name="dst"/>
    /// as scaled floats, flipped per image as <paramref name="flips"/> says (null: none).</summary>
    public static void Fill(
        ImageSet set,
        ReadOnlySpan<int> idx,
        PixelScale scale,
        ReadOnlySpan<Flip> flips,
        Span<float> dst
    )
    {
        float mul = scale == PixelScale.Unit ? 1f / 255f : 1f / 127.5f,
            add = scale == PixelScale.Unit ? 0f : -1f;
        for (int n = 0; n < idx.Length; n++)
            FillOne(set[idx[n]], dst.Slice(n * P, P), flips.IsEmpty ? Flip.None : flips[n], mul, add);
    }

    /// <summary>Images of several sets into a contiguous CPU float tensor (N, 1, 72, 48).</summary>
    public static void Fill(ReadOnlySpan<ImageRef> refs, PixelScale scale, ReadOnlySpan<Flip> flips, Tensor dst)
    {
        CheckDestination(dst, refs.Length);
        var d = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(dst.bytes);
        float mul = scale == PixelScale.Unit ? 1f / 255f : 1f / 127.5f,
            add = scale == PixelScale.Unit ? 0f : -1f;
        for (int n = 0; n < refs.Length; n++)
            FillOne(refs[n].Set[refs[n].Index], d.Slice(n * P, P), flips.IsEmpty ? Flip.None : flips[n], mul, add);
    }

    static void FillOne(ReadOnlySpan<byte> src, Span<float> d, Flip f, float mul, float add)
    {
        if (f == Flip.None)
        {
            for (int i = 0; i < P; i++)
                d[i] = src[i] * mul + add;
            return;
        }
        bool fh = f is Flip.Horizontal or Flip.Rotate180,
            fv = f is Flip.Vertical or Flip.Rotate180;
        for (int y = 0; y < H; y++)
        {
            int sy = fv ? H - 1 - y : y;
            for (int x = 0; x < W; x++)
                d[y * W + x] = src[sy * W + (fh ? W - 1 - x : x)] * mul + add;
        }
    }

    static void CheckDestination(Tensor dst, int n)
    {
        if (
            dst.dtype != ScalarType.Float32
            || dst.device_type != DeviceType.CPU
            || !dst.is_contiguous()
            || dst.numel() != (long)n * P
        )
            throw new ArgumentException(
                $"destination must be a contiguous CPU float32 tensor of {n}x1x{H}x{W}, not {dst.dtype} "
                    + $"{string.Join('x', dst.shape)} on {dst.device}"
            );
    }

    /// <summary>Writes the images straight into the memory of <paramref name="dst"/>, a contiguous CPU float
    /// tensor (N, 1, 72, 48) with N = idx.Length. No managed array is shared with native code (a tensor
    /// over a reused managed buffer, torch.tensor(float[]), was the suspect of an intermittent
    /// "Unknown scalar type" failure in a long notebook run), and no extra copy is made.</summary>
    public static void Fill(ImageSet set, ReadOnlySpan<int> idx, PixelScale scale, ReadOnlySpan<Flip> flips, Tensor dst)
    {
        CheckDestination(dst, idx.Length);
        Fill(set, idx, scale, flips, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(dst.bytes));
    }

    /// <summary>A new CPU float tensor (N, 1, 72, 48), outside any dispose scope (the caller owns it).</summary>
    public static Tensor HostBuffer(int n)
    {
        var t = torch.empty(new long[] { n, 1, H, W }, ScalarType.Float32); // (N, 1, 72, 48)
        return t.DetachFromDisposeScope();
    }

    /// <summary>A tensor (N, 1, 72, 48) of the given images, on <paramref name="device"/>.</summary>
    public static Tensor ToTensor(
        ImageSet set,
        ReadOnlySpan<int> idx,
        PixelScale scale,
        Device device,
        ReadOnlySpan<Flip> flips = default
    )
    {
        var t = torch.empty(new long[] { idx.Length, 1, H, W }, ScalarType.Float32); // (N, 1, 72, 48)
        Fill(set, idx, scale, flips, t);
        return device.type == DeviceType.CPU ? t : t.to(device);
    }

    /// <summary>Converts model output (N, 1, 72, 48) or (N, 3456) back to 8-bit images; <paramref name="health"/>
    /// counts its non-finite values first.</summary>
    public static byte[] ToBytes(Tensor t, PixelScale scale, OutputHealth? health = null)
    {
        health?.Add(t); // before rounding and clamping, which would turn a NaN into a depth
        using var scope = torch.NewDisposeScope();
        using Scalar s255 = 255,
            s1 = 1,
            s127 = 127.5,
            s0 = 0; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        var v = scale == PixelScale.Unit ? t * s255 : t.Plus(s1) * s127;
        var f = v.round().clamp(s0, s255).to(ScalarType.Byte).cpu().contiguous();
        return f.data<byte>().ToArray();
    }

    /// <summary>At most <paramref name="cap"/> of <paramref name="items"/>, evenly spaced through them in their order
    /// (0, or a cap at or above the count: all of them): a sample that keeps every part of an ordered list.</summary>
    public static int[] EvenSample(IReadOnlyList<int> items, int cap)
    {
        if (cap <= 0 || cap >= items.Count)
            return items.ToArray();
        var o = new int[cap];
        for (int k = 0; k < cap; k++)
            o[k] = items[(int)((long)k * items.Count / cap)];
        return o;
    }

    /// <summary>Seeded shuffle (Fisher-Yates) of a copy of <paramref name="items"/>.</summary>
    public static int[] Shuffled(IReadOnlyList<int> items, int seed, int epoch)
    {
        var a = items.ToArray();
        var r = Rng.For(seed, 40, epoch);
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = r.NextInt(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
        return a;
    }

    /// <summary>Seeded random flips, one per image.</summary>
    public static Flip[] RandomFlips(int count, int seed, int epoch, int batch)
    {
        var r = Rng.For(seed, 41, epoch * 1_000_003L + batch);
        var f = new Flip[count];
        for (int i = 0; i < count; i++)
            f[i] = (Flip)r.NextInt(4);
        return f;
    }

    /// <summary>Concatenates images <paramref name="idx"/> of a set.</summary>
    public static byte[] Gather(ImageSet set, IReadOnlyList<int> idx)
    {
        var o = new byte[idx.Count * Geometry.Pixels];
        for (int k = 0; k < idx.Count; k++)
            set[idx[k]].CopyTo(o.AsSpan(k * Geometry.Pixels));
        return o;
    }
}
