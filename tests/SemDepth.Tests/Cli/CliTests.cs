using System.Diagnostics;
using Xunit;

namespace SemDepth.Tests;

/// <summary>The console run as a newcomer runs it: a process, its exit code, what it prints.</summary>
[Collection("tiny")]
public class CliTests(TinyData tiny)
{
    static (int Code, string Out, string Err) Semdepth(params string[] args) => SemdepthWith(null, args);

    static (int Code, string Out, string Err) SemdepthWith(Dictionary<string, string>? env, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "semdepth.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["SEMDEPTH_DEVICE"] = "cpu";
        if (env is not null)
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "semdepth " + string.Join(' ', args) + " did not finish");
        return (p.ExitCode, so.Result, se.Result);
    }

    [Fact]
    public void ASecondProcessOnTheSameRunStopsNamingTheFirstAndLeavesItsResultAlone()
    {
        string runs = Path.Combine(tiny.Scratch, "lock-runs");
        var env = new Dictionary<string, string> { ["SEMDEPTH_RUNS"] = runs, ["SEMDEPTH_PLAIN"] = "1" };
        Assert.Equal(0, SemdepthWith(env, "train-ae", "--data", tiny.Root, "--epochs", "1", "--name", "same").Code);
        string run = Path.Combine(runs, "same");
        var before = Directory
            .GetFiles(run, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllBytes(f)))
            .ToList();
        // this test process is the first one, still training the run
        using (SemDepth.Workspace.RunLock.Acquire(run, "training same"))
        {
            var (code, _, err) = SemdepthWith(env, "train-ae", "--data", tiny.Root, "--epochs", "2", "--name", "same");
            Assert.Equal(1, code);
            Assert.Contains($"is in use by process {Environment.ProcessId} (training same, since ", err);
            Assert.Single(err.Trim().Split('\n'));
            NoTrace(err);
            var after = Directory
                .GetFiles(run, "*", SearchOption.AllDirectories)
                .Order(StringComparer.Ordinal)
                .ToList();
            Assert.Equal(before.Select(b => b.f), after);
            foreach (var (f, bytes) in before)
                Assert.Equal(bytes, File.ReadAllBytes(f)); // the first's result untouched
        }
        // released (a killed process releases it too: the lock is the operating system's, held by an open file)
        Assert.False(File.Exists(SemDepth.Workspace.RunLock.PathOf(run) + ".owner"));
        Assert.Equal(
            0,
            SemdepthWith(env, "train-ae", "--data", tiny.Root, "--epochs", "2", "--name", "same", "--resume").Code
        );
        // header + epochs 1 and 2, once each
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "metrics.csv")).Length);
    }

    static void NoTrace(string text) =>
        Assert.False(
            text.Contains("   at ", StringComparison.Ordinal)
                || text.Contains("Unhandled exception", StringComparison.Ordinal),
            text
        );

    [Theory]
    [InlineData("--epochs: 'abc' is not a whole number", "train-ae", "--epochs", "abc")]
    [InlineData("--epochs must be at least 1, not 0", "train-ae", "--epochs", "0")]
    [InlineData("--budget must be 0 (no budget) or more minutes, not -5", "run", "--budget", "-5")]
    [InlineData("--budget: 'soon' is not a whole number", "plan", "--budget", "soon")]
    [InlineData("--preset: 'huge' is not one of tiny, quick, full", "run", "--preset", "huge")]
    [InlineData("--method: 'best' is not one of auto, ae, cyclegan, weak, retrieval", "submit", "--method", "best")]
    [InlineData("--smooth must be 0..5 px, not -1", "bench", "retrieval", "--smooth", "-1")]
    [InlineData(
        "--keys: 'both-ways' is not one of both, restyled, translated, raw",
        "bench",
        "retrieval",
        "--keys",
        "both-ways"
    )]
    [InlineData("--gan: 'vanilla' is not one of lsgan, wgangp", "train-cyclegan", "--gan", "vanilla")]
    [InlineData("--reps must be at least 1, not -2", "bench", "ae", "--reps", "-2")]
    [InlineData("--reps must be at least 1, not -2", "bench-ae", "--reps", "-2")] // the old spelling, with a note
    [InlineData("--data: no folder '/no/such/folder'", "stats", "--data", "/no/such/folder")]
    [InlineData("--notebooks: no notebook starts with '09'", "run", "--notebooks", "01,09")]
    [InlineData("--name: '../x' is not a folder name", "train-ae", "--name", "../x")]
    [InlineData("Unrecognized command or argument 'frobnicate'", "frobnicate")]
    [InlineData("Unrecognized command or argument '--bogus'", "summary", "--bogus")]
    public void BadValuesAreOneLineUsageErrors(string expected, params string[] args)
    {
        var (code, stdout, stderr) = Semdepth(args);
        Assert.Equal(2, code);
        var errors = stderr
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("error:", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.Contains("--help' for usage", stderr, StringComparison.Ordinal);
        NoTrace(stdout + stderr);
        Assert.DoesNotContain("generating", stdout, StringComparison.Ordinal); // rejected before any work
    }

    [Fact]
    public void EveryCommandHasHelp()
    {
        var (code, rootHelp, _) = Semdepth("--help");
        Assert.Equal(0, code);
        var top = SemDepth.Cli.Cli.Build().Subcommands.ToList();
        Assert.True(top.Count >= 15, string.Join(", ", top.Select(c => c.Name)));
        Assert.DoesNotContain("bench-", rootHelp, StringComparison.Ordinal); // the developer tools are nested
        var paths = top.SelectMany(c =>
                c.Subcommands.Count == 0 ? [c.Name] : c.Subcommands.Select(s => $"{c.Name} {s.Name}").Prepend(c.Name)
            )
            .ToList();
        Assert.Contains("bench nets", paths);
        Assert.Contains("dev fault-check", paths);
        foreach (var c in top)
            Assert.Contains(c.Name, rootHelp, StringComparison.Ordinal);
        foreach (var path in paths)
        {
            var (hc, help, err) = Semdepth([.. path.Split(' '), "--help"]);
            Assert.True(hc == 0, $"{path} --help exited {hc}: {err}");
            // `notebook` takes its file first; a group lists its commands
            Assert.Matches($@"semdepth {path} (<[a-z]+> |\[command\] )?\[options\]", help);
        }
        var (noArgs, usage, _) = Semdepth();
        Assert.Equal(2, noArgs);
        Assert.Contains("Commands:", usage, StringComparison.Ordinal);
        var (old, _, note) = Semdepth("bench-nets", "--help");
        Assert.Equal(0, old);
        Assert.Contains("note: 'bench-nets' is now 'semdepth bench nets'", note, StringComparison.Ordinal);
    }

    [Fact]
    public void PredictWritesTheSubmissionsMapsTheMeasurementsAndSaysWhatItSkipped()
    {
        string scratch = Path.Combine(tiny.Scratch, "cli-predict");
        var env = new Dictionary<string, string>
        {
            ["SEMDEPTH_RUNS"] = Path.Combine(scratch, "runs"),
            ["SEMDEPTH_ARTIFACTS"] = Path.Combine(scratch, "artifacts"),
            ["SEMDEPTH_CACHE"] = Path.Combine(scratch, "cache"),
        };
        Assert.Equal(0, SemdepthWith(env, "train-ae", "--data", tiny.Root, "--epochs", "1").Code);
        var (sc, so, se) = SemdepthWith(env, "submit", "--data", tiny.Root, "--method", "ae");
        Assert.True(sc == 0, so + se);
        string zip = Assert.Single(Directory.GetFiles(Path.Combine(scratch, "artifacts", "submissions"), "*.zip"));

        // the test SEM folder plus a file that is not an image
        string images = Path.Combine(scratch, "images");
        Directory.CreateDirectory(images);
        foreach (var f in Directory.GetFiles(Path.Combine(tiny.Root, "test", "SEM")))
            File.Copy(f, Path.Combine(images, Path.GetFileName(f)), true);
        File.WriteAllText(Path.Combine(images, "readme.txt"), "notes");
        string outDir = Path.Combine(scratch, "out");
        var (code, stdout, stderr) = SemdepthWith(
            env,
            "predict",
            "--data",
            tiny.Root,
            "--method",
            "ae",
            "--images",
            images,
            "--out",
            outDir
        );
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("readme.txt: not a PNG file", stderr, StringComparison.Ordinal);
        using (var z = System.IO.Compression.ZipFile.OpenRead(zip))
        {
            Assert.Equal(z.Entries.Count, Directory.GetFiles(Path.Combine(outDir, "depth")).Length);
            foreach (var e in z.Entries)
            {
                using var ms = new MemoryStream();
                e.Open().CopyTo(ms);
                var want = new byte[SemDepth.Images.Geometry.Pixels];
                SemDepth.Images.Png8.Decode(ms.ToArray(), want, e.FullName);
                Assert.Equal(want, SemDepth.Images.Png8.Read(Path.Combine(outDir, "depth", e.FullName)));
            }
        }
        var csv = File.ReadAllLines(Path.Combine(outDir, "measurements.csv"));
        Assert.Equal("image," + SemDepth.Data.HoleMeasurements.CsvHeader, csv[0]);
        Assert.Equal(Directory.GetFiles(Path.Combine(tiny.Root, "test", "SEM")).Length + 1, csv.Length);
        Assert.True(new FileInfo(Path.Combine(outDir, "overview.png")).Length > 1000);

        // nothing usable, and nothing there: one error line each, exit 1, no trace
        string junk = Path.Combine(scratch, "junk");
        Directory.CreateDirectory(junk);
        File.WriteAllText(Path.Combine(junk, "a.png"), "not really");
        var (jc, jo, je) = SemdepthWith(env, "predict", "--data", tiny.Root, "--method", "ae", "--images", junk);
        Assert.Equal(1, jc);
        Assert.Contains("error: none of the 1 files", je, StringComparison.Ordinal);
        NoTrace(jo + je);
        var (mc, mo, me) = SemdepthWith(
            env,
            "predict",
            "--data",
            tiny.Root,
            "--method",
            "ae",
            "--images",
            Path.Combine(junk, "*.tif")
        );
        Assert.Equal(1, mc);
        Assert.Contains("no file matches", me, StringComparison.Ordinal);
        NoTrace(mo + me);
    }

    [Fact]
    public void BadDataIsOneErrorExitOneNoTrace()
    {
        string empty = Path.Combine(tiny.Scratch, "cli-empty");
        Directory.CreateDirectory(empty);
        var (code, stdout, stderr) = Semdepth("train-ae", "--data", empty, "--epochs", "1");
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains("not a Dacon data root", stderr, StringComparison.Ordinal);
        NoTrace(stdout + stderr);
    }

    [Fact]
    public void ValidateNamesEveryDamagedFileAndExitsOne()
    {
        string root = tiny.Copy("damaged");
        var tests = Directory
            .GetFiles(Path.Combine(root, "test", "SEM"), "*.png")
            .Order(StringComparer.Ordinal)
            .ToArray();
        var rng = new Random(3);
        byte[] RandomAfterSignature()
        {
            var b = new byte[300];
            rng.NextBytes(b);
            return [.. PngDamageTests.Valid()[..8], .. b];
        }
        var valid = PngDamageTests.Valid();
        byte[] WithCrcBroken()
        {
            var b = (byte[])valid.Clone();
            b[^5] ^= 1;
            return b;
        }
        byte[] LengthPastEnd()
        {
            var b = (byte[])valid.Clone();
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(33), 0xFFFFFFF0);
            return b;
        }
        var damage = new (string Expect, byte[] Bytes)[]
        {
            ("corrupt PNG (CRC mismatch", WithCrcBroken()),
            ("over the PNG limit", LengthPastEnd()),
            (
                "image is 4096x4096",
                PngDamageTests.Png(
                    PngDamageTests.Chunk("IHDR", PngDamageTests.Header(4096, 4096)),
                    PngDamageTests.Chunk("IEND", [])
                )
            ),
            ("not a PNG file", []),
            (
                "bit depth 3",
                PngDamageTests.Png(
                    PngDamageTests.Chunk("IHDR", PngDamageTests.Header(depth: 3)),
                    PngDamageTests.Chunk("IEND", [])
                )
            ),
            ("truncated PNG", valid[..(valid.Length / 2)]),
            ("", RandomAfterSignature()),
            ("", RandomAfterSignature()),
            (
                "too much image data",
                PngDamageTests.Png(
                    PngDamageTests.Chunk("IHDR", PngDamageTests.Header()),
                    PngDamageTests.Chunk("IDAT", PngDamageTests.Deflate(new byte[50_000_000])),
                    PngDamageTests.Chunk("IEND", [])
                )
            ),
            ("bytes after the IEND chunk", [.. valid, 0, 0, 0]),
        };
        for (int i = 0; i < damage.Length; i++)
            File.WriteAllBytes(tests[i], damage[i].Bytes);
        var (code, stdout, stderr) = Semdepth("validate", "--data", root);
        Assert.Equal(1, code);
        string all = stdout + stderr;
        NoTrace(all);
        Assert.DoesNotContain("unexpected", all, StringComparison.Ordinal);
        for (int i = 0; i < damage.Length; i++)
        {
            string line = all.Split('\n')
                .FirstOrDefault(l => l.Contains(Path.GetFileName(tests[i]), StringComparison.Ordinal))
                ?? "";
            Assert.True(line.Length > 0, $"{Path.GetFileName(tests[i])} ({damage[i].Expect}) is not named:\n{all}");
            Assert.Contains(damage[i].Expect, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void RunExecutesTheChosenNotebookAndWritesTheReport()
    {
        string artifacts = Path.Combine(tiny.Scratch, "cli-run-artifacts");
        var psiEnv = new Dictionary<string, string>
        {
            ["SEMDEPTH_ARTIFACTS"] = artifacts,
            ["SEMDEPTH_RUNS"] = Path.Combine(tiny.Scratch, "cli-run-runs"),
        };
        var (code, stdout, stderr) = SemdepthWith(psiEnv, "run", "--data", tiny.Root, "--notebooks", "01");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("ok   01-data-exploration.ipynb", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("02-ae-baseline", stdout, StringComparison.Ordinal);
        string report = File.ReadAllText(Path.Combine(artifacts, "report.html"));
        Assert.Contains("01-data-exploration.ipynb", report, StringComparison.Ordinal);
        Assert.Contains("data:image/png;base64,", report, StringComparison.Ordinal);
    }

    [Fact]
    public void RedirectedOutputIsPlainLines()
    {
        string outDir = Path.Combine(tiny.Scratch, "cli-gen");
        if (Directory.Exists(outDir))
            Directory.Delete(outDir, true);
        var (code, stdout, stderr) = Semdepth("generate", "--preset", "tiny", "--out", outDir);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain('\u001b', stdout); // no terminal escapes when redirected
        Assert.Contains("generate test: 40/40 images", stdout, StringComparison.Ordinal);
        Assert.Contains("136 depth maps", stdout, StringComparison.Ordinal);
        var again = Semdepth("generate", "--preset", "tiny", "--out", outDir);
        Assert.Equal(1, again.Code); // refuses to overwrite without --force
        Assert.Contains("--force", again.Err, StringComparison.Ordinal);
    }

    /// <summary>The main job killed (its whole process tree) while notebook 03 trains, then started again: the
    /// finished notebook is kept, the stopped run continues from its checkpoint (not from the start), no half-written
    /// notebook stands for a finished one, and the report says it was resumed.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void AKilledMainJobResumesKeepsFinishedNotebooksAndContinuesTheStoppedRun()
    {
        string space = Path.Combine(tiny.Scratch, "killed-job");
        string runs = Path.Combine(space, "runs"),
            artifacts = Path.Combine(space, "artifacts");
        var env = new Dictionary<string, string>
        {
            ["SEMDEPTH_RUNS"] = runs,
            ["SEMDEPTH_ARTIFACTS"] = artifacts,
            ["SEMDEPTH_CACHE"] = Path.Combine(space, "cache"),
            ["SEMDEPTH_PLAIN"] = "1",
        };
        string[] args = ["run", "--data", tiny.Root, "--notebooks", "02,03"];
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "semdepth.dll"));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["SEMDEPTH_DEVICE"] = "cpu";
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        string state = Path.Combine(runs, "unet-sim", "checkpoint", "state.json");
        using (var first = Process.Start(psi)!)
        {
            _ = first.StandardOutput.ReadToEndAsync();
            _ = first.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (EpochIn(state) < 1) // the U-Net on simulated pairs has saved epoch 1 of 2
            {
                Assert.False(first.WaitForExit(20), "the job ended before the U-Net's first checkpoint");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(4), "no U-Net checkpoint after 4 minutes");
            }
            first.Kill(entireProcessTree: true);
            first.WaitForExit();
        }
        Assert.Equal(1, EpochIn(state));
        string notebooks = Path.Combine(artifacts, "notebooks");
        Assert.False(File.Exists(Path.Combine(notebooks, "03-cyclegan-domain-shift.ipynb"))); // only its .running copy
        string aeCsv = File.ReadAllText(Path.Combine(runs, "ae-baseline", "metrics.csv"));
        string unetEpoch1 = File.ReadAllLines(Path.Combine(runs, "unet-sim", "metrics.csv"))[1];

        var (code, stdout, stderr) = SemdepthWith(env, args);
        Assert.True(code is 0 or 3, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("resuming the main job started ", stdout, StringComparison.Ordinal);
        Assert.Contains(
            "kept 02-ae-baseline.ipynb: it finished before the job stopped",
            stdout,
            StringComparison.Ordinal
        );
        Assert.DoesNotContain("running 02-ae-baseline.ipynb", stdout, StringComparison.Ordinal);
        string nb03 = File.ReadAllText(Path.Combine(notebooks, "03-cyclegan-domain-shift.ipynb"));
        Assert.Contains("unet-sim: resumed at epoch 1 of 2 from the checkpoint a stopped run left", nb03);
        Assert.Contains("ae-baseline: reused the finished run", nb03);
        Assert.Equal(aeCsv, File.ReadAllText(Path.Combine(runs, "ae-baseline", "metrics.csv")));
        var unetRows = File.ReadAllLines(Path.Combine(runs, "unet-sim", "metrics.csv"));
        Assert.Equal(3, unetRows.Length);
        Assert.Equal(unetEpoch1, unetRows[1]); // epoch 1 was not trained again
        Assert.Empty(Directory.GetFiles(notebooks, "*.running.ipynb"));
        Assert.Contains("resumed 1 time(s) after a stop", File.ReadAllText(Path.Combine(artifacts, "report.html")));
        Assert.Contains("\"Completed\": true", File.ReadAllText(Path.Combine(artifacts, "main-job.json")));
    }

    /// <summary>The epoch of a checkpoint's state.json, or 0 when it is not there (yet).</summary>
    static int EpochIn(string stateFile)
    {
        try
        {
            return File.Exists(stateFile)
                ? System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(stateFile))!["Epoch"]!.GetValue<int>()
                : 0;
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return 0; // being swapped into place
        }
    }
}
