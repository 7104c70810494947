using System.Diagnostics;
using SemDepth.Synthetic;
using SemDepth.Training;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>`semdepth dev fault-check`: proves that a killed training run loses nothing. For train-ae and
/// train-cyclegan on the tiny preset it trains an uninterrupted reference, then trains the same run while killing it
/// with SIGKILL at random moments (every other kill waits for a checkpoint save to be under way; the others between the
/// start and two epochs past the first save), resuming each time, and compares the final weights byte for byte. Then a
/// save onto a full disk and onto a read-only folder must fail with a one-line error and leave the previous checkpoint
/// usable. Not a test: it takes minutes and needs root for the tmpfs mounts.</summary>
static class FaultCheck
{
    sealed record Job(string Command, string Name, int Epochs, string[] Extra);

    public static int Run(int kills, int seed, string? dataRoot)
    {
        string work = Path.Combine(Workspace.Paths.Artifacts, "fault-check");
        string runs = Path.Combine(work, "runs");
        if (Directory.Exists(runs))
            Directory.Delete(runs, true);
        string data = dataRoot ?? Path.Combine(work, "tiny");
        if (dataRoot is null && !Directory.Exists(data))
            Console.WriteLine(SyntheticGenerator.Generate(SyntheticConfig.Tiny, data));
        var rng = new Random(seed);
        var jobs = new[]
        {
            new Job("train-ae", "ae", 40, []),
            new Job("train-cyclegan", RunNames.CycleGan, 16, ["--steps", "3", "--batch", "4"]),
        };
        bool ok = true;
        int killsDone = 0,
            resumes = 0;
        for (int j = 0; j < jobs.Length; j++)
        {
            var job = jobs[j];
            int target = kills / jobs.Length + (j < kills % jobs.Length ? 1 : 0);
            var r = CheckJob(job, target, data, runs, rng);
            killsDone += r.Kills;
            resumes += r.Resumes;
            ok &= r.Ok;
        }
        Console.WriteLine(
            $"fault-check: {killsDone} kills, {resumes} resumes, all weights identical: {(ok ? "yes" : "NO")}"
        );
        bool diskOk = CheckFullDisk(data, work) & CheckReadOnly(data, work);
        return ok && diskOk ? 0 : 1;
    }

    sealed record JobResult(int Kills, int Resumes, bool Ok);

    static JobResult CheckJob(Job job, int target, string data, string runs, Random rng)
    {
        string refName = "ref-" + job.Name,
            killName = "killed-" + job.Name;
        var sw = Stopwatch.StartNew();
        var reference = Start(job, refName, data, runs, resume: false);
        string refCk = RunNames.CheckpointOf(Path.Combine(runs, refName));
        double firstSave = double.NaN;
        while (!reference.WaitForExit(5))
            if (double.IsNaN(firstSave) && Directory.Exists(refCk))
                firstSave = sw.Elapsed.TotalSeconds;
        double refSeconds = sw.Elapsed.TotalSeconds;
        if (double.IsNaN(firstSave))
            firstSave = refSeconds / 2;
        // random kills fall anywhere from the start to two epochs past the first save
        double epochSeconds = Math.Max(0.05, (refSeconds - firstSave) / Math.Max(1, job.Epochs - 1));
        double window = firstSave + 2 * epochSeconds;
        if (reference.ExitCode != 0)
            return Fail(
                $"{job.Command}: the uninterrupted run failed (exit {reference.ExitCode}); see "
                    + $"{LogOf(runs, refName, 0)}"
            );
        Console.WriteLine(
            $"{job.Command}: reference run of {job.Epochs} epochs took {refSeconds:F1} s (first "
                + $"checkpoint after {firstSave:F1} s)"
        );

        string ck = RunNames.CheckpointOf(Path.Combine(runs, killName));
        int kills = 0,
            resumes = 0,
            duringSave = 0,
            starts = 0;
        while (true)
        {
            bool resume = HasCompleteCheckpoint(ck);
            if (resume)
                resumes++;
            var p = Start(job, killName, data, runs, resume, starts++);
            if (kills < target)
            {
                bool onSave = kills % 2 == 1;
                bool killed = onSave
                    ? KillDuringSave(p, ck, rng)
                    : KillAfter(p, TimeSpan.FromSeconds(rng.NextDouble() * window));
                if (killed)
                {
                    kills++;
                    if (onSave)
                        duringSave++;
                    continue;
                }
            }
            p.WaitForExit();
            if (p.ExitCode != 0)
                return Fail(
                    $"{job.Command}: a {(resume ? "resumed" : "fresh")} run exited {p.ExitCode}; see "
                        + $"{LogOf(runs, killName, starts - 1)}"
                );
            break;
        }
        string refModel = Path.Combine(RunNames.CheckpointOf(Path.Combine(runs, refName)), Checkpoint.ModelFile);
        string killModel = Path.Combine(ck, Checkpoint.ModelFile);
        int differing = DifferingBytes(refModel, killModel);
        int epochs = Checkpoint.ReadState(ck).Epoch;
        int rows = File.ReadAllLines(Path.Combine(runs, killName, "metrics.csv")).Length - 1;
        bool same = differing == 0 && epochs == job.Epochs && rows == job.Epochs;
        if (kills < target)
        {
            Console.WriteLine(
                $"FAILED: {job.Command}: the run finished after {kills} of {target} kills (make the job longer)"
            );
            same = false;
        }
        Console.WriteLine(
            $"{job.Command}: {kills} kills ({duringSave} while a checkpoint was being saved), {resumes} resumes, "
                + $"{starts} starts; final epoch {epochs}, metrics.csv rows {rows}; final weights identical to the "
                + $"uninterrupted run: {(same ? "yes" : $"NO ({differing} bytes differ)")}"
        );
        return new JobResult(kills, resumes, same);
    }

    static JobResult Fail(string message)
    {
        Console.WriteLine("FAILED: " + message);
        return new JobResult(0, 0, false);
    }

    /// <summary>True when the run folder has a checkpoint that opening it would find (under any of the three
    /// names).</summary>
    static bool HasCompleteCheckpoint(string ck) =>
        new[] { ck, ck + ".new", ck + ".old" }.Any(d => Checkpoint.Verify(d) is null);

    static bool KillAfter(Process p, TimeSpan delay)
    {
        if (p.WaitForExit(delay))
            return false;
        p.Kill();
        p.WaitForExit();
        return true;
    }

    /// <summary>Waits until a save is under way (checkpoint.new exists), then kills within a few
    /// milliseconds.</summary>
    static bool KillDuringSave(Process p, string ck, Random rng)
    {
        while (!p.HasExited)
        {
            if (Directory.Exists(ck + ".new"))
            {
                Thread.Sleep(rng.Next(0, 40));
                if (p.HasExited)
                    return false;
                p.Kill();
                p.WaitForExit();
                return true;
            }
            Thread.Sleep(1);
        }
        return false;
    }

    static string LogOf(string runs, string name, int start) => Path.Combine(runs, $"{name}.start{start}.log");

    /// <summary>Starts this console again with the job's command, output to a log file.</summary>
    static Process Start(Job job, string name, string data, string runs, bool resume, int start = 0)
    {
        var args = new List<string> { job.Command, "--data", data, "--name", name, "--epochs", job.Epochs.ToString() };
        args.AddRange(job.Extra);
        if (resume)
            args.Add("--resume");
        var psi = SelfStart(args);
        (Settings.Current with { Runs = runs, Device = DeviceChoice.Cpu }).ApplyTo(psi.Environment);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        Directory.CreateDirectory(runs);
        var log = new StreamWriter(LogOf(runs, name, start)) { AutoFlush = true };
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (log)
                    log.WriteLine(e.Data);
        };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (log)
                    log.WriteLine(e.Data);
        };
        p.Exited += (_, _) =>
        {
            lock (log)
                log.Dispose();
        };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>How to start this console again: its apphost, or `dotnet semdepth.dll`.</summary>
    internal static ProcessStartInfo SelfStart(IEnumerable<string> args)
    {
        string exe = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(exe) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet")
            psi.ArgumentList.Add(typeof(FaultCheck).Assembly.Location);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        return psi;
    }

    static int DifferingBytes(string a, string b)
    {
        var x = File.ReadAllBytes(a);
        var y = File.ReadAllBytes(b);
        if (x.Length != y.Length)
            return Math.Max(x.Length, y.Length);
        int n = 0;
        for (int i = 0; i < x.Length; i++)
            if (x[i] != y[i])
                n++;
        return n;
    }

    /// <summary>Runs one command to the end; returns exit code and everything it printed.</summary>
    static (int Code, string Output) RunToEnd(List<string> args, string runs)
    {
        var psi = SelfStart(args);
        (Settings.Current with { Runs = runs, Device = DeviceChoice.Cpu }).ApplyTo(psi.Environment);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    /// <summary>A tmpfs big enough for one AE checkpoint and a half: the second epoch's save runs out of
    /// space.</summary>
    static bool CheckFullDisk(string data, string work)
    {
        string mount = Path.Combine(work, "full-disk");
        string refCk = RunNames.CheckpointOf(Path.Combine(work, "runs", "ref-ae"));
        long size = Directory.GetFiles(refCk).Sum(f => new FileInfo(f).Length);
        if (!Mount(mount, $"size={size * 3 / 2 / 1024}k"))
            return true;
        try
        {
            var (code, output) = RunToEnd(["train-ae", "--data", data, "--name", "ae", "--epochs", "2"], mount);
            return Report("full disk", RunNames.CheckpointOf(Path.Combine(mount, "ae")), code, output, expectEpoch: 1);
        }
        finally
        {
            Unmount(mount);
        }
    }

    /// <summary>One epoch on a tmpfs, remounted read-only, then a resume that must fail to save.</summary>
    static bool CheckReadOnly(string data, string work)
    {
        string mount = Path.Combine(work, "read-only");
        if (!Mount(mount, "size=512m"))
            return true;
        try
        {
            var first = RunToEnd(["train-ae", "--data", data, "--name", "ae", "--epochs", "1"], mount);
            if (first.Code != 0)
            {
                Console.WriteLine("FAILED: read-only check: the first epoch failed\n" + first.Output);
                return false;
            }
            Sh("mount", "-o", "remount,ro", mount);
            var (code, output) = RunToEnd(
                ["train-ae", "--data", data, "--name", "ae", "--epochs", "2", "--resume"],
                mount
            );
            return Report(
                "read-only runs folder",
                RunNames.CheckpointOf(Path.Combine(mount, "ae")),
                code,
                output,
                expectEpoch: 1
            );
        }
        finally
        {
            Unmount(mount);
        }
    }

    static bool Report(string what, string ck, int code, string output, int expectEpoch)
    {
        string? error = output.Split('\n').FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal));
        bool trace =
            output.Contains("   at ", StringComparison.Ordinal)
            || output.Contains("Unhandled exception", StringComparison.Ordinal);
        string? problem = Checkpoint.Verify(ck);
        int epoch = problem is null ? Checkpoint.ReadState(ck).Epoch : -1;
        bool ok = code == 1 && error is not null && !trace && problem is null && epoch == expectEpoch;
        Console.WriteLine(
            $"{what}: exit {code}, {(trace ? "a stack trace was printed" : "no stack trace")}; "
                + $"previous checkpoint {(problem is null ? $"usable (epoch {epoch})" : "BROKEN: " + problem)}: "
                + $"{(ok ? "ok" : "FAILED")}"
        );
        if (error is not null)
            Console.WriteLine("  " + error.Trim());
        return ok;
    }

    static bool Mount(string dir, string options)
    {
        Directory.CreateDirectory(dir);
        if (Sh("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir) == 0)
            return true;
        Console.WriteLine($"skipped: cannot mount a tmpfs at {dir} (needs root)");
        return false;
    }

    static void Unmount(string dir)
    {
        Sh("umount", dir);
        try
        {
            Directory.Delete(dir, true);
        }
        catch (IOException) { }
    }

    static int Sh(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
