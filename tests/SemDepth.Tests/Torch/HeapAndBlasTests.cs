using SemDepth.Torch;
using TorchSharp;
using Xunit;

namespace SemDepth.Tests;

/// <summary>The process-level native settings: glibc's heap thresholds and the OpenBLAS product.</summary>
public class HeapAndBlasTests
{
    [Fact]
    public void HeapIsTunedOnGlibc()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("SEMDEPTH_HEAP_TUNING") == "0")
            return;
        _ = TorchDevice.Current; // loads the natives, which tunes the heap first
        Assert.Equal(
            "glibc mmap threshold 32 MiB (no mmap: large blocks from the heap), trim threshold 1024 MiB",
            NativeHeap.Status
        );
    }

    [Fact]
    public void OpenBlasIsUsedWhereInstalled()
    {
        bool installed = OperatingSystem.IsLinux() && File.Exists("/usr/lib/x86_64-linux-gnu/libopenblas.so.0");
        Assert.Equal(installed, OpenBlas.Available);
        if (installed && Environment.GetEnvironmentVariable("SEMDEPTH_BLAS") != "torch")
            Assert.StartsWith("OpenBLAS", OpenBlas.Status);
    }

    [Theory]
    [InlineData(new long[] { 300, 70 }, 260)] // 2-D, through OpenBLAS where installed
    [InlineData(new long[] { 3, 90, 64 }, 290)] // (S, n, D): shifted queries, 270 rows
    [InlineData(new long[] { 37, 300 }, 53)] // small: libtorch
    [InlineData(new long[] { 1, 5 }, 1)] // degenerate sizes
    [InlineData(new long[] { 6, 40 }, 8200)] // few rows, wide: OpenBLAS (OpenBlas.WideColumns)
    [InlineData(new long[] { 2, 40 }, 8200)] // too few rows for a wide product: libtorch
    public void ProductMatchesMatmul(long[] aShape, long keys)
    {
        torch.manual_seed(11);
        using var a = torch.randn(aShape);
        using var b = torch.randn(keys, aShape[^1]);
        using var expected = a.matmul(b.t());
        long before = OpenBlas.Calls;
        using var got = OpenBlas.TimesTransposed(a, b);
        long rows = a.numel() / aShape[^1];
        bool worth = OpenBlas.Worth(rows, keys);
        // the documented rule, spelled out
        Assert.Equal((rows >= 256 && keys >= 256) || (keys >= 8192 && rows >= 4), worth);
        if (worth && OpenBlas.Available && Environment.GetEnvironmentVariable("SEMDEPTH_BLAS") != "torch")
            Assert.True(OpenBlas.Calls > before);
        Assert.Equal(expected.shape, got.shape);
        Assert.True((got - expected).abs().max().item<float>() < 1e-4f * Math.Sqrt(aShape[^1]));
    }

    [Fact]
    public void ContiguousViewsWithAnOffsetAndStridedOperandsAgree()
    {
        torch.manual_seed(12);
        using var big = torch.randn(400, 70);
        using var rows = big.narrow(0, 13, 300); // contiguous, storage offset 13 x 70
        using var keys = torch.randn(300, 70).narrow(0, 7, 280);
        using var strided = torch.randn(70, 30).t(); // not contiguous: the matmul path
        Assert.True(rows.is_contiguous() && !strided.is_contiguous());
        Assert.True((OpenBlas.TimesTransposed(rows, keys) - rows.matmul(keys.t())).abs().max().item<float>() < 1e-4f);
        Assert.True(
            (OpenBlas.TimesTransposed(strided, keys) - strided.matmul(keys.t())).abs().max().item<float>() < 1e-4f
        );
        Assert.Throws<ArgumentException>(() => OpenBlas.TimesTransposed(rows, torch.randn(5, 69)));
    }

    [Fact]
    public void GradientsFlowThroughTheProduct()
    {
        torch.manual_seed(13);
        using var a = torch.randn(300, 40).requires_grad_();
        using var b = torch.randn(290, 40);
        OpenBlas.TimesTransposed(a, b).sum().backward();
        // d/da of sum(a b^T) is every row the column sums of b
        // sum(0) would bind to sum(ScalarType)
        Assert.True((a.grad! - b.sum(dim: 0L).expand(300, 40)).abs().max().item<float>() < 1e-3f);
    }
}
