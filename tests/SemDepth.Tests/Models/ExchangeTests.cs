using SemDepth.Models;
using SemDepth.Submission;
using SemDepth.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SemDepth.Tests;

/// <summary>Weights out to PyTorch's formats and back in.</summary>
[Collection("tiny")]
public class ExchangeTests
{
    readonly TinyData tiny;

    public ExchangeTests(TinyData tiny)
    {
        this.tiny = tiny;
    }

    public static TheoryData<string, string> Cases() =>
        new()
        {
            { "ae", "safetensors" },
            { "ae", "pt" },
            { "unet", "safetensors" },
            { "unet", "pt" },
            { "classifier", "safetensors" },
            { "generator", "pt" },
            { "discriminator", "safetensors" },
        };

    static nn.Module<Tensor, Tensor> Make(string kind) =>
        kind switch
        {
            "ae" => new DepthAutoencoder(),
            "unet" => new DepthUNet(8),
            "classifier" => new CaseClassifier(8),
            "generator" => new ResnetGenerator(8, 2),
            _ => new PatchDiscriminator(8, 3, NormKind.Instance),
        };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportThenImportGivesIdenticalOutputs(string kind, string format)
    {
        string dir = Path.Combine(tiny.Scratch, "exchange");
        torch.manual_seed(11);
        using var a = Make(kind);
        // move BatchNorm statistics away from their defaults so that buffers are checked too
        a.train();
        using (torch.no_grad())
            a.forward(torch.rand(8, 1, 72, 48));
        a.eval();
        string file = Path.Combine(dir, $"{kind}.{format}");
        ModelExchange.Export(a, file);
        torch.manual_seed(99);
        using var b = Make(kind);
        ModelExchange.Import(b, file);
        b.eval();
        var x = torch.rand(3, 1, 72, 48) * 2 - 1;
        using (torch.no_grad())
            Assert.True(Bits.Same(a.forward(x), b.forward(x)), $"{kind} {format}: outputs differ after the round trip");
        var sa = a.state_dict();
        var sb = b.state_dict();
        Assert.Equal(sa.Keys.Order(), sb.Keys.Order());
    }

    [Fact]
    public void AFileOfAnotherNetworkOrFormatIsNamed()
    {
        string dir = Path.Combine(tiny.Scratch, "exchange-bad");
        using var unet = new DepthUNet(8);
        ModelExchange.Export(unet, Path.Combine(dir, "unet.safetensors"));
        using var cls = new CaseClassifier(8);
        var e = Assert.Throws<InvalidDataException>(() =>
            ModelExchange.Import(cls, Path.Combine(dir, "unet.safetensors"))
        );
        Assert.Contains("unet.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ModelExchange.Export(unet, Path.Combine(dir, "unet.onnx")));
        Assert.Throws<FileNotFoundException>(() => ModelExchange.Import(unet, Path.Combine(dir, "missing.pt")));
    }

    [Fact]
    public void ARunExportsEveryNetworkWithItsSpec()
    {
        using var d = SemDepth.Data.SemData.Open(tiny.Root);
        string runs = Path.Combine(tiny.Scratch, "runs-export");
        using (
            var t = new DepthTrainer(
                DepthOptions.UNet with
                {
                    Name = "u",
                    Width = 8,
                    Epochs = 1,
                    BatchSize = 16,
                    MaxTrainImages = 32,
                },
                d,
                Path.Combine(runs, "u")
            )
        )
            t.Fit();
        var nets = RunExport.Export(Path.Combine(runs, "u"), Path.Combine(runs, "out"), ExportFormat.Safetensors);
        var n = Assert.Single(nets);
        Assert.Equal("unet", n.Spec["network"]!.GetValue<string>());
        Assert.Equal(8, n.Spec["width"]!.GetValue<int>());
        Assert.True(File.Exists(n.WeightsFile) && File.Exists(n.SpecFile));
        using var back = new DepthUNet(8);
        ModelExchange.Import(back, n.WeightsFile);
        back.eval();
        n.Module.eval();
        var x = torch.rand(2, 1, 72, 48) * 2 - 1;
        using (torch.no_grad())
            Assert.True(Bits.Same(n.Module.forward(x), back.forward(x)));
    }
}
