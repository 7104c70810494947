using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>Loads a trained depth network (AE or U-Net) from a checkpoint folder.</summary>
public static class DepthCheckpoint
{
    /// <summary>The network (on the current device, in evaluation mode), the options that made it and its
    /// epoch.</summary>
    public static (nn.Module<Tensor, Tensor> Model, DepthOptions Options, int Epoch) LoadModel(string checkpointDir)
    {
        var device = TorchDevice.Current; // loads the natives before the first module is made
        var state = Checkpoint.ReadState(checkpointDir, DepthTrainer.DepthKinds);
        var options = Checkpoint.ReadOptions(checkpointDir, DepthOptions.FromJson);
        var model = options.CreateModel();
        Checkpoint.LoadModel(checkpointDir, model);
        model.to(device);
        model.eval();
        return (model, options, state.Epoch);
    }
}
