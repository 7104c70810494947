using SemDepth.Job;
using SemDepth.Workspace;
using Xunit;

namespace SemDepth.Tests;

[Collection("tiny")]
public class MainJobTests(TinyData tiny)
{
    sealed class Recorder : IJobConsole
    {
        public List<string> Lines { get; } = [];
        public List<string> Errors { get; } = [];

        public void Line(string text) => Lines.Add(text);

        public void Error(string text) => Errors.Add(text);

        public void Report(string value) => Lines.Add(value);

        public void Report(WorkProgress value) { }
    }

    [Fact]
    public void DataThatIsNotADaconRootStopsBeforeAnyNotebookWithTheProblemsOnTheErrorLines()
    {
        string root = Path.Combine(tiny.Scratch, "main-job-not-a-root");
        Directory.CreateDirectory(Path.Combine(root, "unrelated"));
        var console = new Recorder();
        var exit = MainJob.Run(new MainJobRequest(Data: root, Notebooks: ["01"]), console);
        Assert.Equal(ExitCode.Failed, exit);
        Assert.Equal(1, (int)exit);
        Assert.Contains(console.Errors, e => e.Contains("simulation_data", StringComparison.Ordinal));
        Assert.DoesNotContain(console.Lines, l => l.StartsWith("running ", StringComparison.Ordinal));
    }

    [Fact]
    public void TheExitCodesAreTheConsolesNumbers()
    {
        Assert.Equal([0, 1, 2, 3], Enum.GetValues<ExitCode>().Select(e => (int)e));
        Assert.Equal(2, SemDepth.Cli.Cli.Usage);
    }
}
