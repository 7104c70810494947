using SemDepth.Workspace;
using Xunit;

namespace SemDepth.Tests;

/// <summary>In the tiny collection: its scopes change the process's settings, which the fixture sets too.</summary>
[Collection("tiny")]
public class SettingsTests
{
    static Settings Read(params (string Name, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Name, v => v.Value);
        return Settings.From(n => map.TryGetValue(n, out var v) ? v : null);
    }

    [Fact]
    public void NothingSetGivesTheDefaults()
    {
        var s = Read();
        Assert.Equal(new Settings(), s);
        Assert.Equal(Preset.Quick, s.Preset);
        Assert.Equal(DeviceChoice.Auto, s.Device);
        Assert.Equal(MethodKey.Auto, s.Method);
        Assert.True(s.HeapTuning);
        Assert.True(s.ChannelsLast);
        Assert.True(s.NativePatch);
        Assert.Null(s.Epochs);
        Assert.Empty(s.ToEnvironment());
    }

    [Fact]
    public void EveryVariableIsReadIntoItsTypedValue()
    {
        var s = Read(
            ("SEMDEPTH_PRESET", "Full"),
            ("SEMDEPTH_DEVICE", " cpu "),
            ("SEMDEPTH_METHOD", "cyclegan"),
            ("SEMDEPTH_EPOCHS", "3"),
            ("SEMDEPTH_ONEDNN", "off"),
            ("SEMDEPTH_HEAP_TUNING", "0"),
            ("SEMDEPTH_CHANNELS_LAST", "0"),
            ("SEMDEPTH_NO_NATIVE_PATCH", "1"),
            ("SEMDEPTH_HEADLESS", "1"),
            ("SEMDEPTH_CHARTS", "interactive"),
            ("SEMDEPTH_BLAS", "torch"),
            ("SEMDEPTH_DATA", "/data/dacon"),
            ("SEMDEPTH_RUNS", "")
        );
        Assert.Equal(Preset.Full, s.Preset);
        Assert.Equal(DeviceChoice.Cpu, s.Device);
        Assert.Equal(MethodKey.CycleGan, s.Method);
        Assert.Equal(3, s.Epochs);
        Assert.Equal(OneDnnMode.Off, s.OneDnn);
        Assert.False(s.HeapTuning);
        Assert.False(s.ChannelsLast);
        Assert.False(s.NativePatch);
        Assert.True(s.Headless && s.InteractiveCharts && s.TorchBlas);
        Assert.Equal("/data/dacon", s.Data);
        Assert.Null(s.Runs); // empty counts as unset
        Assert.Equal(OneDnnMode.Probe, Read(("SEMDEPTH_ONEDNN", "auto")).OneDnn);
    }

    [Theory]
    [InlineData("SEMDEPTH_DEVICE", "tpu", "SEMDEPTH_DEVICE must be auto, cpu or cuda, not 'tpu'")]
    [InlineData("SEMDEPTH_PRESET", "huge", "SEMDEPTH_PRESET must be tiny, quick or full, not 'huge'")]
    [InlineData("SEMDEPTH_METHOD", "knn", "SEMDEPTH_METHOD must be auto, ae, cyclegan, weak or retrieval")]
    [InlineData("SEMDEPTH_EPOCHS", "0", "SEMDEPTH_EPOCHS must be a whole number above 0, not '0'")]
    [InlineData("SEMDEPTH_EPOCHS", "two", "SEMDEPTH_EPOCHS must be a whole number above 0")]
    public void ABadValueIsRefusedNamingTheVariableAndTheChoices(string name, string value, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Read((name, value)));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AChildProcessReadsBackEqualSettings()
    {
        var s = new Settings
        {
            Root = "/w",
            Data = "/d",
            Preset = Preset.Tiny,
            Epochs = 2,
            Method = MethodKey.Retrieval,
            Device = DeviceChoice.Cpu,
            OneDnn = OneDnnMode.On,
            HeapTuning = false,
            ChannelsLast = false,
            Plain = true,
            PeerPython = "/opt/py/bin/python",
        };
        var env = s.ToEnvironment();
        Assert.Equal(s, Settings.From(n => env.TryGetValue(n, out var v) ? v : null));
        Assert.All(env.Keys, k => Assert.Contains(k, Settings.Variables));
        Assert.Equal("tiny", env["SEMDEPTH_PRESET"]);
        Assert.Equal("0", env["SEMDEPTH_HEAP_TUNING"]);

        // what the child would inherit is replaced or removed
        var child = new Dictionary<string, string?>
        {
            ["SEMDEPTH_DEVICE"] = "cuda",
            ["SEMDEPTH_CACHE"] = "/c",
            ["PATH"] = "/bin",
        };
        s.ApplyTo(child);
        Assert.Equal("cpu", child["SEMDEPTH_DEVICE"]);
        Assert.False(child.ContainsKey("SEMDEPTH_CACHE"));
        Assert.Equal("/bin", child["PATH"]);
    }

    [Fact]
    public void UseReplacesTheCurrentSettingsForItsScopeOnly()
    {
        var before = Settings.Current;
        using (Settings.Use(before with { Epochs = 9, Plain = !before.Plain }))
            Assert.Equal(9, Settings.Current.Epochs);
        Assert.Equal(before.Epochs, Settings.Current.Epochs);
        Assert.Equal(before.Plain, Settings.Current.Plain);

        // scopes may end in any order: each takes only its own settings away
        var outer = Settings.Use(before with { Epochs = 7 });
        var later = before with { Epochs = 8 };
        var inner = Settings.Use(later);
        outer.Dispose();
        Assert.Same(later, Settings.Current);
        inner.Dispose();
        Assert.Equal(before.Epochs, Settings.Current.Epochs);
    }
}
