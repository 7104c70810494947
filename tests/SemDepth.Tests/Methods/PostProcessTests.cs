using SemDepth.Images;
using SemDepth.Methods;
using Xunit;

namespace SemDepth.Tests;

public class PostProcessTests
{
    [Fact]
    public void ClosingFillsIsolatedPitsAndPlateauSnaps()
    {
        var map = Enumerable.Repeat((byte)100, Geometry.Pixels).ToArray();
        for (int y = 0; y < 20; y++)
        for (int x = 0; x < Geometry.Width; x++)
            map[y * Geometry.Width + x] = 139; // near-plateau band
        map[40 * Geometry.Width + 20] = 60; // isolated pit: closing fills it from its neighbours
        map[50 * Geometry.Width + 20] = 200; // isolated peak: closing keeps it (closing only fills dark)
        PostProcess.Apply(map, 1); // plateau 140
        Assert.Equal(140, map[5 * Geometry.Width + 5]); // 139 >= 140 - 1 -> snapped
        Assert.Equal(100, map[40 * Geometry.Width + 20]); // pit filled to 100
        Assert.Equal(140, map[50 * Geometry.Width + 20]); // 200 >= 139 -> plateau
        Assert.Equal(100, map[60 * Geometry.Width + 30]); // untouched
        Assert.All(map, v => Assert.True(v <= 140));
        var same = Enumerable.Repeat((byte)138, Geometry.Pixels).ToArray();
        PostProcess.Apply(same, 1);
        Assert.All(same, v => Assert.Equal(138, v)); // below plateau - 1: kept
        Assert.Throws<ArgumentException>(() => PostProcess.ApplyAll(new byte[Geometry.Pixels], [1, 2]));
    }
}
