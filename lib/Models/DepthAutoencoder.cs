using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemDepth.Models;

/// <summary>
/// The organiser's baseline: an MLP autoencoder 3456-1024-512-256-128-256-512-1024-3456 with
/// BatchNorm1d and ReLU between layers and a linear output. Input and output (N, 1, 72, 48) in [0, 1].
/// </summary>
public sealed class DepthAutoencoder : Module<Tensor, Tensor>
{
    /// <summary>Layer widths, input to output.</summary>
    public static readonly int[] Widths = [3456, 1024, 512, 256, 128, 256, 512, 1024, 3456];

    readonly Sequential layers;

    public DepthAutoencoder()
        : base(nameof(DepthAutoencoder))
    {
        var mods = new List<(string, Module<Tensor, Tensor>)>();
        for (int i = 0; i < Widths.Length - 1; i++)
        {
            mods.Add(($"fc{i}", Linear(Widths[i], Widths[i + 1])));
            if (i < Widths.Length - 2)
            {
                mods.Add(($"bn{i}", BatchNorm1d(Widths[i + 1])));
                mods.Add(($"relu{i}", ReLU()));
            }
        }
        layers = Sequential(mods);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long n = x.shape[0];
        // (N, 3456) -> (N, 1, 72, 48)
        return layers.forward(x.reshape(n, Widths[0])).reshape(n, 1, Images.Geometry.Height, Images.Geometry.Width);
    }
}
