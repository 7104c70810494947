using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.DotNet.Interactive.Formatting;
using SemDepth.Notebooks;

namespace SemDepth.Job;

/// <summary>The globals a headless cell sees: <c>display(...)</c>, as .NET Interactive's C# kernel has it.</summary>
public sealed class CellGlobals
{
#pragma warning disable IDE1006 // the kernel's name
    public IDisplayHandle? display(object value, params string[] mimeTypes) => CellDisplay.Show(value, mimeTypes);
#pragma warning restore IDE1006
}

/// <summary>
/// Runs a .NET Interactive notebook (.ipynb, C# cells) headless in this process on Roslyn scripting, the compiler
/// .NET Interactive's C# kernel is built on: the code cells in order in one script state (<c>#load</c>, <c>#r</c> of
/// paths, <c>using</c>s and top-level statements as the kernel takes them), each cell's displays and last value
/// formatted by the same <see cref="Formatter"/> registrations into the same MIME outputs, Console output as stream
/// outputs, and the executed copy written in nbformat 4. It stops at the first failing cell and names it. Replaces
/// the dotnet-repl tool (on the .NET Interactive engine, archived in April 2026) and its ~9 s kernel start.
/// </summary>
public static class NotebookExecutor
{
    /// <summary>The namespaces the C# kernel imports before the first cell.</summary>
    static readonly string[] KernelImports =
    [
        "System",
        "System.Collections.Generic",
        "System.Linq",
        "System.Text",
        "System.Threading.Tasks",
    ];

    /// <summary>Executes <paramref name="notebook"/> with the working folder set to its own (as an editor does),
    /// writes the executed copy to <paramref name="output"/> and returns the result; a cell that runs past
    /// <paramref name="timeout"/> is a failure (its thread is left to the process's end).</summary>
    public static NotebookResult Execute(string notebook, string output, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        notebook = Path.GetFullPath(notebook);
        var doc = JsonNode.Parse(File.ReadAllText(notebook)) ?? throw new InvalidDataException($"{notebook} is empty");
        var cells = doc["cells"]?.AsArray() ?? throw new InvalidDataException($"{notebook} has no cells");
        string dir = Path.GetDirectoryName(notebook)!;
        string cwd = Directory.GetCurrentDirectory();
        var stdout = Console.Out;
        var stderr = Console.Error;
        var errors = new List<string>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(20));
        try
        {
            Directory.SetCurrentDirectory(dir);
            var options = Options(notebook);
            ScriptState<object>? state = null;
            int count = 0,
                index = 0;
            bool stopped = false;
            foreach (var cell in cells)
            {
                index++;
                if (cell is JsonObject o && !o.ContainsKey("id"))
                    o["id"] = $"cell-{index}"; // nbformat 4.5 requires cell ids; the sources have none
                if (cell?["cell_type"]?.GetValue<string>() != "code")
                    continue;
                var outputs = new JsonArray();
                cell["outputs"] = outputs;
                if (stopped)
                {
                    cell["execution_count"] = null;
                    continue;
                }
                cell["execution_count"] = ++count;
                if (RunCell(cell, outputs, options, ref state, deadline, timeout) is { } error)
                {
                    errors.Add($"cell {index}: {Message(error)}");
                    stopped = true;
                }
            }
        }
        finally
        {
            CellDisplay.Headless = null;
            Console.SetOut(stdout);
            Console.SetError(stderr);
            Directory.SetCurrentDirectory(cwd);
        }
        WriteExecuted(doc, output);
        return new NotebookResult(
            notebook,
            output,
            errors.Count == 0,
            errors.Count == 0 ? 0 : 1,
            sw.Elapsed.TotalSeconds,
            errors
        );
    }

    /// <summary>Runs one code cell, its outputs (stdout, stderr, displays, the final expression, the error) into
    /// <paramref name="outputs"/>; returns its error, or null.</summary>
    static Exception? RunCell(
        JsonNode cell,
        JsonArray outputs,
        ScriptOptions options,
        ref ScriptState<object>? state,
        DateTime deadline,
        TimeSpan? timeout
    )
    {
        var sink = new CellOutputs(outputs);
        Console.SetOut(sink.Stream("stdout"));
        Console.SetError(sink.Stream("stderr"));
        CellDisplay.Headless = sink.Display;
        string code = Source(cell);
        try
        {
            var run = state is null
                ? CSharpScript.RunAsync(code, options, new CellGlobals(), typeof(CellGlobals))
                : state.ContinueWithAsync(code, options);
            if (!run.Wait(Remaining(deadline)))
                throw new TimeoutException(
                    $"still running after {(timeout ?? TimeSpan.FromMinutes(20)).TotalMinutes:F0} min: stopped"
                );
            state = run.Result;
            if (state.ReturnValue is { } value) // the cell ended in an expression: shown as the kernel shows it
                sink.Display(value, []);
            return null;
        }
        catch (Exception e)
        {
            var error = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e;
            sink.Error(error);
            return error;
        }
    }

    /// <summary>Writes the executed notebook (indented, as Jupyter writes it), creating the folder.</summary>
    static void WriteExecuted(JsonNode doc, string output)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(
            output,
            doc.ToJsonString(
                new JsonSerializerOptions
                {
                    WriteIndented = true,
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                }
            ) + "\n"
        );
    }

    static TimeSpan Remaining(DateTime deadline) =>
        deadline > DateTime.UtcNow ? deadline - DateTime.UtcNow : TimeSpan.Zero;

    static string Source(JsonNode cell) =>
        cell["source"] switch
        {
            JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
            JsonValue v => v.GetValue<string>(),
            _ => "",
        };

    static string Message(Exception e) =>
        e is CompilationErrorException c
            ? string.Join("; ", c.Diagnostics.Take(5).Select(d => d.ToString()))
            : $"{e.GetType().Name}: {e.Message}";

    /// <summary>References: the platform's assemblies and this process's own (a <c>#r</c> of a library this process
    /// already has resolves to that copy: the script and the host share one SemDepth.Lib and one TorchSharp).
    /// </summary>
    static ScriptOptions Options(string notebook)
    {
        var loaded = Loaded();
        return ScriptOptions
            .Default.WithFilePath(notebook)
            .WithSourceResolver(new SourceFileResolver([], Path.GetDirectoryName(notebook)))
            .WithMetadataResolver(new SharedResolver(Path.GetDirectoryName(notebook)!, loaded))
            .WithReferences(loaded.Values.Select(p => MetadataReference.CreateFromFile(p)))
            .WithImports(KernelImports)
            .WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest)
            .WithOptimizationLevel(OptimizationLevel.Release)
            .WithAllowUnsafe(true)
            .WithEmitDebugInformation(false);
    }

    /// <summary>Simple name -> file of every assembly this process can load without a search: the trusted platform
    /// assemblies (the framework and this app's dependencies).</summary>
    static Dictionary<string, string> Loaded()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string tpa = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            map.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
            if (!a.IsDynamic && a.Location.Length > 0)
                map.TryAdd(a.GetName().Name ?? "", a.Location);
        return map;
    }

    /// <summary>Resolves <c>#r "path"</c> as the kernel does, then to this process's copy of that assembly.</summary>
    sealed class SharedResolver(string baseDir, Dictionary<string, string> loaded) : MetadataReferenceResolver
    {
        readonly ScriptMetadataResolver _inner = ScriptMetadataResolver.Default.WithBaseDirectory(baseDir);

        public override bool Equals(object? other) => ReferenceEquals(this, other);

        public override int GetHashCode() => baseDir.GetHashCode(StringComparison.Ordinal);

        public override bool ResolveMissingAssemblies => _inner.ResolveMissingAssemblies;

        public override PortableExecutableReference? ResolveMissingAssembly(
            MetadataReference definition,
            AssemblyIdentity referenceIdentity
        ) => _inner.ResolveMissingAssembly(definition, referenceIdentity);

        public override ImmutableArray<PortableExecutableReference> ResolveReference(
            string reference,
            string? baseFilePath,
            MetadataReferenceProperties properties
        )
        {
            var found = _inner.ResolveReference(reference, baseFilePath, properties);
            return
            [
                .. found.Select(r =>
                    r.FilePath is { } f && loaded.TryGetValue(Path.GetFileNameWithoutExtension(f), out var mine)
                        ? MetadataReference.CreateFromFile(mine, properties)
                        : r
                ),
            ];
        }
    }

    /// <summary>The outputs of one cell as nbformat wants them: displays (updatable), stream text, an error.</summary>
    sealed class CellOutputs(JsonArray outputs)
    {
        public object Lock => outputs;

        public IDisplayHandle Display(object value, string[] mimeTypes)
        {
            var output = new JsonObject
            {
                ["data"] = Data(value, mimeTypes),
                ["metadata"] = new JsonObject(),
                ["output_type"] = "display_data",
            };
            lock (outputs)
                outputs.Add(output);
            return new Handle(this, output, mimeTypes);
        }

        static JsonObject Data(object value, string[] mimeTypes)
        {
            var data = new JsonObject();
            foreach (var f in FormattedValue.CreateManyFromObject(value, mimeTypes))
                data[f.MimeType] = f.Value;
            return data;
        }

        sealed class Handle(CellOutputs cell, JsonObject output, string[] mimeTypes) : IDisplayHandle
        {
            public void Update(object value)
            {
                lock (cell.Lock)
                    output["data"] = Data(value, mimeTypes);
            }
        }

        /// <summary>A writer whose text becomes one stream output of <paramref name="name"/>, appended to while
        /// nothing else was output in between (as Jupyter merges them).</summary>
        public TextWriter Stream(string name) => new StreamText(this, name);

        public void Append(string name, string text)
        {
            lock (outputs)
            {
                if (
                    outputs.Count > 0
                    && outputs[^1] is JsonObject last
                    && (string?)last["output_type"] == "stream"
                    && (string?)last["name"] == name
                )
                    last["text"] = (string?)last["text"] + text;
                else
                    outputs.Add(
                        new JsonObject
                        {
                            ["name"] = name,
                            ["output_type"] = "stream",
                            ["text"] = text,
                        }
                    );
            }
        }

        public void Error(Exception e)
        {
            bool compile = e is CompilationErrorException;
            string[] trace = (compile ? Message(e) : e.ToString()).Split('\n');
            lock (outputs)
                outputs.Add(
                    new JsonObject
                    {
                        ["ename"] = compile ? "CompilationError" : e.GetType().Name,
                        ["evalue"] = compile ? Message(e) : e.Message,
                        ["output_type"] = "error",
                        ["traceback"] = new JsonArray([.. trace.Select(t => (JsonNode?)JsonValue.Create(t.TrimEnd()))]),
                    }
                );
        }

        sealed class StreamText(CellOutputs cell, string name) : TextWriter
        {
            public override Encoding Encoding => Encoding.UTF8;

            public override void Write(char value) => cell.Append(name, value.ToString());

            public override void Write(string? value)
            {
                if (!string.IsNullOrEmpty(value))
                    cell.Append(name, value);
            }

            public override void WriteLine(string? value) => Write((value ?? "") + "\n");
        }
    }
}
