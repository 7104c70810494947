using System.Globalization;
using SemDepth.Training;
using SemDepth.Workspace;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SemDepth.Cli;

/// <summary>
/// Where long console work reports: log lines, training progress and counted work (generation,
/// decoding, submission). On an interactive terminal, Spectre.Console progress bars with rate and
/// time left, log lines above them; when output is redirected (CI, a pipe, a file), plain lines: every
/// log line, finished epochs, and a progress line at most every 5 s a task.
/// </summary>
sealed class ConsoleSink : IProgress<string>, IProgress<TrainProgress>, SemDepth.Job.IJobConsole
{
    readonly ProgressContext? _ctx;
    readonly object _gate = new();
    readonly Dictionary<string, ProgressTask> _tasks = [];
    readonly Dictionary<string, DateTime> _lastLine = [];
    readonly Dictionary<string, (DateTime Start, long Done)> _started = [];

    ConsoleSink(ProgressContext? ctx) => _ctx = ctx;

    /// <summary>Whether progress bars are drawn (an interactive terminal, output not redirected, SEMDEPTH_PLAIN
    /// unset).</summary>
    public static bool Interactive =>
        !Console.IsOutputRedirected
        && AnsiConsole.Profile.Capabilities.Interactive
        && !SemDepth.Workspace.Settings.Current.Plain;

    /// <summary>Runs <paramref name="work"/> with a sink: inside a live progress display when interactive.</summary>
    public static int Run(Func<ConsoleSink, int> work)
    {
        if (!Interactive)
            return work(new ConsoleSink(null));
        return AnsiConsole
            .Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new RateColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn()
            )
            .Start(ctx => work(new ConsoleSink(ctx)));
    }

    /// <summary>A line of output (above the bars when they are drawn).</summary>
    public void Line(string text)
    {
        lock (_gate)
        {
            if (_ctx is null)
                Console.WriteLine(text);
            else
                AnsiConsole.MarkupLine(Markup.Escape(text));
        }
    }

    public void Report(string value) => Line(value);

    /// <summary>An error or warning line, on stderr.</summary>
    public void Error(string text) => Console.Error.WriteLine(text);

    public void Report(WorkProgress p) => Update(p.Task, p.Done, p.Total, p.Unit, null);

    public void Report(TrainProgress p)
    {
        long total = (long)p.Epochs * Math.Max(1, p.Batches);
        long done = (long)(p.Epoch - 1) * Math.Max(1, p.Batches) + (p.Finished is null ? p.Batch + 1 : p.Batches);
        if (p.Finished is not null)
            Line(p.ToString());
        Update(
            $"train {p.Run}",
            Math.Min(done, total),
            total,
            "batches",
            $"epoch {p.Epoch}/{p.Epochs}, loss {p.Loss:F4}"
        );
    }

    void Update(string task, long done, long total, string unit, string? detail)
    {
        lock (_gate)
        {
            if (_ctx is not null)
            {
                if (!_tasks.TryGetValue(task, out var t) || (t.IsFinished && done < t.Value))
                    _tasks[task] = t = _ctx.AddTask(Markup.Escape(task), maxValue: Math.Max(1, total));
                t.MaxValue = Math.Max(1, total);
                t.Value = done;
                t.Description = Markup.Escape(detail is null ? task : $"{task} ({detail})");
                if (done >= total)
                    t.StopTask();
                return;
            }
            var now = DateTime.UtcNow;
            if (!_started.TryGetValue(task, out var s) || done < s.Done)
            {
                _started[task] = s = (now, done);
                _lastLine[task] = now;
            }
            bool last = done >= total;
            if (!last && now - _lastLine[task] < TimeSpan.FromSeconds(5))
                return;
            if (done == 0 || (last && unit == "batches"))
                return; // epochs print their own line
            _lastLine[task] = now;
            double secs = (now - s.Start).TotalSeconds,
                rate = secs > 0 ? (done - s.Done) / secs : 0;
            string left = !last && rate > 0 ? $", {TimeSpan.FromSeconds((total - done) / rate):mm\\:ss} left" : "";
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{task}{(detail is null ? "" : " " + detail)}: {done:N0}/{total:N0} "
                        + $"{unit}{(rate > 0 ? $", {rate:N0} {unit}/s" : "")}{left}"
                )
            );
        }
    }

    /// <summary>Units a second, from Spectre's own speed estimate.</summary>
    sealed class RateColumn : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(
                task.Speed is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s, 8:N0}/s") : "       -/s",
                new Style(Color.Grey)
            );
    }
}
