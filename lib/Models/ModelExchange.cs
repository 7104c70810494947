using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SemDepth.Models;

/// <summary>One exported network: its weights file, the JSON that tells PyTorch which module to build
/// (bench/models.py), and the module itself.</summary>
public sealed record ExportedNet(
    string WeightsFile,
    string SpecFile,
    JsonObject Spec,
    nn.Module<Tensor, Tensor> Module
);

/// <summary>A weights file PyTorch loads: safetensors (<c>.safetensors</c>) or PyTorch's pickle (<c>.pt</c>).</summary>
public enum ExportFormat
{
    Safetensors,
    Pt,
}

/// <summary>
/// Weights PyTorch can load, and back (TorchSharp.PyBridge). The library's modules use the parameter
/// names of their PyTorch twins in bench/models.py, so a file exported here loads there with
/// <c>load_state_dict(strict=True)</c>, and a state dict saved by PyTorch from those twins imports here.
/// Formats: safetensors (<c>.safetensors</c>) and PyTorch's pickle (<c>.pt</c>, <c>torch.save(state_dict)</c>).
/// </summary>
public static class ModelExchange
{
    /// <summary>The formats by name, as the console takes them.</summary>
    public static IReadOnlyList<string> Formats => Workspace.ModeNames.All<ExportFormat>();

    /// <summary>The file extension of <paramref name="format"/>, without the dot.</summary>
    public static string Extension(ExportFormat format) =>
        Workspace.ModeNames.Of(Workspace.ModeNames.Defined(format, "format"));

    /// <summary>Writes <paramref name="module"/>'s weights to <paramref name="path"/> (format from the
    /// extension).</summary>
    public static void Export(nn.Module module, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        switch (FormatOf(path))
        {
            case ExportFormat.Safetensors:
                module.save_safetensors(path);
                break;
            default:
                module.save_py(path);
                break;
        }
    }

    /// <summary>Loads weights exported by <see cref="Export"/> or saved by PyTorch from the twin module; every
    /// key must match (a file of another network is an error naming the first mismatch).</summary>
    public static void Import(nn.Module module, string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"no weights file {path}", path);
        try
        {
            using var noGrad = torch.no_grad();
            switch (FormatOf(path))
            {
                case ExportFormat.Safetensors:
                    module.load_safetensors(path, strict: true);
                    break;
                default:
                    module.load_py(path, strict: true);
                    break;
            }
        }
        catch (Exception e)
            when (e
                    is ArgumentException
                        or InvalidOperationException
                        or KeyNotFoundException
                        or InvalidDataException
                        or NotImplementedException
            )
        {
            throw new InvalidDataException(
                $"{path}: cannot be loaded into {module.GetName()} ({e.Message.Split('\n')[0]})",
                e
            );
        }
    }

    /// <summary>safetensors or pt, from a file name; anything else is an error.</summary>
    public static ExportFormat FormatOf(string path) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".safetensors" => ExportFormat.Safetensors,
            ".pt" or ".pth" => ExportFormat.Pt,
            var ext => throw new ArgumentException($"{path}: use .safetensors or .pt (not '{ext}')"),
        };

    /// <summary>
    /// Writes what bench/exchange.py compares against beside an exported network: seeded inputs (in the
    /// network's input range), TorchSharp's outputs in float32 and in float64, and their names and shapes
    /// in the spec. float32 outputs differ between libtorch builds by accumulation order; the same weights in
    /// float64 on both sides isolate what the check is about: names, layout and architecture.
    /// </summary>
    public static void WriteCheck(ExportedNet n)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var g = new torch.Generator(7);
        var x = torch.rand(new long[] { 4, 1, Images.Geometry.Height, Images.Geometry.Width }, generator: g);
        if (n.Spec["input"]?.GetValue<string>() == "symmetric")
        {
            using Scalar two = 2,
                one = 1; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
            x = x * two - one;
        }
        n.Module.eval();
        var y = n.Module.forward(x).contiguous();
        n.Module.to(ScalarType.Float64);
        var y64 = n.Module.forward(x.to(ScalarType.Float64)).contiguous();
        n.Module.to(ScalarType.Float32);
        string stem = Path.Combine(Path.GetDirectoryName(n.SpecFile)!, Path.GetFileNameWithoutExtension(n.SpecFile));
        File.WriteAllBytes(stem + ".input.bin", x.contiguous().bytes.ToArray());
        File.WriteAllBytes(stem + ".output.bin", y.bytes.ToArray());
        File.WriteAllBytes(stem + ".output64.bin", y64.bytes.ToArray());
        n.Spec["check_input"] = Path.GetFileName(stem + ".input.bin");
        n.Spec["check_output"] = Path.GetFileName(stem + ".output.bin");
        n.Spec["check_output64"] = Path.GetFileName(stem + ".output64.bin");
        n.Spec["input_shape"] = new JsonArray([.. x.shape.Select(v => (JsonNode)v)]);
        n.Spec["output_shape"] = new JsonArray([.. y.shape.Select(v => (JsonNode)v)]);
        File.WriteAllText(n.SpecFile, n.Spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
