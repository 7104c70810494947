using System.Reflection;

namespace SemDepth.Pictures;

/// <summary>
/// plotly.js for interactive charts, read from the resource the Plotly.NET package embeds
/// (plotly.js 2.28, which still reads XPlot's string titles). Restored with the workspace like any
/// package: no CDN, no copy of the file in the repository.
/// </summary>
public static class PlotlyJs
{
    const string Resource = "Plotly.NET.plotly-2.28.0.min.js";
    static readonly Lazy<string> Js = new(Load);

    /// <summary>The plotly.js version served.</summary>
    public const string Version = "2.28.0";

    /// <summary>The minified plotly.js source.</summary>
    public static string Source => Js.Value;

    static string Load()
    {
        // load by path beside this library, for its resources only (no Plotly.NET type is touched)
        string dir = Path.GetDirectoryName(typeof(PlotlyJs).Assembly.Location) ?? AppContext.BaseDirectory;
        string dll = Path.Combine(dir, "Plotly.NET.dll");
        var asm = File.Exists(dll) ? Assembly.LoadFrom(dll) : Assembly.Load("Plotly.NET");
        using var s = asm.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException(
                $"{dll} has no resource {Resource}: is the Plotly.NET package version the one "
                    + $"SemDepth.Lib.csproj names?"
            );
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
