using System.Text.Json.Serialization;

namespace SemDepth.Models;

/// <summary>The depth networks (SEM -> depth map); options files name them ae or unet.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DepthNetwork>))]
public enum DepthNetwork
{
    /// <summary>The organiser's MLP autoencoder (<see cref="DepthAutoencoder"/>), inputs in [0, 1].</summary>
    [JsonStringEnumMemberName("ae")]
    Ae,

    /// <summary>The convolutional encoder-decoder with skips (<see cref="DepthUNet"/>), inputs in [-1, 1].</summary>
    [JsonStringEnumMemberName("unet")]
    UNet,
}
