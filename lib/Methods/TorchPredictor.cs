using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Training;
using static TorchSharp.torch;

namespace SemDepth.Methods;

/// <summary>Runs any image-to-depth module in eval mode, in batches inside dispose scopes.</summary>
public sealed class TorchPredictor(
    string name,
    nn.Module<Tensor, Tensor> model,
    PixelScale inputScale,
    PixelScale outputScale = PixelScale.Unit,
    int batchSize = Inference.DefaultBatch
) : IDepthPredictor
{
    public string Name { get; } = name;

    public OutputHealth Health { get; } = new();

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx) =>
        Inference.Maps(model, sem, idx, inputScale, outputScale, Health, batchSize);

    /// <summary>A trained depth network (AE or U-Net) from its checkpoint folder, named as in the tables.</summary>
    public static TorchPredictor Load(string checkpointDir)
    {
        var (model, options, epoch) = DepthCheckpoint.LoadModel(checkpointDir);
        return new TorchPredictor(
            $"{DepthTrainer.MethodName(options)} (epoch {epoch})",
            model,
            options.InputScale,
            PixelScale.Unit
        );
    }
}
