using XPlot.Plotly;

namespace SemDepth.Pictures;

/// <summary>Chart builders (XPlot.Plotly) used by the notebooks; each returns a chart that renders inline.</summary>
public static class Charts
{
    /// <summary>Overlaid histograms, one per named series.</summary>
    public static PlotlyChart Histograms(
        string title,
        string xTitle,
        IEnumerable<(string Name, IEnumerable<double> Values)> series,
        int bins = 40
    )
    {
        var traces = series
            .Select(s => new Histogram
            {
                x = s.Values.ToArray(),
                name = s.Name,
                opacity = 0.6,
                nbinsx = bins,
            })
            .ToArray();
        var chart = Chart.Plot(traces);
        chart.WithLayout(
            new Layout.Layout
            {
                title = title,
                barmode = "overlay",
                xaxis = new Xaxis { title = xTitle },
                yaxis = new Yaxis { title = "images" },
            }
        );
        return Sized(chart);
    }

    /// <summary>Scatter plot, one trace per named series.</summary>
    public static PlotlyChart Scatter(
        string title,
        string xTitle,
        string yTitle,
        IEnumerable<(string Name, IEnumerable<double> X, IEnumerable<double> Y)> series
    )
    {
        return XY(title, xTitle, yTitle, series, "markers", new Marker { size = 4, opacity = 0.6 });
    }

    /// <summary>Line chart (loss curves, profiles), one trace per named series.</summary>
    public static PlotlyChart Lines(
        string title,
        string xTitle,
        string yTitle,
        IEnumerable<(string Name, IEnumerable<double> X, IEnumerable<double> Y)> series
    )
    {
        return XY(title, xTitle, yTitle, series, "lines+markers", null);
    }

    /// <summary>One x-y trace per named series, drawn in <paramref name="mode"/>, with titled axes.</summary>
    static PlotlyChart XY(
        string title,
        string xTitle,
        string yTitle,
        IEnumerable<(string Name, IEnumerable<double> X, IEnumerable<double> Y)> series,
        string mode,
        Marker? marker
    )
    {
        var traces = series
            .Select(s =>
            {
                var trace = new Scatter
                {
                    x = s.X.ToArray(),
                    y = s.Y.ToArray(),
                    name = s.Name,
                    mode = mode,
                };
                if (marker is not null)
                    trace.marker = marker;
                return trace;
            })
            .ToArray();
        var chart = Chart.Plot(traces);
        chart.WithLayout(
            new Layout.Layout
            {
                title = title,
                xaxis = new Xaxis { title = xTitle },
                yaxis = new Yaxis { title = yTitle },
            }
        );
        return Sized(chart);
    }

    /// <summary>Grouped bars: categories on x, one bar per series.</summary>
    public static PlotlyChart Bars(
        string title,
        string yTitle,
        IReadOnlyList<string> categories,
        IEnumerable<(string Name, IEnumerable<double> Values)> series
    )
    {
        var traces = series
            .Select(s => new Bar
            {
                x = categories.ToArray(),
                y = s.Values.ToArray(),
                name = s.Name,
            })
            .ToArray();
        var chart = Chart.Plot(traces);
        chart.WithLayout(
            new Layout.Layout
            {
                title = title,
                barmode = "group",
                yaxis = new Yaxis { title = yTitle },
            }
        );
        return Sized(chart);
    }

    static PlotlyChart Sized(PlotlyChart c)
    {
        c.Width = 760;
        c.Height = 420;
        return c;
    }
}
