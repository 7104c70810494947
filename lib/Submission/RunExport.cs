using System.Text.Json;
using System.Text.Json.Nodes;
using SemDepth.Data;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Training;
using SemDepth.Translation;
using SemDepth.Workspace;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Submission;

/// <summary>A run's networks as files PyTorch loads (<see cref="ModelExchange"/>): <c>semdepth export</c>.</summary>
public static class RunExport
{
    /// <summary>
    /// Exports every network of a run folder (runs/NAME): the depth network (ae, unet), the case classifier,
    /// or the CycleGAN's generators and discriminators (one set per case when per case). Each weights file gets
    /// a spec JSON beside it naming the bench/models.py module and its sizes.
    /// </summary>
    public static List<ExportedNet> Export(string runDir, string outDir, ExportFormat format)
    {
        string extension = ModelExchange.Extension(format);
        _ = TorchDevice.Current;
        string ck = RunNames.CheckpointOf(runDir),
            name = Path.GetFileName(Path.TrimEndingDirectorySeparator(runDir));
        if (!Directory.Exists(runDir))
            throw new DirectoryNotFoundException($"no run folder {runDir}");
        string kind = Checkpoint.ReadState(ck).Kind;
        var nets = kind switch
        {
            Checkpoint.ClassifierKind => ClassifierNets(ck, name),
            Checkpoint.CycleGanKind => CycleGanNets(runDir, name),
            _ when Checkpoint.DepthKinds.Contains(kind) => DepthNets(ck, name),
            _ => throw new InvalidDataException($"{ck}: a '{kind}' checkpoint has no export"),
        };
        Directory.CreateDirectory(outDir);
        var list = new List<ExportedNet>();
        foreach (var (file, spec, module) in nets)
        {
            module.eval();
            string weights = Path.Combine(outDir, $"{file}.{extension}"),
                specFile = Path.Combine(outDir, file + ".json");
            spec["weights"] = Path.GetFileName(weights);
            spec["run"] = runDir;
            ModelExchange.Export(module.to(CPU), weights);
            File.WriteAllText(specFile, spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            list.Add(new ExportedNet(weights, specFile, spec, module));
        }
        return list;
    }

    static List<(string File, JsonObject Spec, nn.Module<Tensor, Tensor> Module)> DepthNets(string ck, string name)
    {
        var nets = new List<(string File, JsonObject Spec, nn.Module<Tensor, Tensor> Module)>();
        var (model, o, _) = DepthCheckpoint.LoadModel(ck);
        nets.Add(
            (
                name,
                new JsonObject
                {
                    ["network"] = ModeNames.Of(o.Model),
                    ["width"] = o.Width,
                    ["depth"] = 3,
                    ["input"] = o.InputScale == PixelScale.Unit ? "unit" : "symmetric",
                },
                model
            )
        );
        return nets;
    }

    static List<(string File, JsonObject Spec, nn.Module<Tensor, Tensor> Module)> ClassifierNets(string ck, string name)
    {
        var nets = new List<(string File, JsonObject Spec, nn.Module<Tensor, Tensor> Module)>();
        var o = Checkpoint.ReadOptions(ck, ClassifierOptions.FromJson);
        var model = new CaseClassifier(o.Width, norm: o.Norm);
        Checkpoint.LoadModel(ck, model);
        nets.Add(
            (
                name,
                new JsonObject
                {
                    ["network"] = "classifier",
                    ["width"] = o.Width,
                    ["classes"] = 4,
                    ["norm"] = ModeNames.Of(o.Norm),
                    ["input"] = "symmetric",
                },
                model
            )
        );
        return nets;
    }

    /// <summary>The CycleGAN's two generators and two discriminators, one set per case when per case.</summary>
    static List<(string File, JsonObject Spec, nn.Module<Tensor, Tensor> Module)> CycleGanNets(
        string runDir,
        string name
    )
    {
        var nets = new List<(string File, JsonObject Spec, nn.Module<Tensor, Tensor> Module)>();
        var (o, get, _) = CycleGanTrainer.LoadNets(runDir);
        foreach (int c in o.PerCase ? Cases.All : [1])
        {
            var n = get(c);
            string suffix = o.PerCase ? $"-case{c}" : "";
            JsonObject Gen() =>
                new()
                {
                    ["network"] = "generator",
                    ["width"] = o.GenWidth,
                    ["blocks"] = o.GenBlocks,
                    ["norm"] = ModeNames.Of(o.GenNorm),
                    ["dropout"] = o.Dropout,
                    ["input"] = "symmetric",
                };
            JsonObject Disc() =>
                new()
                {
                    ["network"] = "discriminator",
                    ["width"] = o.DiscWidth,
                    ["layers"] = o.DiscLayers,
                    ["norm"] = ModeNames.Of(o.DiscNorm),
                    ["input"] = "symmetric",
                };
            nets.Add(($"{name}{suffix}-GenRealToSim", Gen(), n.GenRealToSim));
            nets.Add(($"{name}{suffix}-GenSimToReal", Gen(), n.GenSimToReal));
            nets.Add(($"{name}{suffix}-DiscSim", Disc(), n.DiscSim));
            nets.Add(($"{name}{suffix}-DiscReal", Disc(), n.DiscReal));
        }
        return nets;
    }
}
