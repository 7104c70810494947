using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;

namespace SemDepth.Notebooks;

/// <summary>A display a cell made, to be updated in place (a progress bar).</summary>
public interface IDisplayHandle
{
    void Update(object value);
}

/// <summary>Where a cell's displays go: the cell <see cref="Job.NotebookExecutor"/> is running when the notebook runs
/// headless in this process, else .NET Interactive's kernel when it runs in one (Polyglot Notebooks, Jupyter's .NET
/// kernel), else nowhere (plain C#: <see cref="Available"/> is false and callers print lines instead).</summary>
public static class CellDisplay
{
    /// <summary>Set by <see cref="Job.NotebookExecutor"/> while it runs a notebook.</summary>
    internal static Func<object, string[], IDisplayHandle>? Headless { get; set; }

    public static bool Available => Headless is not null || KernelInvocationContext.Current is not null;

    /// <summary>Displays <paramref name="value"/> in the running cell with its formatters (or the given MIME types);
    /// null when no notebook is running.</summary>
    public static IDisplayHandle? Show(object value, params string[] mimeTypes)
    {
        if (Headless is { } h)
            return h(value, mimeTypes);
        return KernelInvocationContext.Current is { } ctx
            ? new KernelHandle(ctx.Display(value, mimeTypes.Length > 0 ? mimeTypes : null!))
            : null;
    }

    sealed class KernelHandle(DisplayedValue shown) : IDisplayHandle
    {
        public void Update(object value) => shown.Update(value);
    }
}
