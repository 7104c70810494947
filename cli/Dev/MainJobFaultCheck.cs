using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SemDepth.Synthetic;

namespace SemDepth.Cli;

/// <summary>
/// `semdepth dev fault-check --main-job`: proves that a killed main job comes back to the same submission. It runs
/// `run` once uninterrupted in a workspace of its own, then again in another, killing the whole process tree
/// (SIGKILL to the console and every notebook kernel under it) at random moments inside notebooks 03 and 04 (and,
/// from the third kill on, anywhere), starting it again each time until it finishes. Then it compares the exit code,
/// every submission PNG (MD5), every table of the executed notebooks (timing columns aside), the results summary and
/// every training run's final weights. Not a test: minutes on the tiny preset.
/// </summary>
static partial class MainJobFaultCheck
{
    static readonly string[] TimingColumns = ["Seconds", "QueriesPerSecond"];

    public static int Run(int kills, int seed, string? dataRoot)
    {
        string work = Path.Combine(Workspace.Paths.Artifacts, "fault-check", "main-job");
        if (Directory.Exists(work))
            Directory.Delete(work, true);
        string data = dataRoot ?? Path.Combine(Workspace.Paths.Artifacts, "fault-check", "tiny");
        if (dataRoot is null && !Directory.Exists(data))
            Console.WriteLine(SyntheticGenerator.Generate(SyntheticConfig.Tiny, data));
        var rng = new Random(seed);
        var total = Stopwatch.StartNew();

        string refSpace = Path.Combine(work, "uninterrupted");
        var reference = Start(data, refSpace, 0);
        reference.Process.WaitForExit();
        reference.Process.WaitForExit(); // and its output handlers
        var took = reference.NotebookSeconds();
        Console.WriteLine(
            $"uninterrupted: exit {reference.Process.ExitCode} in {reference.Clock.Elapsed.TotalSeconds:F0} s "
                + $"({string.Join(", ", took.Select(t => $"{t.Key} {t.Value:F0} s"))})"
        );

        string killSpace = Path.Combine(work, "killed");
        int done = 0,
            starts = 0;
        var wall = Stopwatch.StartNew();
        var where = new List<string>();
        Job job;
        while (true)
        {
            job = Start(data, killSpace, starts++);
            if (done >= kills)
                break;
            var (target, midRun) = Schedule[Math.Min(done, Schedule.Length - 1)];
            string? at = KillInside(job, target, midRun, took, Path.Combine(killSpace, "runs"), rng);
            if (at is null)
                break; // the job finished before the moment came
            where.Add(at);
            done++;
        }
        job.Process.WaitForExit();
        job.Process.WaitForExit();
        Console.WriteLine(
            $"killed: {done} kills ({string.Join("; ", where)}), {starts} starts, exit {job.Process.ExitCode}, "
                + $"{wall.Elapsed.TotalSeconds:F0} s of wall time over all starts"
        );
        bool ok = done == kills;
        if (!ok)
            Console.WriteLine($"FAILED: the job finished after {done} of {kills} kills");
        // every notebook the schedule aimed at must have had its kill (a moment that came too late lands later)
        foreach (string nb in Schedule.Take(kills).Select(k => k.Notebook).Where(n => n.Length > 0).Distinct())
            if (!where.Any(w => w.StartsWith($"in {nb} ", StringComparison.Ordinal)))
            {
                Console.WriteLine($"FAILED: no kill fell inside notebook {nb} (the moments came too late: try --seed)");
                ok = false;
            }
        ok &= Same("exit code", reference.Process.ExitCode.ToString(), job.Process.ExitCode.ToString());
        ok &= ComparePngs(refSpace, killSpace);
        ok &= CompareTables(refSpace, killSpace);
        ok &= Same("results summary", Results(refSpace), Results(killSpace));
        ok &= CompareRuns(refSpace, killSpace);
        Console.WriteLine(
            $"fault-check --main-job: {done} kills, {starts} starts, {total.Elapsed.TotalMinutes:F1} min in all; "
                + $"identical to the uninterrupted job: {(ok ? "yes" : "NO")} (logs: {work})"
        );
        return ok ? 0 : 1;
    }

    /// <summary>A started `run` and what it printed so far.</summary>
    sealed class Job(Process process, string log)
    {
        public Process Process { get; } = process;
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public List<(double At, string Line)> Lines { get; } = [];
        public string Log { get; } = log;

        /// <summary>The notebook now running ("03"), or "" before the first.</summary>
        public string Current
        {
            get
            {
                lock (Lines)
                    return
                        Lines.LastOrDefault(l => l.Line.StartsWith("running ", StringComparison.Ordinal)).Line is { } l
                        ? l["running ".Length..][..2]
                        : "";
            }
        }

        /// <summary>Seconds each notebook took, from the "ok   03-... in 35 s" lines.</summary>
        public Dictionary<string, double> NotebookSeconds()
        {
            var d = new Dictionary<string, double>();
            lock (Lines)
                foreach (var (_, l) in Lines)
                    if (OkLine().Match(l) is { Success: true } m)
                        d[m.Groups[1].Value] = double.Parse(
                            m.Groups[2].Value,
                            System.Globalization.CultureInfo.InvariantCulture
                        );
            return d;
        }
    }

    [GeneratedRegex(@"^ok\s+(\d\d)-\S+ in (\d+) s")]
    private static partial Regex OkLine();

    /// <summary>Where the kills fall, in order (the last repeats): a random moment of notebook 03, 03 again while a
    /// training run is between its checkpoints, a random moment of 04, then a random moment of what is left.</summary>
    static readonly (string Notebook, bool MidRun)[] Schedule =
    [
        ("03", false),
        ("03", true),
        ("04", false),
        ("", false),
    ];

    /// <summary>Waits until notebook <paramref name="target"/> runs ("" = whichever runs first), then a random share
    /// of what is left of the uninterrupted time from there, or with <paramref name="midRun"/> until a training run
    /// has saved a checkpoint before its last epoch, and kills the process tree. Returns where it killed, or null when
    /// the job ended first.</summary>
    static string? KillInside(
        Job job,
        string target,
        bool midRun,
        Dictionary<string, double> took,
        string runs,
        Random rng
    )
    {
        while (target.Length == 0 ? job.Current.Length == 0 : string.CompareOrdinal(job.Current, target) < 0)
            if (job.Process.WaitForExit(20))
                return null;
        var since = Stopwatch.StartNew();
        string? trigger = null;
        if (midRun)
            while (trigger is null && job.Current == target)
            {
                if (job.Process.WaitForExit(20))
                    return null;
                trigger = MidRun(runs);
            }
        if (trigger is null) // a random moment (also when the notebook ended with no run between checkpoints)
        {
            string from = job.Current;
            double span = took.Where(t => string.CompareOrdinal(t.Key, from) >= 0).Sum(t => t.Value);
            // inside the target: within the first half of its uninterrupted time, so that a slower start still
            // kills inside it; anywhere: within what is left of the job
            double share = target.Length > 0 ? 0.05 + 0.45 * rng.NextDouble() : 0.05 + 0.9 * rng.NextDouble();
            if (target.Length > 0)
                span = took.GetValueOrDefault(target, 10);
            if (job.Process.WaitForExit(TimeSpan.FromSeconds(share * span)))
                return null;
        }
        string inside = job.Current;
        job.Process.Kill(entireProcessTree: true);
        job.Process.WaitForExit();
        return $"in {inside} after {since.Elapsed.TotalSeconds:F1} s" + (trigger is null ? "" : $" ({trigger})");
    }

    /// <summary>A run whose checkpoint holds an epoch before its last: "unet-sim at epoch 1 of 2"; else null.</summary>
    static string? MidRun(string runs)
    {
        if (!Directory.Exists(runs))
            return null;
        foreach (var dir in Directory.GetDirectories(runs))
            try
            {
                string state = Path.Combine(
                    SemDepth.Training.RunNames.CheckpointOf(dir),
                    SemDepth.Training.Checkpoint.StateFile
                );
                string options = Path.Combine(dir, "options.json");
                if (!File.Exists(state) || !File.Exists(options))
                    continue;
                int epoch = JsonNode.Parse(File.ReadAllText(state))!["Epoch"]!.GetValue<int>();
                int epochs = JsonNode.Parse(File.ReadAllText(options))!["epochs"]!.GetValue<int>();
                if (epoch > 0 && epoch < epochs)
                    return $"{Path.GetFileName(dir)} at epoch {epoch} of {epochs}";
            }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException or NullReferenceException)
            {
                // a file being written: look again
            }
        return null;
    }

    static Job Start(string data, string space, int start)
    {
        var psi = FaultCheck.SelfStart(["run", "--data", data]);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        var settings = Workspace.Settings.Current with
        {
            Artifacts = Path.Combine(space, "artifacts"),
            Runs = Path.Combine(space, "runs"),
            Cache = Path.Combine(space, "cache"),
            Device = Workspace.DeviceChoice.Cpu,
            Plain = true,
        };
        settings.ApplyTo(psi.Environment);
        Directory.CreateDirectory(space);
        string logPath = Path.Combine(space, $"start{start}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var job = new Job(p, logPath);
        void Line(string? l)
        {
            if (l is null)
                return;
            lock (job.Lines)
            {
                job.Lines.Add((job.Clock.Elapsed.TotalSeconds, l));
                log.WriteLine(l);
            }
        }
        p.OutputDataReceived += (_, e) => Line(e.Data);
        p.ErrorDataReceived += (_, e) => Line(e.Data);
        p.Exited += (_, _) =>
        {
            lock (job.Lines)
                log.Dispose();
        };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return job;
    }

    static bool Same(string what, string a, string b)
    {
        bool same = a == b;
        Console.WriteLine($"{what}: {(same ? "identical" : "DIFFERENT")}");
        if (!same)
            Console.WriteLine($"  uninterrupted: {Short(a)}\n  killed:        {Short(b)}");
        return same;
    }

    static string Short(string s) => s.Length > 300 ? s[..300] + " ..." : s;

    /// <summary>MD5 of every PNG of the newest submission zip, by name.</summary>
    static SortedDictionary<string, string> Pngs(string space)
    {
        var zips = Directory.GetFiles(Path.Combine(space, "artifacts", "submissions"), "*.zip");
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (zips.Length == 0)
            return result;
        using var zip = ZipFile.OpenRead(zips.OrderBy(File.GetLastWriteTimeUtc).Last());
        foreach (var e in zip.Entries.Where(e => e.Name.EndsWith(".png", StringComparison.OrdinalIgnoreCase)))
        {
            using var s = e.Open();
            result[e.FullName] = Convert.ToHexString(MD5.HashData(s)).ToLowerInvariant();
        }
        return result;
    }

    static bool ComparePngs(string a, string b)
    {
        var x = Pngs(a);
        var y = Pngs(b);
        File.WriteAllLines(Path.Combine(a, "submission-md5.txt"), x.Select(kv => $"{kv.Value}  {kv.Key}"));
        File.WriteAllLines(Path.Combine(b, "submission-md5.txt"), y.Select(kv => $"{kv.Value}  {kv.Key}"));
        int same = x.Count(kv => y.TryGetValue(kv.Key, out var v) && v == kv.Value);
        string digest = Convert
            .ToHexString(MD5.HashData(System.Text.Encoding.ASCII.GetBytes(string.Join("\n", x.Values))))
            .ToLowerInvariant();
        bool ok = x.Count > 0 && same == x.Count && x.Count == y.Count;
        Console.WriteLine(
            $"submission PNGs: {same} of {x.Count} identical ({y.Count} in the killed job's zip; MD5 of the list of "
                + $"MD5s {digest}){(ok ? "" : ": DIFFERENT")}"
        );
        return ok;
    }

    /// <summary>Every HTML table in the executed notebooks' outputs as text rows, timing columns left out.</summary>
    static List<string> Tables(string space)
    {
        var rows = new List<string>();
        string dir = Path.Combine(space, "artifacts", "notebooks");
        foreach (var nb in Directory.GetFiles(dir, "*.ipynb").Order(StringComparer.Ordinal))
        {
            if (nb.EndsWith(".running.ipynb", StringComparison.Ordinal))
                continue;
            var doc = JsonNode.Parse(File.ReadAllText(nb))!;
            int cell = 0;
            foreach (var c in doc["cells"]!.AsArray())
            {
                cell++;
                foreach (var o in c!["outputs"]?.AsArray() ?? [])
                {
                    var html = o!["data"]?["text/html"];
                    string text = html is JsonArray arr
                        ? string.Concat(arr.Select(x => (string?)x))
                        : (string?)html ?? "";
                    foreach (Match t in Table().Matches(text))
                        rows.AddRange(TableRows(t.Value).Select(r => $"{Path.GetFileName(nb)[..2]} cell {cell}: {r}"));
                }
            }
        }
        return rows;
    }

    [GeneratedRegex("<table.*?</table>", RegexOptions.Singleline)]
    private static partial Regex Table();

    [GeneratedRegex("<tr.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();

    [GeneratedRegex("<t[hd][^>]*>(.*?)</t[hd]>", RegexOptions.Singleline)]
    private static partial Regex Cell();

    static IEnumerable<string> TableRows(string table)
    {
        var rows = Row()
            .Matches(table)
            .Select(r => Cell().Matches(r.Value).Select(c => c.Groups[1].Value.Trim()).ToArray())
            .ToList();
        if (rows.Count == 0)
            return [];
        var keep = Enumerable.Range(0, rows[0].Length).Where(i => !TimingColumns.Contains(rows[0][i])).ToArray();
        return rows.Select(r => string.Join(" | ", keep.Where(i => i < r.Length).Select(i => r[i])));
    }

    static bool CompareTables(string a, string b)
    {
        var x = Tables(a);
        var y = Tables(b);
        var differing = x.Zip(y).Where(p => p.First != p.Second).ToList();
        bool ok = x.Count > 0 && x.Count == y.Count && differing.Count == 0;
        Console.WriteLine(
            $"notebook tables: {x.Count} rows ({y.Count} in the killed job), {differing.Count} differ "
                + $"(columns {string.Join(", ", TimingColumns)} left out){(ok ? "" : ": DIFFERENT")}"
        );
        foreach (var (first, second) in differing.Take(5))
            Console.WriteLine($"  uninterrupted: {Short(first)}\n  killed:        {Short(second)}");
        return ok;
    }

    /// <summary>The results summary's method and test RMSE, the last row of each method.</summary>
    static string Results(string space) =>
        string.Join(
            "; ",
            SemDepth
                .Submission.ResultsLog.Read(Path.Combine(space, "artifacts", "results"))
                .GroupBy(r => r.Method)
                .Select(g => $"{g.Key} {g.Last().TestRmse:F3}")
                .Order(StringComparer.Ordinal)
        );

    static bool CompareRuns(string a, string b)
    {
        string ra = Path.Combine(a, "runs"),
            rb = Path.Combine(b, "runs");
        var names = Directory
            .GetDirectories(ra)
            .Where(d =>
                File.Exists(
                    Path.Combine(SemDepth.Training.RunNames.CheckpointOf(d), SemDepth.Training.Checkpoint.ModelFile)
                )
            )
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
        var differ = names
            .Where(n =>
            {
                string fa = Path.Combine(
                        SemDepth.Training.RunNames.CheckpointOf(Path.Combine(ra, n)),
                        SemDepth.Training.Checkpoint.ModelFile
                    ),
                    fb = Path.Combine(
                        SemDepth.Training.RunNames.CheckpointOf(Path.Combine(rb, n)),
                        SemDepth.Training.Checkpoint.ModelFile
                    );
                return !File.Exists(fb) || !File.ReadAllBytes(fa).AsSpan().SequenceEqual(File.ReadAllBytes(fb));
            })
            .ToList();
        Console.WriteLine(
            $"training runs: {names.Count - differ.Count} of {names.Count} with identical final weights"
                + (differ.Count > 0 ? $": DIFFERENT {string.Join(", ", differ)}" : "")
        );
        return differ.Count == 0 && names.Count > 0;
    }
}
