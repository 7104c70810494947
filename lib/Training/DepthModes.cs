using System.Text.Json.Serialization;

namespace SemDepth.Training;

/// <summary>The pairs a depth network trains on (<see cref="DepthOptions.Source"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PairSource>))]
public enum PairSource
{
    /// <summary>Simulated SEM images with their depth maps, split by &lt;base&gt;.</summary>
    [JsonStringEnumMemberName("sim")]
    Sim,

    /// <summary>Real-domain train images with the synthetic set's hidden truth, split by site: the oracle
    /// only a synthetic set makes possible.</summary>
    [JsonStringEnumMemberName("real-truth")]
    RealTruth,
}

/// <summary>What real train images are trained against when learning from site averages
/// (<see cref="DepthOptions.SiteTarget"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SiteTarget>))]
public enum SiteTarget
{
    /// <summary>Each site's mean predicted depth against its average_depth.csv value (L1).</summary>
    [JsonStringEnumMemberName("csv")]
    Csv,

    /// <summary>Per-pixel targets from an affine map of predicted to CSV site averages, refitted each epoch.</summary>
    [JsonStringEnumMemberName("affine")]
    Affine,
}

/// <summary>How the two simulated renderings of a map enter training (<see cref="DepthOptions.SimInput"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SimInput>))]
public enum SimInput
{
    /// <summary>itr0 and itr1 as two samples.</summary>
    [JsonStringEnumMemberName("each")]
    Each,

    /// <summary>Their average, one sample a map.</summary>
    [JsonStringEnumMemberName("mean")]
    Mean,
}
