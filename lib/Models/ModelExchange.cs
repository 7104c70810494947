using System.Text.Json;
using System.Text.Json.Nodes;
using SemDepth.Torch;
using SemDepth.Methods;
using SemDepth.Training;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SemDepth.Models;

/// <summary>One exported network: its weights file, the JSON that tells PyTorch which module to build
/// (bench/models.py), and the module itself.</summary>
public sealed record ExportedNet(string WeightsFile, string SpecFile, JsonObject Spec, nn.Module<Tensor, Tensor> Module);

/// <summary>
/// Weights PyTorch can load, and back (TorchSharp.PyBridge). The library's modules use the parameter
/// names of their PyTorch twins in bench/models.py, so a file exported here loads there with
/// <c>load_state_dict(strict=True)</c>, and a state dict saved by PyTorch from those twins imports here.
/// Formats: safetensors (<c>.safetensors</c>) and PyTorch's pickle (<c>.pt</c>, <c>torch.save(state_dict)</c>).
/// </summary>
public static class ModelExchange
{
    public static readonly IReadOnlyList<string> Formats = ["safetensors", "pt"];

    /// <summary>Writes <paramref name="module"/>'s weights to <paramref name="path"/> (format from the extension).</summary>
    public static void Export(nn.Module module, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        switch (FormatOf(path))
        {
            case "safetensors": module.save_safetensors(path); break;
            default: module.save_py(path); break;
        }
    }

    /// <summary>Loads weights exported by <see cref="Export"/> or saved by PyTorch from the twin module; every
    /// key must match (a file of another network is an error naming the first mismatch).</summary>
    public static void Import(nn.Module module, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no weights file {path}", path);
        try
        {
            using var noGrad = torch.no_grad();
            switch (FormatOf(path))
            {
                case "safetensors": module.load_safetensors(path, strict: true); break;
                default: module.load_py(path, strict: true); break;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException or InvalidDataException or NotImplementedException)
        {
            throw new InvalidDataException($"{path}: cannot be loaded into {module.GetName()} ({e.Message.Split('\n')[0]})", e);
        }
    }

    /// <summary>safetensors or pt, from a file name; anything else is an error.</summary>
    public static string FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".safetensors" => "safetensors",
        ".pt" or ".pth" => "pt",
        var ext => throw new ArgumentException($"{path}: use .safetensors or .pt (not '{ext}')"),
    };

    /// <summary>
    /// Exports every network of a run folder (runs/NAME): the depth network (ae, unet), the case classifier,
    /// or the CycleGAN's generators and discriminators (one set per case when per case). Each weights file gets
    /// a spec JSON beside it naming the bench/models.py module and its sizes.
    /// </summary>
    public static List<ExportedNet> ExportRun(string runDir, string outDir, string format)
    {
        if (!Formats.Contains(format)) throw new ArgumentException($"format must be {string.Join(" or ", Formats)}, not '{format}'");
        _ = TorchDevice.Current;
        string ck = Path.Combine(runDir, "checkpoint"), name = Path.GetFileName(Path.TrimEndingDirectorySeparator(runDir));
        if (!Directory.Exists(runDir)) throw new DirectoryNotFoundException($"no run folder {runDir}");
        string kind = Checkpoint.ReadState(ck).Kind;
        var nets = new List<(string File, JsonObject Spec, nn.Module<Tensor, Tensor> Module)>();
        switch (kind)
        {
            case "ae" or "unet":
            {
                var (model, o, _) = DepthCheckpoint.LoadModel(ck);
                nets.Add((name, new JsonObject { ["network"] = o.Model, ["width"] = o.Width, ["depth"] = 3, ["input"] = o.InputScale == Data.PixelScale.Unit ? "unit" : "symmetric" }, model));
                break;
            }
            case "classifier":
            {
                var o = Checkpoint.ReadOptions(ck, ClassifierOptions.FromJson);
                var model = new CaseClassifier(o.Width, norm: Layers.ParseNorm(o.Norm));
                Checkpoint.LoadModel(ck, model);
                nets.Add((name, new JsonObject { ["network"] = "classifier", ["width"] = o.Width, ["classes"] = 4, ["norm"] = o.Norm, ["input"] = "symmetric" }, model));
                break;
            }
            case "cyclegan":
            {
                var (o, get, _) = CycleGanTrainer.LoadNets(runDir);
                foreach (int c in o.PerCase ? Data.Cases.All : [1])
                {
                    var n = get(c);
                    string suffix = o.PerCase ? $"-case{c}" : "";
                    JsonObject Gen() => new() { ["network"] = "generator", ["width"] = o.GenWidth, ["blocks"] = o.GenBlocks, ["norm"] = o.GenNorm, ["dropout"] = o.Dropout, ["input"] = "symmetric" };
                    JsonObject Disc() => new() { ["network"] = "discriminator", ["width"] = o.DiscWidth, ["layers"] = o.DiscLayers, ["norm"] = o.DiscNorm, ["input"] = "symmetric" };
                    nets.Add(($"{name}{suffix}-GenRealToSim", Gen(), n.GenRealToSim));
                    nets.Add(($"{name}{suffix}-GenSimToReal", Gen(), n.GenSimToReal));
                    nets.Add(($"{name}{suffix}-DiscSim", Disc(), n.DiscSim));
                    nets.Add(($"{name}{suffix}-DiscReal", Disc(), n.DiscReal));
                }
                break;
            }
            default: throw new InvalidDataException($"{ck}: a '{kind}' checkpoint has no export");
        }
        Directory.CreateDirectory(outDir);
        var list = new List<ExportedNet>();
        foreach (var (file, spec, module) in nets)
        {
            module.eval();
            string weights = Path.Combine(outDir, $"{file}.{format}"), specFile = Path.Combine(outDir, file + ".json");
            spec["weights"] = Path.GetFileName(weights);
            spec["run"] = runDir;
            Export(module.to(CPU), weights);
            File.WriteAllText(specFile, spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            list.Add(new ExportedNet(weights, specFile, spec, module));
        }
        return list;
    }

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
        var x = torch.rand(new long[] { 4, 1, Data.Geometry.Height, Data.Geometry.Width }, generator: g);
        if (n.Spec["input"]?.GetValue<string>() == "symmetric") x = x * 2 - 1;
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
