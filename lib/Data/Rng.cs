namespace SemDepth.Data;

/// <summary>
/// Small fast deterministic generator (xoshiro256**, seeded by SplitMix64). The synthetic set seeds
/// one per item from (seed, stream, index), so output does not depend on thread scheduling.
/// </summary>
public sealed class Rng
{
    ulong _s0,
        _s1,
        _s2,
        _s3;
    double _spare;
    bool _hasSpare;

    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>A generator for item <paramref name="index"/> of stream <paramref name="stream"/>.</summary>
    public static Rng For(int seed, int stream, long index) =>
        new(
            unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)stream << 52) ^ (ulong)index * 0xD1B54A32D192ED03UL)
        );

    /// <summary>The seed of torch's own generator for part <paramref name="part"/> (a CycleGAN's per-case model) of
    /// epoch <paramref name="epoch"/>: dropout and the gradient penalty's mixing are a function of (seed, epoch, part),
    /// so a resumed run draws what an uninterrupted one would.</summary>
    public static long TorchSeed(int seed, int epoch, int part) => seed * 1_000_003L + epoch * 101 + part;

    static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9,
            t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    public int NextInt(int n) => (int)((NextULong() >> 33) % (ulong)n);

    /// <summary>Standard normal (Marsaglia polar method).</summary>
    public double Normal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        double u,
            v,
            s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = Math.Sqrt(-2 * Math.Log(s) / s);
        _spare = v * m;
        _hasSpare = true;
        return u * m;
    }

    public double Normal(double mean, double sd) => mean + sd * Normal();
}
