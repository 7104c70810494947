using SemDepth.Data;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Methods;

/// <summary>Runs any image-to-depth module in eval mode, in batches inside dispose scopes.</summary>
public sealed class TorchPredictor(string name, nn.Module<Tensor, Tensor> model, PixelScale inputScale, PixelScale outputScale = PixelScale.Unit, int batchSize = Inference.DefaultBatch) : IDepthPredictor
{
    public string Name { get; } = name;

    public OutputHealth Health { get; } = new();

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var o = new byte[idx.Count * Geometry.Pixels];
        Inference.Batched(model, sem, idx, inputScale, (y, start) => Batches.ToBytes(y, outputScale, Health).CopyTo(o, start * Geometry.Pixels), batchSize);
        return o;
    }
}


/// <summary>Loads a trained depth network (AE or U-Net) from a checkpoint folder.</summary>
public static class DepthCheckpoint
{
    /// <summary>The network and the options that made it.</summary>
    public static (nn.Module<Tensor, Tensor> Model, DepthOptions Options, int Epoch) LoadModel(string checkpointDir)
    {
        var device = TorchDevice.Current; // loads the natives before the first module is made
        var state = Checkpoint.ReadState(checkpointDir, "ae", "unet");
        var options = Checkpoint.ReadOptions(checkpointDir, DepthOptions.FromJson);
        var model = options.CreateModel();
        Checkpoint.LoadModel(checkpointDir, model);
        model.to(device);
        model.eval();
        return (model, options, state.Epoch);
    }

    public static IDepthPredictor Load(string checkpointDir)
    {
        var (model, options, epoch) = LoadModel(checkpointDir);
        return new TorchPredictor($"{DepthTrainer.MethodName(options)} (epoch {epoch})", model, options.InputScale, PixelScale.Unit);
    }
}
