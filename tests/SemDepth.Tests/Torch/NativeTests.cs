using SemDepth.Torch;
using SemDepth.Workspace;
using TorchSharp;
using Xunit;

namespace SemDepth.Tests;

public class NativeTests
{
    [Fact]
    public void TorchLoadsAndComputes()
    {
        TorchNatives.EnsureLoaded();
        var a = torch.tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        var b = torch.matmul(a, a); // [[7,10],[15,22]]
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
        Assert.NotEqual("not loaded yet", TorchNatives.Status);
    }

    [Fact]
    public void PatchMarksOnlyTheGlibcxx332NeedWeak()
    {
        string shim = Directory
            .GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories)
            .First();
        var bytes = File.ReadAllBytes(shim);
        var copy = (byte[])bytes.Clone();
        Assert.Equal(1, ElfVersionPatch.MarkVersionNeedWeak(copy, "GLIBCXX_3.4.32"));
        int diff = bytes.Zip(copy).Count(p => p.First != p.Second);
        Assert.Equal(1, diff); // one flags byte changed, nothing else
        Assert.Equal(0, ElfVersionPatch.MarkVersionNeedWeak(copy, "GLIBCXX_9.9.99"));
        Assert.Throws<InvalidDataException>(() => ElfVersionPatch.MarkVersionNeedWeak(new byte[100], "x"));
    }

    [Fact]
    public void DeviceChoiceHonoursTheSettings()
    {
        Assert.Equal(DeviceType.CPU, TorchDevice.Pick(DeviceChoice.Cpu).type);
        Assert.Throws<ArgumentException>(() => TorchDevice.Pick((DeviceChoice)7));
        Assert.Equal(
            torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU,
            TorchDevice.Pick(DeviceChoice.Auto).type
        );
        if (!torch.cuda.is_available())
            Assert.Throws<InvalidOperationException>(() => TorchDevice.Pick(DeviceChoice.Cuda));
    }
}
