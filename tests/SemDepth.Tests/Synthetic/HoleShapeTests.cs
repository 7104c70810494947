using SemDepth.Data;
using SemDepth.Synthetic;
using Xunit;

namespace SemDepth.Tests;

/// <summary>The hole's geometry: the stadium and its wandering rim.</summary>
public class HoleShapeTests
{
    [Fact]
    public void TheRimIsDrawnLastSoTheStadiumStaysWhereItWas()
    {
        var plain = new ShapeConfig { RimModes = 0 };
        var rimmed = new ShapeConfig(); // the default: 5 modes
        var amplitudes = new List<double>();
        for (int b = 0; b < 2000; b++)
        {
            var a = HoleShape.Sample(plain, Rng.For(41, 1, b));
            var s = HoleShape.Sample(rimmed, Rng.For(41, 1, b));
            Assert.Null(a.Rim);
            Assert.Equal(a, s with { Rim = null });
            Assert.Equal(2 * rimmed.RimModes, s.Rim!.Length);
            amplitudes.AddRange(s.Rim);
        }
        double sd = Math.Sqrt(amplitudes.Average(v => v * v));
        Assert.InRange(sd, 0.95 * rimmed.RimRoughness, 1.05 * rimmed.RimRoughness);
        Assert.InRange(amplitudes.Average(), -0.0002, 0.0002);
    }

    [Fact]
    public void TheRimWandersByItsModes()
    {
        // mode 2's cosine amplitude 0.02: the rim 2 % further out to the sides (angle 0), 2 % further in at the
        // ends of the stadium (angle 90 degrees, cos 180 = -1); mode 3's sine moves nothing at angle 0
        var rim = new double[10];
        rim[0] = 0.02;
        rim[3] = 0.01;
        var s = new HoleShape(35.5, 23.5, 28, 17, 0.15, 0.4, 1.5, rim);
        double straight = 28 - 17;
        Assert.Equal(1.0, s.Rho(35.5, 23.5 + 17 * 1.02), 9);
        Assert.Equal(1.0, s.Rho(35.5, 23.5 - 17 * 1.02), 9);
        // rows grow downwards: below the axis the angle is +90 degrees, mode 2 gives -0.02 and mode 3's sine
        // (sin 270 = -1) -0.01; above it -90 degrees, -0.02 and +0.01
        Assert.Equal(1.0, s.Rho(35.5 + straight + 17 * (1 - 0.02 - 0.01), 23.5), 9);
        Assert.Equal(1.0, s.Rho(35.5 - straight - 17 * (1 - 0.02 + 0.01), 23.5), 9);
        // the plain stadium has its rim at the half-width everywhere
        var plain = s with { Rim = null };
        Assert.Equal(1.0, plain.Rho(35.5, 23.5 + 17), 9);
        Assert.Equal(1.0, plain.Rho(35.5 + straight + 17, 23.5), 9);
        // the axis stays the deepest point
        Assert.Equal(0.0, s.Rho(35.5, 23.5), 9);
        Assert.Equal(s.Bottom, s.Profile(s.Rho(35.5, 23.5)), 9);
    }

    [Fact]
    public void ARimOutsideItsRangeIsAnErrorNamingIt()
    {
        var cfg = SyntheticConfig.Tiny;
        var e = Assert.Throws<ArgumentException>(() =>
            (cfg with { Shape = cfg.Shape with { RimRoughness = 0.2 } }).Check()
        );
        Assert.Contains("RimRoughness", e.Message);
        e = Assert.Throws<ArgumentException>(() => (cfg with { Shape = cfg.Shape with { RimModes = -1 } }).Check());
        Assert.Contains("RimModes", e.Message);
    }
}
