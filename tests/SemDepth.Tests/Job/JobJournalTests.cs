using SemDepth.Job;
using Xunit;

namespace SemDepth.Tests;

/// <summary>The main job's journal: what it keeps after a stop and what makes it start over.</summary>
public class JobJournalTests
{
    static string Scratch(string name) => TempFolders.Fresh("journal", name);

    [Fact]
    public void AFinishedNotebookIsKeptOnlyWhileItsExecutedCopyIsTheOneTheJobWrote()
    {
        string dir = Scratch("kept");
        string nb = Path.Combine(dir, "03-x.ipynb"),
            copy = Path.Combine(dir, "out", "03-x.ipynb");
        File.WriteAllText(nb, "{\"cells\": []}");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.WriteAllText(copy, "{\"cells\": [1]}");
        var journal = new JobJournal { Request = "r", Started = DateTime.UtcNow };
        Assert.Null(journal.Kept(nb, copy)); // not finished yet
        journal.MarkFinished(nb, copy, 12.34);
        string file = JobJournal.PathIn(dir);
        journal.Save(file);
        var read = JobJournal.Read(file)!;
        Assert.Equal("r", read.Request);
        Assert.False(read.Completed);
        var kept = Assert.IsType<FinishedNotebook>(read.Kept(nb, copy));
        Assert.Equal(12.3, kept.Seconds);
        File.AppendAllText(copy, " "); // cut short, or rewritten by something else
        Assert.Null(read.Kept(nb, copy));
        File.Delete(copy);
        Assert.Null(read.Kept(nb, copy));
        File.WriteAllText(file, "{\"Request\": \"r\", \"Sta"); // a journal cut short is no journal
        Assert.Null(JobJournal.Read(file));
        Assert.Null(JobJournal.Read(Path.Combine(dir, "none.json")));
    }

    [Fact]
    public void TheRequestChangesWithTheNotebooksTextTheDataAndTheBudget()
    {
        string dir = Scratch("request");
        string nb = Path.Combine(dir, "01-x.ipynb");
        File.WriteAllText(nb, "{\"cells\": []}");
        string a = JobJournal.RequestOf(dir, "fp1", "quick", 60, [nb]);
        Assert.Equal(a, JobJournal.RequestOf(dir, "fp1", "quick", 60, [nb]));
        Assert.NotEqual(a, JobJournal.RequestOf(dir, "fp2", "quick", 60, [nb]));
        Assert.NotEqual(a, JobJournal.RequestOf(dir, "fp1", "quick", 30, [nb]));
        Assert.NotEqual(a, JobJournal.RequestOf(dir, "fp1", "full", 60, [nb]));
        File.WriteAllText(nb, "{\"cells\": [], \"metadata\": {}}");
        Assert.NotEqual(a, JobJournal.RequestOf(dir, "fp1", "quick", 60, [nb]));
    }
}
