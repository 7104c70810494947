using SemDepth.Training;

namespace SemDepth.Notebooks;

/// <summary>
/// Progress of long loops: in a notebook, one display updated in place (an HTML progress bar and the
/// finished epochs), made on the first report; in a notebook executed headless (SEMDEPTH_HEADLESS=1, set
/// by <see cref="Job.NotebookRunner"/>; every update would become an output of its own), one summary of
/// the finished epochs when training ends; outside notebooks, plain lines.
/// </summary>
public sealed class LiveProgress(string title = "progress") : IProgress<TrainProgress>, IProgress<string>
{
    readonly bool _inNotebook = Init();
    readonly bool _headless = Workspace.Settings.Current.Headless;
    readonly List<string> _epochs = [];
    IDisplayHandle? _display;
    DateTime _lastLine = DateTime.MinValue;

    static bool Init()
    {
        Notebook.RegisterFormatters();
        return CellDisplay.Available;
    }

    static string Line(string s) =>
        $"<div style=\"font-family:monospace;font-size:12px\">{System.Net.WebUtility.HtmlEncode(s)}</div>";

    void Show(string html)
    {
        if (_display is null)
            _display = CellDisplay.Show(new Html(html), "text/html");
        else
            _display.Update(new Html(html));
    }

    public void Report(TrainProgress p)
    {
        if (p.Finished is not null)
            _epochs.Add(p.ToString());
        if (!_inNotebook)
        {
            if (p.Finished is not null || DateTime.UtcNow - _lastLine > TimeSpan.FromSeconds(5))
            {
                _lastLine = DateTime.UtcNow;
                Console.WriteLine(p);
            }
            return;
        }
        if (_headless)
        {
            if (p.Finished is not null && p.Epoch >= p.Epochs)
                Show(
                    $"<div>{System.Net.WebUtility.HtmlEncode(title)}: done</div>" + string.Concat(_epochs.Select(Line))
                );
            return;
        }
        double frac = ((p.Epoch - 1) + p.Batch / (double)Math.Max(1, p.Batches)) / Math.Max(1, p.Epochs);
        Show(
            $"<div>{System.Net.WebUtility.HtmlEncode(title)}: <progress value=\"{frac:F3}\" max=\"1\" "
                + $"style=\"width:300px\"></progress> {frac:P0} — epoch {p.Epoch}/{p.Epochs}, batch "
                + $"{p.Batch}/{p.Batches}, loss {p.Loss:F4}</div>"
                + string.Concat(_epochs.Select(Line))
        );
    }

    /// <summary>Log lines (data generation, cache building): the latest one, in place.</summary>
    public void Report(string line)
    {
        if (!_inNotebook)
            Console.WriteLine(line);
        else
            Show(Line(line));
    }
}

/// <summary>A fragment of HTML shown as is (a formatter is registered by <see
/// cref="Notebook.RegisterFormatters"/>).</summary>
public sealed record Html(string Value)
{
    public override string ToString() => Value;
}
