using System.Text.Json.Serialization;

namespace SemDepth.Training;

/// <summary>Which Adam implementation steps a network (the CycleGAN's <c>CycleGanOptions.Optimizer</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AdamImpl>))]
public enum AdamImpl
{
    /// <summary><see cref="MultiTensor.Adam"/>: flat buffers, a few kernels a step.</summary>
    [JsonStringEnumMemberName("multi-tensor")]
    MultiTensor,

    /// <summary>TorchSharp's per-parameter loop (bit-identical results; kept for comparison).</summary>
    [JsonStringEnumMemberName("torchsharp")]
    TorchSharp,
}
