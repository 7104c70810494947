using SemDepth.Synthetic;
using Xunit;

namespace SemDepth.Tests;

/// <summary>Loads TorchSharp's natives (with the host-libstdc++ fix) before any test runs. xunit runs test classes
/// of different collections in parallel; a test that touched <c>torch</c> before the natives were in made its
/// static initializer fail, and that failure is cached for the whole process (a clean-clone CI run failed 46 tests
/// that way when <c>RowSumConvTests</c> happened to start first).</summary>
static class TestAssembly
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void LoadNatives() => SemDepth.Torch.TorchNatives.EnsureLoaded();
}

/// <summary>A tiny synthetic data set, generated once per test run into a temporary folder.</summary>
public class TinyData : IDisposable
{
    public string Root { get; }
    public string Scratch { get; }

    public TinyData()
        : this("") { }

    /// <summary>A set of its own in a folder named with <paramref name="suffix"/> (another collection's).</summary>
    protected TinyData(string suffix)
    {
        Scratch = Path.Combine(Path.GetTempPath(), "semdepth-tests-" + Environment.ProcessId + suffix);
        Root = Path.Combine(Scratch, "tiny");
        Environment.SetEnvironmentVariable("SEMDEPTH_CACHE", Path.Combine(Scratch, "cache"));
        Environment.SetEnvironmentVariable("SEMDEPTH_RUNS", Path.Combine(Scratch, "runs"));
        Environment.SetEnvironmentVariable("SEMDEPTH_ARTIFACTS", Path.Combine(Scratch, "artifacts"));
        Environment.SetEnvironmentVariable("SEMDEPTH_DEVICE", "cpu");
        // the library reads its settings once: these are this process's (the child processes inherit the variables)
        SemDepth.Workspace.Settings.Use(SemDepth.Workspace.Settings.FromEnvironment());
        SyntheticGenerator.Generate(SyntheticConfig.Tiny, Root, overwrite: true);
    }

    /// <summary>A fresh copy of the tiny set to plant faults in.</summary>
    public string Copy(string name)
    {
        string dst = Path.Combine(Scratch, name);
        if (Directory.Exists(dst))
            Directory.Delete(dst, true);
        foreach (var f in Directory.GetFiles(Root, "*", SearchOption.AllDirectories))
        {
            var t = Path.Combine(dst, Path.GetRelativePath(Root, f));
            Directory.CreateDirectory(Path.GetDirectoryName(t)!);
            File.Copy(f, t);
        }
        return dst;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Scratch, true);
        }
        catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}

[CollectionDefinition("tiny")]
public sealed class TinyCollection : ICollectionFixture<TinyData> { }

/// <summary>The tiny set for tests that run alone, after every parallel collection: training compared bit for bit
/// with a resumed run, whose dropout and gradient-penalty draws come from torch's one global generator (a test in a
/// parallel collection drawing from it in between made such a comparison fail now and then).</summary>
public sealed class TinyDataAlone() : TinyData("-alone");

[CollectionDefinition("tiny-alone", DisableParallelization = true)]
public sealed class TinyAloneCollection : ICollectionFixture<TinyDataAlone> { }
