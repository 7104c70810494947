using System.Text.Json.Serialization;

namespace SemDepth.Methods;

/// <summary>What each retrieval key is made from (<see cref="RetrievalOptions.KeyInput"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<KeyInput>))]
public enum KeyInput
{
    /// <summary>The mean of itr0 and itr1 (the winners' choice: the renderings differ only in noise).</summary>
    [JsonStringEnumMemberName("mean")]
    Mean,

    /// <summary>The first rendering alone.</summary>
    [JsonStringEnumMemberName("itr0")]
    Itr0,
}

/// <summary>How retrieval searches the keys (<see cref="RetrievalOptions.Search"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SearchMode>))]
public enum SearchMode
{
    /// <summary>Every key, every shift, as matrix products.</summary>
    [JsonStringEnumMemberName("exact")]
    Exact,

    /// <summary>A subspace and k-means lists, then an exact re-rank of the candidates (for CPUs).</summary>
    [JsonStringEnumMemberName("approx")]
    Approx,
}
