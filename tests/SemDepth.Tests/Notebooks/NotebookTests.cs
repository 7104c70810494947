using SemDepth.Data;
using SemDepth.Job;
using SemDepth.Submission;
using SemDepth.Workspace;
using Xunit;

namespace SemDepth.Tests;

/// <summary>Every notebook runs headless on the tiny preset; any cell error fails the test.</summary>
[Collection("tiny")]
public class NotebookTests(TinyData tiny)
{
    [Fact]
    [Trait("Category", "Slow")]
    public void EveryNotebookExecutesWithoutCellErrors()
    {
        var env = Settings.Current with
        {
            Data = tiny.Root,
            Epochs = 1,
            Device = DeviceChoice.Cpu,
            Runs = Path.Combine(tiny.Scratch, "nb-runs"),
            Artifacts = Path.Combine(tiny.Scratch, "nb-artifacts"),
            Cache = Path.Combine(tiny.Scratch, "nb-cache"),
        };
        var notebooks = NotebookRunner.All();
        Assert.Contains(notebooks, n => n.EndsWith("01-data-exploration.ipynb", StringComparison.Ordinal));
        var failures = new List<string>();
        foreach (var nb in notebooks) // in order: 04 uses the checkpoint 02 wrote
        {
            var r = NotebookRunner.Run(nb, env, Path.Combine(tiny.Scratch, "nb-out"));
            if (!r.Ok)
                failures.Add(r.ToString());
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Single(Directory.GetFiles(Path.Combine(tiny.Scratch, "nb-artifacts", "submissions"), "*.zip"));
        ExecutedNotebooksKeepTheOutputKindsOfDotnetRepl(
            notebooks.Select(n => Path.Combine(tiny.Scratch, "nb-out", Path.GetFileName(n))).ToList()
        );

        // every chart and grid is a PNG picture a viewer can show without a script
        var executed = notebooks.Select(n => Path.Combine(tiny.Scratch, "nb-out", Path.GetFileName(n))).ToList();
        var minimum = new Dictionary<string, int>
        {
            ["01"] = 13,
            ["02"] = 3,
            ["03"] = 7,
            ["04"] = 2,
        };
        foreach (var nb in executed)
        {
            var pictures = PictureChecks.Check(nb);
            string key = Path.GetFileName(nb)[..2];
            if (minimum.TryGetValue(key, out int min))
                Assert.True(pictures >= min, $"{Path.GetFileName(nb)}: {pictures} pictures, expected at least {min}");
        }

        // the reviewers' page: self-contained, no script, every picture of the notebooks in it
        var report = RunReport.Build(
            executed,
            new RunFacts(
                tiny.Root,
                DateTime.UtcNow.AddHours(-1),
                TimeSpan.FromMinutes(1),
                true,
                Path.Combine(tiny.Scratch, "nb-runs"),
                Path.Combine(tiny.Scratch, "nb-artifacts", "results")
            )
        );
        Assert.DoesNotContain("<script", report, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"(src|href)=""(https?:)?//", report);
        int pngs = executed.Sum(PictureChecks.Count);
        Assert.True(System.Text.RegularExpressions.Regex.Matches(report, "<img ").Count >= pngs);
        Assert.Contains("test RMSE", report, StringComparison.Ordinal);
        string options = report[report.IndexOf("id=\"options\"", StringComparison.Ordinal)..];
        Assert.Contains("ae-baseline", options, StringComparison.Ordinal); // the options of the AE notebook 02 trained
        Assert.Contains("&quot;epochs&quot;", options, StringComparison.Ordinal);
    }

    /// <summary>Every code cell's output kinds (output type and MIME types, stream names; as a multiset: dotnet-repl
    /// wrote stdout after the displays) equal those of the same notebooks executed by dotnet-repl 0.3.259 on the
    /// same tiny set before NotebookExecutor replaced it (the fixture).</summary>
    static void ExecutedNotebooksKeepTheOutputKindsOfDotnetRepl(IReadOnlyList<string> executed)
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "dotnet-repl-output-kinds.json");
        var expected = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(fixture))!["notebooks"]!.AsObject();
        Assert.Equal(expected.Count, executed.Count);
        foreach (var nb in executed)
        {
            var want = expected[Path.GetFileName(nb)]!
                .AsArray()
                .Select(c => string.Join(", ", c!.AsArray().Select(k => k!.GetValue<string>())))
                .ToList();
            var got = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(nb))!["cells"]!
                .AsArray()
                .Where(c => c!["cell_type"]!.GetValue<string>() == "code")
                .Select(c =>
                    string.Join(
                        ", ",
                        c!["outputs"]!
                            .AsArray()
                            .Select(o =>
                                o!["output_type"]!.GetValue<string>() switch
                                {
                                    "stream" => "stream:" + o["name"]!.GetValue<string>(),
                                    var t when o["data"] is System.Text.Json.Nodes.JsonObject d => t
                                        + ":"
                                        + string.Join("+", d.Select(kv => kv.Key).Order(StringComparer.Ordinal)),
                                    var t => t,
                                }
                            )
                            .Order(StringComparer.Ordinal)
                    )
                )
                .ToList();
            Assert.Equal(want.Count, got.Count);
            for (int i = 0; i < want.Count; i++)
                Assert.True(
                    want[i] == got[i],
                    $"{Path.GetFileName(nb)} code cell {i + 1}: dotnet-repl [{want[i]}], NotebookExecutor [{got[i]}]"
                );
        }
    }

    /// <summary>Renames a root as a user's subset of the real download looks: test images from 010900.png on, sites
    /// numbered sparsely (site_00003, site_00010, ...; average_depth.csv follows).</summary>
    static void Foreign(string root)
    {
        var test = Directory.GetFiles(DaconNames.TestDir(root), "*.png").Order(StringComparer.Ordinal).ToArray();
        for (int i = 0; i < test.Length; i++)
            File.Move(test[i], Path.Combine(DaconNames.TestDir(root), $"{10900 + 3 * i:D6}.png"));
        var rename = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var depth in Directory.GetDirectories(Path.Combine(root, DaconNames.Train, "SEM")))
        foreach (var site in Directory.GetDirectories(depth).Order(StringComparer.Ordinal).Reverse())
        {
            string name = Path.GetFileName(site);
            string sparse =
                $"site_{int.Parse(name[5..], System.Globalization.CultureInfo.InvariantCulture) * 7 + 3:D5}";
            Directory.Move(site, Path.Combine(depth, sparse));
            rename[$"{Path.GetFileName(depth).ToLowerInvariant()}_{name}"] =
                $"{Path.GetFileName(depth).ToLowerInvariant()}_{sparse}";
        }
        string csv = DaconNames.CsvPath(root);
        File.WriteAllLines(
            csv,
            File.ReadAllLines(csv)
                .Select(l =>
                    l.Split(',') is [var key, var value] && rename.TryGetValue(key, out var k) ? $"{k},{value}" : l
                )
        );
        Assert.Equal("010900.png", DaconDataSet.Open(root).Test[0].Name);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void EveryNotebookRunsOnARootWithoutTruthAndASubmissionComesOut()
    {
        // the real download: no truth/ folder, RGB-stored gray PNGs, a stray checkpoint file, no sample submission
        string root = tiny.Copy("no-truth");
        Directory.Delete(Path.Combine(root, DaconNames.Truth), true);
        Foreign(root); // and names another program wrote: no notebook may assume file names
        string scratch = Path.Combine(tiny.Scratch, "nt");
        // and a plan with caps, as a CPU budget gives a full-size root: every notebook keeps to them and says so
        var counts = PlanCounts.Of(DaconDataSet.Open(root));
        var caps = new RunCaps
        {
            BudgetMinutes = 60,
            Reason = "CPU budget",
            AeImages = 64,
            UNetImages = 64,
            ClassifierImages = 32,
            OracleImages = 32,
            CycleGanSteps = 2,
            EvalTestImages = 20,
            EvalTrainImages = 40,
            EvalSimValImages = 16,
            ApproximateRetrieval = true,
        };
        caps = caps with { Lines = RunPlan.Describe(caps, counts) };
        var plan = new RunPlan(counts, new UnitCosts(), caps, [], "cpu");
        string planFile = plan.Save(Path.Combine(scratch, "artifacts", "plan.json"));
        var env = Settings.Current with
        {
            Data = root,
            Epochs = 1,
            Device = DeviceChoice.Cpu,
            Runs = Path.Combine(scratch, "runs"),
            Artifacts = Path.Combine(scratch, "artifacts"),
            Cache = Path.Combine(scratch, "cache"),
            Plan = planFile,
        };
        var failures = new List<string>();
        var executed = new List<string>();
        foreach (var nb in NotebookRunner.All())
        {
            var r = NotebookRunner.Run(nb, env, Path.Combine(scratch, "out"));
            executed.Add(r.Output);
            if (!r.Ok)
                failures.Add(r.ToString());
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        string zip = Assert.Single(Directory.GetFiles(Path.Combine(scratch, "artifacts", "submissions"), "*.zip"));
        using (var d = SemData.Open(root))
        {
            // throws naming every problem
            SubmissionValidator.Validate(zip, d.DataSet.Test.Select(t => t.Name).ToList());
            Assert.Null(d.TestTruth);
        }
        // notebook 03 ranks the methods by held-out site MAE, per folder, and says what it left out and why
        string nb03 = File.ReadAllText(
            executed.Single(p => Path.GetFileName(p).StartsWith("03", StringComparison.Ordinal))
        );
        Assert.Contains("SiteMaeHeldOut", nb03);
        Assert.Contains("Depth140", nb03);
        Assert.Contains("no hidden truth in this data root: the oracle", nb03);
        Assert.Contains("held-out sites whose mean predicted depth misses average_depth.csv most", nb03);
        string nb05 = File.ReadAllText(
            executed.Single(p => Path.GetFileName(p).StartsWith("05", StringComparison.Ordinal))
        );
        Assert.Contains(
            "validated against test/SEM; no hidden truth in this data root: a test RMSE is a synthetic-set measurement",
            nb05
        );
        // the caps in every notebook's setup summary, the samples in the tables
        Assert.All(executed, p => Assert.Contains("U-Net (sim): 2 epochs over 64 of ", File.ReadAllText(p)));
        Assert.Contains(
            "retrieval: the approximate search",
            File.ReadAllText(executed.Single(p => Path.GetFileName(p).StartsWith("04", StringComparison.Ordinal)))
        );
        Assert.Contains("held-out site accuracy", nb03);
        var report = RunReport.Build(
            executed,
            new RunFacts(
                root,
                DateTime.UtcNow.AddHours(-1),
                TimeSpan.FromMinutes(1),
                true,
                Path.Combine(scratch, "runs"),
                Path.Combine(scratch, "artifacts", "results")
            )
            {
                Plan = plan,
            }
        );
        Assert.Contains("evaluation tables: 20 of 40 test images", report);
        Assert.Contains("no hidden truth: methods ranked by held-out site-average MAE", report);
        Assert.Contains("SiteMaeHeldOut", report);
        Assert.Contains("n/a (no hidden truth)", report);
    }

    [Fact]
    public void RunnerReportsAFailingCell()
    {
        string nb = Path.Combine(NotebookRunner.NotebookDir, "..", "tests", "SemDepth.Tests", "failing.ipynb");
        var r = NotebookRunner.Run(Path.GetFullPath(nb), null, Path.Combine(tiny.Scratch, "nb-fail"));
        Assert.False(r.Ok);
        Assert.Contains(r.Errors, e => e.Contains("cell 2", StringComparison.Ordinal));
    }

    [Fact]
    public void CellsAreNumberedInTheOrderTheyRanUpToTheFailingOne()
    {
        string nb = Path.Combine(NotebookRunner.NotebookDir, "..", "tests", "SemDepth.Tests", "failing.ipynb");
        var r = NotebookRunner.Run(Path.GetFullPath(nb), null, Path.Combine(tiny.Scratch, "nb-count"));
        var doc = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(r.Output))!;
        var counts = doc["cells"]!
            .AsArray()
            .Where(c => c!["cell_type"]!.GetValue<string>() == "code")
            .Select(c => c!["execution_count"]?.GetValue<int>())
            .ToList();
        Assert.Equal(1, counts[0]);
        Assert.Equal(2, counts[1]); // the failing cell ran
        Assert.All(counts.Skip(2), c => Assert.Null(c));
    }

    /// <summary>NotebookExecutor takes cells as the C# kernel does: state carried from cell to cell, <c>using</c>s,
    /// Console output as a stream, <c>display</c> and a last value through the formatters, a compile error named
    /// with its line, and nothing run after a failure.</summary>
    [Fact]
    public void TheExecutorRunsCellsAsTheKernelDoes()
    {
        string dir = Path.Combine(tiny.Scratch, "executor");
        Directory.CreateDirectory(dir);
        string nb = Path.Combine(dir, "cells.ipynb");
        string[] cells =
        [
            "using System.Globalization;\nvar n = 6;\nConsole.WriteLine(\"printed \" + n);",
            "display(\"shown\");\n(n * 7).ToString(CultureInfo.InvariantCulture)",
            "var s = n + \"\";\ns.Length",
            "int broken = \"not a number\";",
            "Console.WriteLine(\"never\");",
        ];
        var doc = new System.Text.Json.Nodes.JsonObject
        {
            ["cells"] = new System.Text.Json.Nodes.JsonArray([
                .. cells.Select(c =>
                    (System.Text.Json.Nodes.JsonNode)
                        new System.Text.Json.Nodes.JsonObject
                        {
                            ["cell_type"] = "code",
                            ["metadata"] = new System.Text.Json.Nodes.JsonObject(),
                            ["source"] = c,
                            ["outputs"] = new System.Text.Json.Nodes.JsonArray(),
                            ["execution_count"] = null,
                        }
                ),
            ]),
            ["metadata"] = new System.Text.Json.Nodes.JsonObject(),
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        File.WriteAllText(nb, doc.ToJsonString());
        var r = NotebookRunner.Run(nb, null, Path.Combine(dir, "out"));
        Assert.False(r.Ok);
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("cell 4: ", error, StringComparison.Ordinal);
        Assert.Contains("CS0029", error, StringComparison.Ordinal); // cannot convert string to int, named with its line
        var done = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(r.Output))!["cells"]!.AsArray();
        string Outputs(int i) => done[i]!["outputs"]!.ToJsonString();
        Assert.Contains("\"name\":\"stdout\"", Outputs(0));
        Assert.Contains("printed 6\\n", Outputs(0));
        Assert.Contains("\"text/plain\":\"shown\"", Outputs(1));
        Assert.Contains("\"text/plain\":\"42\"", Outputs(1));
        Assert.Contains("display_data", Outputs(2)); // an int as the kernel shows it
        Assert.Contains("\"output_type\":\"error\"", Outputs(3));
        Assert.Equal("[]", Outputs(4));
        Assert.Equal(
            ["cell-1", "cell-2", "cell-3", "cell-4", "cell-5"],
            done.Select(c => c!["id"]!.GetValue<string>())
        );
        Assert.Equal(
            [1, 2, 3, 4, null],
            done.Select(c => c!["execution_count"] is { } v ? v.GetValue<int>() : (int?)null)
        );
    }

    [Fact]
    public void CommittedNotebooksHaveNoOutputs()
    {
        foreach (var nb in NotebookRunner.All())
            Assert.DoesNotContain("\"output_type\"", File.ReadAllText(nb));
    }
}
