namespace SemDepth.Workspace;

/// <summary>How far a long piece of work is (generation, decoding the cache, writing a submission):
/// <paramref name="Done"/> of <paramref name="Total"/> <paramref name="Unit"/>.</summary>
public sealed record WorkProgress(string Task, long Done, long Total, string Unit = "images");

/// <summary>
/// A thread-safe counter for a loop that reports <see cref="WorkProgress"/> about 200 times in all.
/// It reports to a log that also implements <c>IProgress&lt;WorkProgress&gt;</c> (the console's
/// progress bars) and is silent for a plain text log, so library signatures keep one log parameter.
/// </summary>
public sealed class WorkCounter
{
    readonly IProgress<WorkProgress>? _sink;
    readonly string _task,
        _unit;
    readonly long _total,
        _step;
    long _done;

    public WorkCounter(object? log, string task, long total, string unit = "images")
    {
        _sink = log as IProgress<WorkProgress>;
        (_task, _total, _unit) = (task, total, unit);
        _step = Math.Max(1, total / 200);
        _sink?.Report(new WorkProgress(task, 0, total, unit));
    }

    /// <summary>Counts <paramref name="n"/> more units done.</summary>
    public void Add(long n = 1)
    {
        if (_sink is null)
            return;
        long d = Interlocked.Add(ref _done, n);
        if (d / _step != (d - n) / _step || d >= _total)
            _sink.Report(new WorkProgress(_task, Math.Min(d, _total), _total, _unit));
    }
}
