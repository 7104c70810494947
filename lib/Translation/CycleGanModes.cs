using System.Text.Json.Serialization;

namespace SemDepth.Translation;

/// <summary>The CycleGAN's adversarial loss (<see cref="CycleGanOptions.Gan"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GanKind>))]
public enum GanKind
{
    /// <summary>Least-squares GAN (the CycleGAN paper's).</summary>
    [JsonStringEnumMemberName("lsgan")]
    LsGan,

    /// <summary>Wasserstein loss with a gradient penalty (the seed's).</summary>
    [JsonStringEnumMemberName("wgangp")]
    WganGp,
}

/// <summary>The learning-rate schedule of the CycleGAN (<see cref="CycleGanOptions.Decay"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LrDecay>))]
public enum LrDecay
{
    /// <summary>A constant rate.</summary>
    [JsonStringEnumMemberName("none")]
    None,

    /// <summary>Constant, then linearly towards zero from <see cref="CycleGanOptions.DecayStartEpoch"/>.</summary>
    [JsonStringEnumMemberName("linear")]
    Linear,

    /// <summary>Times <see cref="CycleGanOptions.DecayRate"/> an epoch (the seed's 0.95).</summary>
    [JsonStringEnumMemberName("exponential")]
    Exponential,
}
