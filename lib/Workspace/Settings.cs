namespace SemDepth.Workspace;

/// <summary>A synthetic preset: the generated data set used when no data root is configured.</summary>
public enum Preset
{
    Tiny,
    Quick,
    Full,
}

/// <summary>Where the networks run: CUDA when present (auto), or one forced.</summary>
public enum DeviceChoice
{
    Auto,
    Cpu,
    Cuda,
}

/// <summary>A saved method that notebook 05, <c>semdepth predict</c> and <c>semdepth submit</c> can load:
/// auto picks among the others by held-out site MAE.</summary>
public enum MethodKey
{
    Auto,
    Ae,
    CycleGan,
    Weak,
    Retrieval,
}

/// <summary>oneDNN convolutions: probed for the AVX-512 gradient fault and switched off where it shows (probe), or
/// forced.</summary>
public enum OneDnnMode
{
    Probe,
    Off,
    On,
}

/// <summary>
/// Every setting of the workspace, read once from the <c>SEMDEPTH_*</c> environment variables into one typed record
/// (<see cref="Current"/>) and passed on from there: a command or the main job that changes one (the console's
/// <c>--preset</c>, the data root and plan of a notebook) uses <see cref="Use"/> for its duration instead of writing
/// the environment. Child processes get it back as variables (<see cref="ToEnvironment"/>). A value that is not one
/// of the choices stops at the first read with the variable, the value and the choices named.
/// </summary>
public sealed record Settings
{
    /// <summary>SEMDEPTH_ROOT: the workspace root (else found above the current folder).</summary>
    public string? Root { get; init; }

    /// <summary>SEMDEPTH_ARTIFACTS: executed notebooks, reports, submissions (else root/artifacts).</summary>
    public string? Artifacts { get; init; }

    /// <summary>SEMDEPTH_RUNS: training runs (else root/runs).</summary>
    public string? Runs { get; init; }

    /// <summary>SEMDEPTH_CACHE: decoded image caches (else artifacts/cache).</summary>
    public string? Cache { get; init; }

    /// <summary>SEMDEPTH_DATA: the data root in the Dacon layout (else the synthetic <see cref="Preset"/>).</summary>
    public string? Data { get; init; }

    /// <summary>SEMDEPTH_PRESET: the synthetic preset used when no data root is configured.</summary>
    public Preset Preset { get; init; } = Preset.Quick;

    /// <summary>SEMDEPTH_PLAN: the main job's plan file, whose caps the notebooks keep to.</summary>
    public string? Plan { get; init; }

    /// <summary>SEMDEPTH_HEADLESS=1: notebooks run by the main job or the tests (one progress line a training
    /// cell, static charts).</summary>
    public bool Headless { get; init; }

    /// <summary>SEMDEPTH_CHARTS=interactive: plotly charts in an interactive session instead of PNG.</summary>
    public bool InteractiveCharts { get; init; }

    /// <summary>SEMDEPTH_EPOCHS: the notebooks' epochs (the tests use 1); null keeps each notebook's own.</summary>
    public int? Epochs { get; init; }

    /// <summary>SEMDEPTH_METHOD: what notebook 05 submits.</summary>
    public MethodKey Method { get; init; } = MethodKey.Auto;

    /// <summary>SEMDEPTH_DEVICE: cpu, cuda or auto.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>SEMDEPTH_ONEDNN: off, on, or probed (unset).</summary>
    public OneDnnMode OneDnn { get; init; } = OneDnnMode.Probe;

    /// <summary>SEMDEPTH_BLAS=torch: libtorch's own BLAS instead of OpenBLAS for the CPU matmuls.</summary>
    public bool TorchBlas { get; init; }

    /// <summary>SEMDEPTH_TORCH_LOG=warning: keep libtorch's warnings (NNPACK's are hidden otherwise).</summary>
    public bool TorchWarnings { get; init; }

    /// <summary>SEMDEPTH_HEAP_TUNING=0: leave glibc's heap at its defaults.</summary>
    public bool HeapTuning { get; init; } = true;

    /// <summary>SEMDEPTH_CHANNELS_LAST=0: the networks' CPU batches stay channels-first (to measure the
    /// difference).</summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>SEMDEPTH_NO_NATIVE_PATCH=1: load TorchSharp's natives as it ships them.</summary>
    public bool NativePatch { get; init; } = true;

    /// <summary>SEMDEPTH_LIBTORCH_DIR: a PyTorch installation's libtorch to load instead of the bundled one.</summary>
    public string? LibTorchDir { get; init; }

    /// <summary>SEMDEPTH_NATIVE_CACHE: where the patched natives are kept.</summary>
    public string? NativeCache { get; init; }

    /// <summary>SEMDEPTH_DEBUG=1: the console prints the stack trace of an unexpected error.</summary>
    public bool Debug { get; init; }

    /// <summary>SEMDEPTH_PLAIN=1: plain progress lines even on a terminal.</summary>
    public bool Plain { get; init; }

    /// <summary>SEMDEPTH_PEER_PYTHON: the Python of the benchmark's PyTorch peer.</summary>
    public string PeerPython { get; init; } = "/usr/bin/python3";

    static Settings? _read;
    static readonly List<Settings> InUse = [];
    static readonly Lock Gate = new();

    /// <summary>The settings of this process: the latest <see cref="Use"/> still in force, else the environment as it
    /// was at the first read.</summary>
    public static Settings Current
    {
        get
        {
            lock (Gate)
                return InUse.Count > 0 ? InUse[^1] : _read ??= FromEnvironment();
        }
    }

    /// <summary>Makes <paramref name="settings"/> <see cref="Current"/> until the returned scope is disposed. Scopes
    /// may end in any order: ending one takes only its own settings away, and the latest of those still in force is
    /// current.</summary>
    public static IDisposable Use(Settings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (Gate)
            InUse.Add(settings);
        return new Restore(settings);
    }

    sealed class Restore(Settings mine) : IDisposable
    {
        bool _done;

        public void Dispose()
        {
            lock (Gate)
            {
                if (_done)
                    return;
                int at = InUse.FindLastIndex(s => ReferenceEquals(s, mine));
                if (at >= 0)
                    InUse.RemoveAt(at);
                _done = true;
            }
        }
    }

    /// <summary>The settings the process environment describes.</summary>
    public static Settings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    /// <summary>The settings <paramref name="variable"/> describes (a variable's value, null when unset; an empty
    /// value counts as unset).</summary>
    public static Settings From(Func<string, string?> variable)
    {
        string? Text(string name) => variable(name) is { Length: > 0 } v ? v.Trim() : null;
        bool Is(string name, string value) => string.Equals(Text(name), value, StringComparison.OrdinalIgnoreCase);
        T Choice<T>(string name, T fallback)
            where T : struct, Enum => Text(name) is { } v ? ModeNames.Parse<T>(v, name) : fallback;
        var d = new Settings();
        return new Settings
        {
            Root = Text("SEMDEPTH_ROOT"),
            Artifacts = Text("SEMDEPTH_ARTIFACTS"),
            Runs = Text("SEMDEPTH_RUNS"),
            Cache = Text("SEMDEPTH_CACHE"),
            Data = Text("SEMDEPTH_DATA"),
            Preset = Choice("SEMDEPTH_PRESET", d.Preset),
            Plan = Text("SEMDEPTH_PLAN"),
            Headless = Is("SEMDEPTH_HEADLESS", "1"),
            InteractiveCharts = Is("SEMDEPTH_CHARTS", "interactive"),
            Epochs = Text("SEMDEPTH_EPOCHS") is { } e ? PositiveInt("SEMDEPTH_EPOCHS", e) : null,
            Method = Choice("SEMDEPTH_METHOD", d.Method),
            Device = Choice("SEMDEPTH_DEVICE", d.Device),
            OneDnn = Text("SEMDEPTH_ONEDNN") is "auto" ? OneDnnMode.Probe : Choice("SEMDEPTH_ONEDNN", d.OneDnn),
            TorchBlas = Is("SEMDEPTH_BLAS", "torch"),
            TorchWarnings = Is("SEMDEPTH_TORCH_LOG", "warning"),
            HeapTuning = !Is("SEMDEPTH_HEAP_TUNING", "0"),
            ChannelsLast = !Is("SEMDEPTH_CHANNELS_LAST", "0"),
            NativePatch = !Is("SEMDEPTH_NO_NATIVE_PATCH", "1"),
            LibTorchDir = Text("SEMDEPTH_LIBTORCH_DIR"),
            NativeCache = Text("SEMDEPTH_NATIVE_CACHE"),
            Debug = Is("SEMDEPTH_DEBUG", "1"),
            Plain = Is("SEMDEPTH_PLAIN", "1"),
            PeerPython = Text("SEMDEPTH_PEER_PYTHON") ?? d.PeerPython,
        };
    }

    static int PositiveInt(string name, string text) =>
        int.TryParse(text, out int v) && v > 0
            ? v
            : throw new ArgumentException($"{name} must be a whole number above 0, not '{text}'");

    /// <summary>Every variable these settings are read from.</summary>
    public static readonly IReadOnlyList<string> Variables =
    [
        "SEMDEPTH_ROOT",
        "SEMDEPTH_ARTIFACTS",
        "SEMDEPTH_RUNS",
        "SEMDEPTH_CACHE",
        "SEMDEPTH_DATA",
        "SEMDEPTH_PRESET",
        "SEMDEPTH_PLAN",
        "SEMDEPTH_HEADLESS",
        "SEMDEPTH_CHARTS",
        "SEMDEPTH_EPOCHS",
        "SEMDEPTH_METHOD",
        "SEMDEPTH_DEVICE",
        "SEMDEPTH_ONEDNN",
        "SEMDEPTH_BLAS",
        "SEMDEPTH_TORCH_LOG",
        "SEMDEPTH_HEAP_TUNING",
        "SEMDEPTH_CHANNELS_LAST",
        "SEMDEPTH_NO_NATIVE_PATCH",
        "SEMDEPTH_LIBTORCH_DIR",
        "SEMDEPTH_NATIVE_CACHE",
        "SEMDEPTH_DEBUG",
        "SEMDEPTH_PLAIN",
        "SEMDEPTH_PEER_PYTHON",
    ];

    /// <summary>Sets a child process's <paramref name="environment"/> to these settings: every variable of
    /// <see cref="Variables"/> it inherited is replaced or removed.</summary>
    public void ApplyTo(IDictionary<string, string?> environment)
    {
        foreach (var name in Variables)
            environment.Remove(name);
        foreach (var (k, v) in ToEnvironment())
            environment[k] = v;
    }

    /// <summary>These settings as the variables a child process reads back into equal settings: every value that
    /// differs from the default, nothing else.</summary>
    public IReadOnlyDictionary<string, string> ToEnvironment()
    {
        var d = new Settings();
        var env = new Dictionary<string, string>();
        void Put(string name, string? value)
        {
            if (value is not null)
                env[name] = value;
        }
        string? Flag(bool on, bool byDefault, string set) => on == byDefault ? null : set;
        string? Mode<T>(T value, T fallback)
            where T : struct, Enum => value.Equals(fallback) ? null : ModeNames.Of(value);
        Put("SEMDEPTH_ROOT", Root);
        Put("SEMDEPTH_ARTIFACTS", Artifacts);
        Put("SEMDEPTH_RUNS", Runs);
        Put("SEMDEPTH_CACHE", Cache);
        Put("SEMDEPTH_DATA", Data);
        Put("SEMDEPTH_PRESET", Mode(Preset, d.Preset));
        Put("SEMDEPTH_PLAN", Plan);
        Put("SEMDEPTH_HEADLESS", Flag(Headless, d.Headless, "1"));
        Put("SEMDEPTH_CHARTS", Flag(InteractiveCharts, d.InteractiveCharts, "interactive"));
        Put("SEMDEPTH_EPOCHS", Epochs?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Put("SEMDEPTH_METHOD", Mode(Method, d.Method));
        Put("SEMDEPTH_DEVICE", Mode(Device, d.Device));
        Put("SEMDEPTH_ONEDNN", Mode(OneDnn, d.OneDnn));
        Put("SEMDEPTH_BLAS", Flag(TorchBlas, d.TorchBlas, "torch"));
        Put("SEMDEPTH_TORCH_LOG", Flag(TorchWarnings, d.TorchWarnings, "warning"));
        Put("SEMDEPTH_HEAP_TUNING", Flag(HeapTuning, d.HeapTuning, "0"));
        Put("SEMDEPTH_CHANNELS_LAST", Flag(ChannelsLast, d.ChannelsLast, "0"));
        Put("SEMDEPTH_NO_NATIVE_PATCH", Flag(NativePatch, d.NativePatch, "1"));
        Put("SEMDEPTH_LIBTORCH_DIR", LibTorchDir);
        Put("SEMDEPTH_NATIVE_CACHE", NativeCache);
        Put("SEMDEPTH_DEBUG", Flag(Debug, d.Debug, "1"));
        Put("SEMDEPTH_PLAIN", Flag(Plain, d.Plain, "1"));
        Put("SEMDEPTH_PEER_PYTHON", PeerPython == d.PeerPython ? null : PeerPython);
        return env;
    }
}
