using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using SemDepth.Training;

namespace SemDepth.Notebooks;

/// <summary>
/// Progress of long loops: in a notebook, one display updated in place (an HTML progress bar and the
/// latest figures); headless, plain lines (each finished epoch, and a batch line every few seconds).
/// </summary>
public sealed class LiveProgress : IProgress<TrainProgress>, IProgress<string>
{
    readonly DisplayedValue? _display;
    readonly List<string> _epochs = [];
    DateTime _lastLine = DateTime.MinValue;

    public LiveProgress(string title = "progress")
    {
        Notebook.RegisterFormatters();
        if (KernelInvocationContext.Current is { } ctx)
            _display = ctx.Display(new Html($"<div>{System.Net.WebUtility.HtmlEncode(title)}: starting…</div>"), "text/html");
    }

    public void Report(TrainProgress p)
    {
        if (p.Finished is not null) _epochs.Add(p.ToString());
        if (_display is not null)
        {
            double frac = ((p.Epoch - 1) + p.Batch / (double)Math.Max(1, p.Batches)) / Math.Max(1, p.Epochs);
            string html = $"<div><progress value=\"{frac:F3}\" max=\"1\" style=\"width:300px\"></progress> {frac:P0} — epoch {p.Epoch}/{p.Epochs}, batch {p.Batch}/{p.Batches}, loss {p.Loss:F4}</div>"
                + string.Concat(_epochs.Select(e => $"<div style=\"font-family:monospace;font-size:12px\">{System.Net.WebUtility.HtmlEncode(e)}</div>"));
            _display.Update(new Html(html));
        }
        else if (p.Finished is not null || DateTime.UtcNow - _lastLine > TimeSpan.FromSeconds(5))
        {
            _lastLine = DateTime.UtcNow;
            Console.WriteLine(p);
        }
    }

    public void Report(string line)
    {
        if (_display is not null) _display.Update(new Html($"<div style=\"font-family:monospace\">{System.Net.WebUtility.HtmlEncode(line)}</div>"));
        else Console.WriteLine(line);
    }
}

/// <summary>A fragment of HTML shown as is (a formatter is registered by <see cref="Notebook.RegisterFormatters"/>).</summary>
public sealed record Html(string Value)
{
    public override string ToString() => Value;
}
