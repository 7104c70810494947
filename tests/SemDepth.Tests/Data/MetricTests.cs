using SemDepth.Data;
using Xunit;

namespace SemDepth.Tests;

public class MetricTests
{
    [Fact]
    public void RmseMatchesHandComputedValues()
    {
        byte[] p = [10, 20, 30, 250],
            t = [13, 16, 30, 0];
        // errors 3, 4, 0, 250: mean of squares (9 + 16 + 0 + 62500) / 4 = 15631.25 (no int8 overflow)
        Assert.Equal(Math.Sqrt(15631.25), Metrics.Rmse(p, t), 10);
        Assert.Equal((Math.Sqrt(12.5) + Math.Sqrt(31250)) / 2, Metrics.MeanImageRmse(p, t, 2), 10);
        Assert.Equal(1.5, Metrics.Mae([1.0, 5.0], [2.0, 3.0]), 10);
        Assert.Throws<ArgumentException>(() => Metrics.Rmse(p, t[..3]));
    }
}
