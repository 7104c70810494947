using System.Text.Json;
using SemDepth.Methods;
using SemDepth.Models;
using SemDepth.Training;
using SemDepth.Translation;
using SemDepth.Workspace;
using Xunit;

namespace SemDepth.Tests;

/// <summary>Modes are enums in code and the same strings in options files, the console and messages.</summary>
public class ModeTests
{
    static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void Options_files_keep_the_mode_strings_and_read_them_back()
    {
        var oracle = new DomainShiftOptions().Oracle with { SimInput = SimInput.Each };
        var j = Json(oracle.ToJson());
        Assert.Equal("unet", j.GetProperty("model").GetString());
        Assert.Equal("real-truth", j.GetProperty("source").GetString());
        Assert.Equal("csv", j.GetProperty("siteTarget").GetString());
        Assert.Equal("each", j.GetProperty("simInput").GetString());
        Assert.Equal(oracle, DepthOptions.FromJson(oracle.ToJson()));

        var gan = CycleGanOptions.Full;
        var g = Json(gan.ToJson());
        Assert.Equal("wgangp", g.GetProperty("gan").GetString());
        Assert.Equal("none", g.GetProperty("discNorm").GetString());
        Assert.Equal("batch", g.GetProperty("genNorm").GetString());
        Assert.Equal("multi-tensor", g.GetProperty("optimizer").GetString());
        Assert.Equal("exponential", g.GetProperty("decay").GetString());
        Assert.Equal(gan, CycleGanOptions.FromJson(gan.ToJson()));

        var r = Json(
            (RetrievalOptions.RestyledKeys with { Search = SearchMode.Approx, KeyInput = KeyInput.Itr0 }).ToJson()
        );
        Assert.Equal("approx", r.GetProperty("search").GetString());
        Assert.Equal("itr0", r.GetProperty("keyInput").GetString());
        Assert.Equal("batch", Json(ClassifierOptions.Default.ToJson()).GetProperty("norm").GetString());
    }

    [Fact]
    public void An_options_file_written_with_strings_before_the_enums_still_loads()
    {
        // the shape options.json had when the modes were strings (runs trained then must resume)
        var o = DepthOptions.FromJson(
            """
            { "name": "old", "model": "unet", "width": 8, "source": "sim", "siteWeight": 1,
              "siteTarget": "affine", "simInput": "mean", "initFrom": "unet-sim" }
            """
        );
        Assert.Equal(
            (DepthNetwork.UNet, PairSource.Sim, SiteTarget.Affine, SimInput.Mean),
            (o.Model, o.Source, o.SiteTarget, o.SimInput)
        );
        Assert.Equal("U-Net (sim + affine site targets, itr mean)", DepthTrainer.MethodName(o));
        var c = CycleGanOptions.FromJson(
            """
            { "gan": "lsgan", "genNorm": "instance", "discNorm": "batch", "optimizer": "torchsharp",
              "decay": "none" }
            """
        );
        Assert.Equal(
            (GanKind.LsGan, NormKind.Instance, NormKind.Batch, AdamImpl.TorchSharp, LrDecay.None),
            (c.Gan, c.GenNorm, c.DiscNorm, c.Optimizer, c.Decay)
        );
        Assert.ThrowsAny<JsonException>(() => DepthOptions.FromJson("""{ "source": "real" }"""));
    }

    [Fact]
    public void Records_and_notebook_tables_show_modes_by_their_text()
    {
        var oracle = new DomainShiftOptions().Oracle;
        string text = oracle.ToString();
        Assert.StartsWith(
            "DepthOptions { Name = unet-oracle, Model = unet, Width = 16, Source = real-truth, Epochs = 2, ",
            text
        );
        Assert.Contains("SiteTarget = csv, ", text);
        Assert.EndsWith(", InputScale = Symmetric }", text); // not a mode: PixelScale keeps its name
        Assert.Contains("Gan = wgangp, ", CycleGanOptions.Full.ToString());

        SemDepth.Notebooks.Notebook.RegisterFormatters();
        string html = Microsoft.DotNet.Interactive.Formatting.Formatter.ToDisplayString(oracle, "text/html");
        Assert.Contains("real-truth", html);
        Assert.DoesNotContain("RealTruth", html);
        Assert.DoesNotContain(">UNet<", html);
    }

    [Fact]
    public void Mode_names_parse_case_insensitively_and_a_wrong_one_names_the_choices()
    {
        Assert.Equal("real-truth", ModeNames.Of(PairSource.RealTruth));
        Assert.Equal("7", ModeNames.Of((GanKind)7));
        Assert.Equal(["lsgan", "wgangp"], ModeNames.All<GanKind>());
        Assert.Equal(NormKind.Instance, ModeNames.Parse<NormKind>(" Instance", "norm"));
        Assert.Equal(AdamImpl.MultiTensor, ModeNames.Parse<AdamImpl>("multi-tensor", "optimizer"));
        var e = Assert.Throws<ArgumentException>(() => ModeNames.Parse<NormKind>("group", "norm"));
        Assert.Equal("norm must be batch, instance or none, not 'group'", e.Message);
        var v = Assert.Throws<ArgumentException>(() =>
            (CycleGanOptions.Default with { Decay = (LrDecay)5 }).Validated()
        );
        Assert.Equal("Decay must be none, linear or exponential, not 5", v.Message);
        Assert.Throws<ArgumentException>(() => (DepthOptions.Default with { Source = (PairSource)3 }).Validated());
    }
}
