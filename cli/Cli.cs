using System.CommandLine;
using System.CommandLine.Parsing;
using SemDepth.Data;
using SemDepth.Methods;
using SemDepth.Workspace;
using SemDepth.Synthetic;

namespace SemDepth.Cli;

/// <summary>
/// The command line (System.CommandLine): every command with typed options, defaults and --help.
/// Exit codes: 0 ok, 1 failure (bad data, a failed run), 2 usage (an unknown command or option, a value
/// that does not parse or is out of range: one "error:" line per problem, no stack trace).
/// </summary>
public static class Cli
{
    /// <summary>Exit code of a usage error.</summary>
    public const int Usage = 2;

    public static int Invoke(string[] args)
    {
        var root = Build();
        if (args.Length == 0)
        {
            root.Parse("--help").Invoke();
            return Usage;
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var errors = parse.Errors.Select(e => e.Message).ToList();
            if (errors.Count > 1)
                errors.RemoveAll(m => m.StartsWith("Required command was not provided", StringComparison.Ordinal));
            foreach (var e in errors)
                Console.Error.WriteLine("error: " + e);
            string cmd =
                parse.CommandResult.Command == root ? "semdepth" : "semdepth " + parse.CommandResult.Command.Name;
            Console.Error.WriteLine($"run '{cmd} --help' for usage");
            return Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Failure(e) is { } message)
        {
            Console.Error.WriteLine("error: " + message);
            if (Environment.GetEnvironmentVariable("SEMDEPTH_DEBUG") == "1")
                Console.Error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>The one line a failure prints: the message of the errors users cause (bad data, a full
    /// disk, a damaged checkpoint), the type too for anything unexpected. Null for Ctrl+C.</summary>
    static string? Failure(Exception e)
    {
        if (e is OperationCanceledException)
            return null;
        if (e is AggregateException { InnerExceptions.Count: 1 } a)
            e = a.InnerException!;
        bool expected =
            e
            is DataSetException
                or ImageFormatProblem
                or ArgumentException
                or IOException
                or InvalidDataException
                or InvalidOperationException
                or FormatException
                or UnauthorizedAccessException
                or SemDepth.Training.CheckpointException
                or SemDepth.Submission.SubmissionException
                or System.Text.Json.JsonException;
        return expected
            ? e.Message
            : $"unexpected {e.GetType().Name}: {e.Message} (SEMDEPTH_DEBUG=1 prints the stack trace)";
    }

    // ---------- options shared by several commands ----------

    static Option<string?> DataOption() =>
        new Option<string?>("--data")
        {
            Description =
                "data root in the Dacon layout (else SEMDEPTH_DATA, else data/synthetic/<SEMDEPTH_PRESET "
                + "or quick>, generated if absent)",
            HelpName = "DIR",
            Validators =
            {
                r =>
                {
                    if (Value<string?>(r) is { } d && !Directory.Exists(d))
                        r.AddError($"--data: no folder '{d}'");
                },
            },
        };

    static Option<string> PresetOption(string defaultPreset, string description) =>
        WithChoices(
            new Option<string>("--preset")
            {
                Description = description,
                DefaultValueFactory = _ => defaultPreset,
                HelpName = "NAME",
            },
            "tiny",
            "quick",
            "full"
        );

    /// <summary>A whole number with a one-line error when it is not one.</summary>
    static T? WholeNumber<T>(ArgumentResult r)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (
            int.TryParse(
                text,
                System.Globalization.NumberStyles.Integer,
                System.Globalization.CultureInfo.InvariantCulture,
                out int v
            )
        )
            return (T)(object)v;
        r.AddError($"{(r.Parent as OptionResult)?.Option.Name ?? "value"}: '{text}' is not a whole number");
        return default;
    }

    static Option<int> Positive(string name, int defaultValue, string description) =>
        new Option<int>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            HelpName = "N",
            CustomParser = WholeNumber<int>,
            Validators =
            {
                r =>
                {
                    if (Value<int?>(r) is < 1 and var v)
                        r.AddError($"{name} must be at least 1, not {v}");
                },
            },
        };

    static Option<int> NonNegative(string name, int defaultValue, string description) =>
        new Option<int>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            HelpName = "N",
            CustomParser = WholeNumber<int>,
            Validators =
            {
                r =>
                {
                    if (Value<int?>(r) is < 0 and var v)
                        r.AddError($"{name} must be 0 or more, not {v}");
                },
            },
        };

    static Option<int?> PositiveOrUnset(string name, string description) =>
        new Option<int?>(name)
        {
            Description = description,
            HelpName = "N",
            CustomParser = WholeNumber<int?>,
            Validators =
            {
                r =>
                {
                    if (Value<int?>(r) is < 1 and var v)
                        r.AddError($"{name} must be at least 1, not {v}");
                },
            },
        };

    static Option<string?> RunName() =>
        new Option<string?>("--name")
        {
            Description = "run folder name under runs/ (SEMDEPTH_RUNS)",
            HelpName = "NAME",
            Validators =
            {
                r =>
                {
                    if (
                        Value<string?>(r) is { } n
                        && (n.Length == 0 || n.IndexOfAny(['/', '\\']) >= 0 || n is "." or "..")
                    )
                        r.AddError($"--name: '{n}' is not a folder name");
                },
            },
        };

    /// <summary>An option taking one of <typeparamref name="T"/>'s mode names (lsgan|wgangp), checked like
    /// <see cref="WithChoices"/>; read it with <see cref="Mode{T}"/>.</summary>
    static Option<string?> Modes<T>(string name, string description)
        where T : struct, Enum =>
        WithChoices(
            new Option<string?>(name) { Description = description, HelpName = string.Join("|", ModeNames.All<T>()) },
            [.. ModeNames.All<T>()]
        );

    /// <summary>The mode an option of <see cref="Modes{T}"/> names; null when it was not given.</summary>
    static T? Mode<T>(string? text)
        where T : struct, Enum => text is null ? null : ModeNames.Parse<T>(text, "mode");

    /// <summary>--budget MINUTES of run and plan: a whole number, 0 (no budget) or more.</summary>
    static Option<int?> Budget(string description) =>
        new("--budget")
        {
            Description = description,
            HelpName = "MINUTES",
            CustomParser = WholeNumber<int?>,
            Validators =
            {
                r =>
                {
                    if (Value<int?>(r) is < 0 and var v)
                        r.AddError($"--budget must be 0 (no budget) or more minutes, not {v}");
                },
            },
        };

    /// <summary>Only these values, with a one-line error naming them; completions offer them.</summary>
    static Option<T> WithChoices<T>(Option<T> o, params string[] values)
    {
        o.Validators.Add(r =>
        {
            foreach (var t in r.Tokens.Where(t => t.Type == TokenType.Argument))
                if (!values.Contains(t.Value, StringComparer.Ordinal))
                    r.AddError($"{o.Name}: '{t.Value}' is not one of {string.Join(", ", values)}");
        });
        o.CompletionSources.Add(values);
        return o;
    }

    /// <summary>An option's value for a validator; default when it does not parse (that error is reported
    /// already).</summary>
    static T? Value<T>(OptionResult r)
    {
        if (
            r.Tokens.Count > 0
            && typeof(T) != typeof(string)
            && r.Tokens.Any(t => t.Type == TokenType.Argument)
            && !Parses<T>(r)
        )
            return default;
        try
        {
            return r.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }

    static bool Parses<T>(OptionResult r)
    {
        try
        {
            _ = r.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>The command tree.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "SemDepth: depth maps from SEM images (2022 Samsung AI Challenge, 3D Metrology) in .NET"
        );

        {
            var data = DataOption();
            var preset = PresetOption(
                "quick",
                "synthetic preset generated when no data root is configured and for SEMDEPTH_PRESET"
            );
            var notebooks = new Option<string[]?>("--notebooks")
            {
                Description = "only these notebooks, by prefix, comma-separated (e.g. 01,02)",
                HelpName = "LIST",
                CustomParser = r =>
                    r.Tokens.SelectMany(t =>
                            t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        )
                        .ToArray(),
                Validators =
                {
                    r =>
                    {
                        var all = SemDepth.Job.NotebookRunner.All().Select(Path.GetFileName).ToList();
                        foreach (var w in Value<string[]?>(r) ?? [])
                            if (!all.Any(n => n!.StartsWith(w, StringComparison.Ordinal)))
                                r.AddError(
                                    $"--notebooks: no notebook starts with '{w}' (there are {string.Join(", ", all)})"
                                );
                    },
                },
            };
            var budget = Budget(
                $"minutes the run keeps to by capping training images, steps and evaluation samples "
                    + $"(default on a CPU {SemDepth.Job.RunPlan.DefaultCpuBudgetMinutes:0}, on a GPU "
                    + $"none: the published sizes; 0: none)"
            );
            var fresh = new Option<bool>("--fresh")
            {
                Description =
                    "start over even when the same job stopped before it finished (by default it resumes: "
                    + "finished notebooks kept, training runs continued from their last checkpoint)",
            };
            var cmd = new Command(
                "run",
                "the main job: data (the quick synthetic set generated if none is configured), a plan "
                    + "with each notebook's estimated time, every notebook executed headless into "
                    + "artifacts/notebooks/, the submission, artifacts/report.html"
            )
            {
                data,
                preset,
                notebooks,
                budget,
                fresh,
            };
            cmd.SetAction(p =>
                ConsoleSink.Run(s =>
                    Commands.Run(
                        p.GetValue(data),
                        p.GetResult(preset) is { Implicit: false } ? p.GetValue(preset) : null,
                        p.GetValue(notebooks),
                        p.GetValue(budget),
                        p.GetValue(fresh),
                        s
                    )
                )
            );
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var budget = Budget("minutes, as for run");
            var cmd = new Command(
                "plan",
                "what run would do on this data root and device: the unit costs measured here, the caps "
                    + "its budget needs and each notebook's estimated time"
            )
            {
                data,
                budget,
            };
            cmd.SetAction(p => ConsoleSink.Run(s => Commands.Plan(p.GetValue(data), p.GetValue(budget), s)));
            root.Subcommands.Add(cmd);
        }
        {
            var preset = PresetOption("quick", "preset to write");
            var config = new Option<FileInfo>("--config")
            {
                Description = "a config JSON (from 'semdepth config') instead of a preset",
                HelpName = "FILE",
            };
            config.AcceptExistingOnly(); // "File does not exist: ..." at parse time
            var outDir = new Option<string?>("--out")
            {
                Description = "output folder (default data/synthetic/<preset>)",
                HelpName = "DIR",
            };
            var force = Flag("--force", "overwrite an existing data set");
            var seed = new Option<int?>("--seed")
            {
                Description = "seed instead of the preset's",
                HelpName = "N",
                CustomParser = WholeNumber<int?>,
            };
            var cmd = new Command("generate", "write a synthetic data set in the Dacon layout")
            {
                preset,
                config,
                outDir,
                force,
                seed,
            };
            cmd.SetAction(p =>
                ConsoleSink.Run(s =>
                    Commands.Generate(
                        p.GetValue(preset)!,
                        p.GetValue(config),
                        p.GetValue(outDir),
                        p.GetValue(force),
                        p.GetValue(seed),
                        s
                    )
                )
            );
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var max = Positive("--max", 200, "problems listed at most");
            var cmd = new Command(
                "validate",
                "report every problem in a data root (decodes every image); exit 1 when there is one"
            )
            {
                data,
                max,
            };
            cmd.SetAction(p => Commands.Validate(p.GetValue(data), p.GetValue(max)));
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var cmd = new Command("summary", "counts per split, case, folder and site") { data };
            cmd.SetAction(p => ConsoleSink.Run(s => Commands.Summary(p.GetValue(data), s)));
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var cmd = new Command("stats", "image and depth statistics against the published figures") { data };
            cmd.SetAction(p => ConsoleSink.Run(s => Commands.Stats(p.GetValue(data), s)));
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var epochs = PositiveOrUnset("--epochs", "epochs (default: the preset's; with --resume, a new total)");
            var name = RunName();
            var resume = Flag("--resume", "continue the run's last checkpoint");
            var cmd = new Command("train-ae", "train the organiser's autoencoder baseline in runs/<name>")
            {
                data,
                epochs,
                name,
                resume,
            };
            cmd.SetAction(p =>
                ConsoleSink.Run(s =>
                    Commands.TrainAe(p.GetValue(data), p.GetValue(epochs), p.GetValue(name), p.GetValue(resume), s)
                )
            );
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var epochs = PositiveOrUnset("--epochs", "epochs (with --resume, a new total)");
            var steps = PositiveOrUnset("--steps", "steps an epoch");
            var batch = PositiveOrUnset("--batch", "images a domain a step");
            var gan = Modes<SemDepth.Training.GanKind>("--gan", "adversarial loss");
            var perCase = Flag("--per-case", "one CycleGAN per case, as the winners trained");
            var full = Flag("--full", "the full-size networks (slow on a CPU)");
            var winners = Flag(
                "--winners",
                "the winners' CycleGAN as published: per case, WGAN-GP, 64 channels, 2 residual blocks, batch 128, "
                    + "Case_1 300 epochs, then Cases 2-4 from its weights for 100 (runs/cyclegan-winners; "
                    + "a GPU's hours)"
            );
            var name = RunName();
            var resume = Flag("--resume", "continue the run's last checkpoint");
            var cmd = new Command("train-cyclegan", "train the real<->sim CycleGAN in runs/<name>")
            {
                data,
                epochs,
                steps,
                batch,
                gan,
                perCase,
                full,
                winners,
                name,
                resume,
            };
            cmd.Validators.Add(r =>
            {
                if (r.GetValue(full) && r.GetValue(winners))
                    r.AddError("--full and --winners name two configurations: choose one");
            });
            cmd.SetAction(p =>
                ConsoleSink.Run(s =>
                    Commands.TrainCycleGan(
                        p.GetValue(data),
                        p.GetValue(epochs),
                        p.GetValue(steps),
                        p.GetValue(batch),
                        Mode<SemDepth.Training.GanKind>(p.GetValue(gan)),
                        p.GetValue(perCase),
                        p.GetValue(winners) ? "winners"
                            : p.GetValue(full) ? "full"
                            : "default",
                        p.GetValue(name),
                        p.GetValue(resume),
                        s
                    )
                )
            );
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var epochs = PositiveOrUnset("--cyclegan-epochs", "CycleGAN epochs");
            var steps = PositiveOrUnset("--steps", "CycleGAN steps an epoch");
            var cmd = new Command(
                "domain-shift",
                "train AE, U-Net, classifier, CycleGAN and oracle; print the evaluation table"
            )
            {
                data,
                epochs,
                steps,
            };
            cmd.SetAction(p =>
                ConsoleSink.Run(s => Commands.DomainShift(p.GetValue(data), p.GetValue(epochs), p.GetValue(steps), s))
            );
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var method = WithChoices(
                new Option<string>("--method")
                {
                    Description =
                        "saved method to predict with (auto: the lowest site-average MAE on the held-out train sites)",
                    DefaultValueFactory = _ => "auto",
                    HelpName = "NAME",
                },
                [.. SemDepth.Methods.SavedMethods.Keys]
            );
            var images = new Option<string>("--images")
            {
                Description =
                    "72x48 SEM crops: a PNG file, a folder (its files, not subfolders) or a glob such as 'dir/*.png'",
                HelpName = "PATH",
                Required = true,
            };
            var outDir = new Option<string?>("--out")
            {
                Description = "output folder (default artifacts/predict/<method>)",
                HelpName = "DIR",
            };
            var cmd = new Command(
                "predict",
                "depth maps (8-bit PNGs), measurements.csv and overview.png for your own SEM crops, with a saved method"
            )
            {
                data,
                method,
                images,
                outDir,
            };
            cmd.SetAction(p =>
                ConsoleSink.Run(s =>
                    Commands.Predict(p.GetValue(data), p.GetValue(method)!, p.GetValue(images)!, p.GetValue(outDir), s)
                )
            );
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var method = WithChoices(
                new Option<string>("--method")
                {
                    Description = "saved method to predict with (auto: the lowest site-average MAE on the train sites)",
                    DefaultValueFactory = _ => "auto",
                    HelpName = "NAME",
                },
                [.. SemDepth.Methods.SavedMethods.Keys]
            );
            var cmd = new Command(
                "submit",
                "predict every test image with a saved method; write, validate and (with hidden truth) score the zip"
            )
            {
                data,
                method,
            };
            cmd.SetAction(p => ConsoleSink.Run(s => Commands.Submit(p.GetValue(data), p.GetValue(method)!, s)));
            root.Subcommands.Add(cmd);
        }
        {
            var preset = PresetOption("full", "preset to time");
            var outDir = new Option<string?>("--out")
            {
                Description = "data folder (default data/synthetic/<preset>)",
                HelpName = "DIR",
            };
            var regen = Flag("--regenerate", "generate again even if present");
            var cmd = new Command(
                "bench-data",
                "data-layer figures: generation, first decode, cached reload, batch assembly"
            )
            {
                preset,
                outDir,
                regen,
            };
            cmd.SetAction(p => Commands.BenchData(p.GetValue(preset)!, p.GetValue(outDir), p.GetValue(regen)));
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var steps = Positive("--steps", 10, "steps (batches) a repetition");
            var reps = Positive("--reps", 5, "repetitions (the median is reported)");
            var cmd = new Command(
                "bench-nets",
                "the U-Net, site-average U-Net and classifier training steps and the inference of the U-Net, "
                    + "classifier, AE and CycleGAN generator, beside the PyTorch peer, interleaved; FLOP/s against "
                    + "the matmul ceiling"
            )
            {
                data,
                steps,
                reps,
            };
            cmd.SetAction(p => WithData(p.GetValue(data), d => Bench.Nets(d, p.GetValue(steps), p.GetValue(reps))));
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var batches = Positive("--batches", 20, "batches a repetition");
            var reps = Positive("--reps", 5, "repetitions (the median is reported)");
            var rss = NonNegative("--rss-epochs", 6, "epochs of the resident-memory check (0: none)");
            var cmd = new Command(
                "bench-ae",
                "AE training images/s with loading on and off, beside the PyTorch peer; resident memory per epoch"
            )
            {
                data,
                batches,
                reps,
                rss,
            };
            cmd.SetAction(p =>
                WithData(p.GetValue(data), d => Bench.Ae(d, p.GetValue(batches), p.GetValue(reps), p.GetValue(rss)))
            );
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var batch = Positive("--batch", 16, "images a domain a step");
            var steps = Positive("--steps", 8, "steps a repetition");
            var reps = Positive("--reps", 5, "repetitions (the median is reported)");
            var chunks = NonNegative("--chunks", 4, "chunks of the resident-memory check (0: none)");
            var cmd = new Command(
                "bench-cyclegan",
                "CycleGAN step images/s beside the PyTorch peer, FLOP/s against the matmul ceiling, resident memory"
            )
            {
                data,
                batch,
                steps,
                reps,
                chunks,
            };
            cmd.SetAction(p =>
                WithData(p.GetValue(data), d =>
                    Bench.CycleGan(d, p.GetValue(batch), p.GetValue(steps), p.GetValue(reps), p.GetValue(chunks))
                )
            );
            root.Subcommands.Add(cmd);
        }
        {
            var data = DataOption();
            var recall = Positive("--recall-queries", 1000, "queries for recall@1 of the approximate search");
            var peer = Positive("--peer-queries", 1000, "queries timed beside the PyTorch peer");
            var reps = Positive("--reps", 3, "repetitions (the median is reported)");
            var chunk = Positive("--chunk-mib", 256, "memory bound of one search chunk, MiB");
            var exactAll = Flag(
                "--exact-all",
                "also time the exact search of every test query against the restyled library (the GPU figure)"
            );
            var cyclegan = new Option<string>("--cyclegan")
            {
                Description = "run whose GenSimToReal restyles the library",
                DefaultValueFactory = _ => "cyclegan",
                HelpName = "NAME",
            };
            var keys = WithChoices(
                new Option<string>("--keys")
                {
                    Description =
                        "what is compared: both (restyled keys vs queries and translated queries vs raw "
                        + "keys, the mean of the two correlations; the default method), restyled (the "
                        + "winners' keys), translated (queries through GenRealToSim vs raw keys), raw",
                    DefaultValueFactory = _ => "both",
                    HelpName = "both|restyled|translated|raw",
                },
                "both",
                "restyled",
                "translated",
                "raw"
            );
            var lists = NonNegative(
                "--lists",
                0,
                "k-means lists per case of the approximate search (0: square root of the keys, 1: none)"
            );
            var probes = Positive("--probes", 32, "lists each query scans in the approximate search");
            var smooth = new Option<double>("--smooth")
            {
                Description = "Gaussian blur sigma (px) of queries and keys before z-scoring; 0: none",
                DefaultValueFactory = _ => 1.0,
                HelpName = "SIGMA",
                Validators =
                {
                    r =>
                    {
                        if (Value<double?>(r) is { } v && v is < 0 or > 5)
                            r.AddError($"--smooth must be 0..5 px, not {v}");
                    },
                },
            };
            var maxShift = NonNegative(
                "--max-shift",
                0,
                "circular shifts of the query, -N..N px in both axes (winners: 2)"
            );
            var unshifted = Flag(
                "--unshifted",
                "return the winning map as it is, not rolled back by the winning shift (the winners' way)"
            );
            var topK = Positive(
                "--top-k",
                1,
                "1: the best key's map verbatim; more: softmax-weighted mean of the top k (test RMSE line)"
            );
            var perfect = Flag(
                "--perfect-restyle",
                "keys rendered by the synthetic set's real-domain physics without noise: the ceiling a "
                    + "perfect GenSimToReal would reach"
            );
            var cmd = new Command(
                "bench-retrieval",
                "restyle the library, search every test image, recall@1 against exact, exact search "
                    + "beside the PyTorch peer"
            )
            {
                data,
                recall,
                peer,
                reps,
                chunk,
                exactAll,
                cyclegan,
                keys,
                smooth,
                perfect,
                maxShift,
                unshifted,
                topK,
                lists,
                probes,
            };
            cmd.SetAction(p => WithData(p.GetValue(data), d => RetrievalBench.Run(
                        d,
                        new RetrievalBenchOptions
                        {
                            RecallQueries = p.GetValue(recall),
                            PeerQueries = p.GetValue(peer),
                            Reps = p.GetValue(reps),
                            ExactAll = p.GetValue(exactAll),
                            CycleGan = p.GetValue(cyclegan)!,
                            PerfectRestyle = p.GetValue(perfect),
                            Search = RetrievalBenchOptions.WithKeys(
                                new RetrievalOptions
                                {
                                    ChunkMiB = p.GetValue(chunk),
                                    SmoothSigma = p.GetValue(smooth),
                                    MaxShift = p.GetValue(maxShift),
                                    ShiftBack = !p.GetValue(unshifted),
                                    TopK = p.GetValue(topK),
                                    Lists = p.GetValue(lists),
                                    Probes = p.GetValue(probes),
                                },
                                p.GetValue(keys)!
                            ),
                        }
                    )));
            root.Subcommands.Add(cmd);
        }
        {
            var file = new Argument<string>("notebook") { Description = "the .ipynb to execute" };
            var outPath = new Option<string>("--out")
            {
                Description = "where the executed copy goes (default artifacts/notebooks/<name>)",
                HelpName = "FILE",
            };
            var cmd = new Command(
                "notebook",
                "execute one notebook headless in this process (Roslyn scripting) and write the executed copy; "
                    + "exit 1 naming the failing cell"
            )
            {
                file,
                outPath,
            };
            cmd.SetAction(p => Commands.Notebook(p.GetValue(file)!, p.GetValue(outPath)));
            root.Subcommands.Add(cmd);
        }
        {
            var kills = Positive("--kills", 30, "kill -9 moments");
            var seed = new Option<int>("--seed")
            {
                Description = "seed of the kill moments",
                DefaultValueFactory = _ => 1,
                HelpName = "N",
                CustomParser = WholeNumber<int>,
            };
            var data = DataOption();
            var mainJob = new Option<bool>("--main-job")
            {
                Description =
                    "kill the whole main job (`run`, its notebook kernels with it) inside notebooks 03 "
                    + "and 04, start it again until it finishes, and compare exit code, submission PNGs, tables "
                    + "and weights with an uninterrupted job",
            };
            var cmd = new Command(
                "fault-check",
                "kill train-ae and train-cyclegan at random moments, resume each time, compare with an "
                    + "uninterrupted run; then a full disk and a read-only runs folder during a save (needs "
                    + "root for tmpfs); with --main-job the same for the whole main job"
            )
            {
                kills,
                seed,
                data,
                mainJob,
            };
            cmd.SetAction(p =>
                p.GetValue(mainJob)
                    ? MainJobFaultCheck.Run(
                        p.GetResult(kills) is { Implicit: false } ? p.GetValue(kills) : 4, // 30 would take an hour
                        p.GetValue(seed),
                        p.GetValue(data)
                    )
                    : FaultCheck.Run(p.GetValue(kills), p.GetValue(seed), p.GetValue(data))
            );
            root.Subcommands.Add(cmd);
        }
        {
            var run = new Option<string>("--run")
            {
                Description = "run name under runs/ (or a run folder's path)",
                Required = true,
                HelpName = "NAME",
            };
            var format = WithChoices(
                new Option<string>("--format")
                {
                    Description = "weights format",
                    DefaultValueFactory = _ => "safetensors",
                    HelpName = "safetensors|pt",
                },
                "safetensors",
                "pt"
            );
            var outDir = new Option<string?>("--out")
            {
                Description = "output folder (default artifacts/export/<run>)",
                HelpName = "DIR",
            };
            var check = Flag(
                "--check",
                "load the files in PyTorch (bench/exchange.py, the peer's Python) and compare outputs on "
                    + "the same inputs"
            );
            var tol = new Option<double>("--tolerance")
            {
                Description = "largest allowed absolute difference",
                DefaultValueFactory = _ => 1e-5,
                HelpName = "X",
            };
            var cmd = new Command(
                "export",
                "write a run's networks (depth network, classifier or CycleGAN) as PyTorch weights under "
                    + "the names of bench/models.py"
            )
            {
                run,
                format,
                outDir,
                check,
                tol,
            };
            cmd.SetAction(p =>
                Commands.Export(
                    p.GetValue(run)!,
                    p.GetValue(format)!,
                    p.GetValue(outDir),
                    p.GetValue(check),
                    p.GetValue(tol)
                )
            );
            root.Subcommands.Add(cmd);
        }
        {
            var cmd = new Command(
                "doctor",
                "check that this machine computes the networks' layers right (float32 against float64: "
                    + "forward, input and weight gradients; matrix products through each BLAS) and print what "
                    + "it computes with; exit 1 with one error line per failed check"
            );
            cmd.SetAction(_ => Commands.Doctor());
            root.Subcommands.Add(cmd);
        }
        {
            var preset = PresetOption("quick", "preset to print");
            var cmd = new Command(
                "config",
                "print a preset's full synthetic config as JSON (edit it, then 'generate --config FILE')"
            )
            {
                preset,
            };
            cmd.SetAction(p => Commands.Config(p.GetValue(preset)!));
            root.Subcommands.Add(cmd);
        }
        return root;
    }

    /// <summary>Opens the data with progress bars, then runs a benchmark with plain output (its figures are
    /// lines).</summary>
    static int WithData(string? data, Func<SemData, int> work)
    {
        SemData? d = null;
        ConsoleSink.Run(s =>
        {
            d = SemData.Open(DataRoot.Resolve(data, log: s), s);
            return 0;
        });
        using (d)
            return work(d!);
    }
}
