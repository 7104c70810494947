using System.Diagnostics;
using Xunit;

namespace SemDepth.Tests;

public class BuildSwitchTests
{
    [Fact]
    public void CudaBackendSwapsTheTorchSharpBundle()
    {
        static string Items(string backend)
        {
            var psi = new ProcessStartInfo(
                "dotnet",
                $"msbuild \"{Path.Combine(SemDepth.Workspace.Paths.Root, "SemDepth.Lib.csproj")}\" "
                    + $"-getItem:PackageReference -p:TorchBackend={backend}"
            )
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            string o = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return o;
        }
        string cuda = Items("cuda"),
            cpu = Items("cpu");
        Assert.Contains("\"Identity\": \"TorchSharp-cuda-linux\"", cuda);
        Assert.DoesNotContain("TorchSharp-cpu", cuda);
        Assert.Contains("\"Identity\": \"TorchSharp-cpu\"", cpu);
        Assert.DoesNotContain("TorchSharp-cuda-linux", cpu);
    }

    /// <summary>The backend persists: SEMDEPTH_TORCH_BACKEND (like the file .torch-backend) picks the bundle of a plain
    /// build, and a CUDA build of the console has folders of its own.</summary>
    [Fact]
    public void TheBackendSettingPersistsAndCudaBuildsElsewhere()
    {
        static string Msbuild(string project, string query, string? backendEnv)
        {
            var psi = new ProcessStartInfo("dotnet", $"msbuild \"{project}\" {query}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment["SEMDEPTH_TORCH_BACKEND"] = backendEnv ?? "";
            using var p = Process.Start(psi)!;
            string o = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return o;
        }
        string root = SemDepth.Workspace.Paths.Root;
        string lib = Path.Combine(root, "SemDepth.Lib.csproj"),
            cli = Path.Combine(root, "cli", "SemDepth.Cli.csproj");
        Assert.Contains("TorchSharp-cuda-linux", Msbuild(lib, "-getItem:PackageReference", "cuda"));
        Assert.Contains("artifacts/lib-cuda/", Msbuild(lib, "-getProperty:OutputPath", "cuda"));
        // a one-off build of the other backend: its own folder, and artifacts/lib/ (the notebooks') left alone
        string oneOff = Msbuild(
            lib,
            "-getProperty:OutputPath -getProperty:SemDepthConfiguredBackend -p:TorchBackend=cuda",
            null
        );
        Assert.Contains("artifacts/lib-cuda/", oneOff);
        if (!File.Exists(Path.Combine(root, ".torch-backend")))
            Assert.Contains("\"SemDepthConfiguredBackend\": \"cpu\"", oneOff);
        string cudaPaths = Msbuild(cli, "-getProperty:BaseOutputPath -getProperty:BaseIntermediateOutputPath", "cuda");
        Assert.Contains("bin/cuda/", cudaPaths);
        Assert.Contains("obj/cuda/", cudaPaths);
        if (!File.Exists(Path.Combine(root, ".torch-backend")))
            Assert.DoesNotContain("cuda", Msbuild(cli, "-getProperty:BaseOutputPath", null));
    }
}
