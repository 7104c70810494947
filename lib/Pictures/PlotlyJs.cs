using System.Text.Json.Nodes;

namespace SemDepth.Pictures;

/// <summary>
/// plotly.js for interactive charts: the minified file the Plotly.Blazor package ships, downloaded at restore
/// (<c>PackageDownload</c>: no assembly of it is referenced) and embedded in this library. No CDN, no copy of the file
/// in the repository.
/// </summary>
public static class PlotlyJs
{
    const string Resource = "plotly.min.js";
    static readonly Lazy<string> Js = new(Load);

    /// <summary>The plotly.js version served.</summary>
    public const string Version = "3.7.0";

    /// <summary>The minified plotly.js source.</summary>
    public static string Source => Js.Value;

    static string Load()
    {
        using var s = typeof(PlotlyJs).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException(
                $"SemDepth.Lib has no resource {Resource}: restore and build again (SemDepth.Lib.csproj embeds it)"
            );
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>
    /// <paramref name="node"/> as plotly.js 3 reads it: every <c>title</c> given as text (as XPlot writes titles of
    /// charts, axes and colour bars; plotly.js 3 ignores them) becomes <c>{"text": ...}</c>. Changes the node in place
    /// and returns it.
    /// </summary>
    public static T TitlesAsObjects<T>(T node)
        where T : JsonNode
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (key == "title" && o[key] is JsonValue v && v.TryGetValue(out string? text))
                        o[key] = new JsonObject { ["text"] = text };
                    else if (o[key] is { } child)
                        TitlesAsObjects(child);
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                    if (child is not null)
                        TitlesAsObjects(child);
                break;
        }
        return node;
    }
}
