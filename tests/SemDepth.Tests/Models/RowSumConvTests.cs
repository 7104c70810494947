using SemDepth.Models;
using TorchSharp;
using Xunit;

namespace SemDepth.Tests;

public class RowSumConvTests
{
    [Theory]
    [InlineData(16, 1, 7)]
    [InlineData(3, 2, 3)]
    public void MatchesConv2dInOutputAndGradients(int inChannels, int outChannels, int kernel)
    {
        torch.manual_seed(5);
        using var rows = new RowSumConv2d(inChannels, outChannels, kernel);
        using var conv = torch.nn.Conv2d(inChannels, outChannels, kernel);
        // the reference is the plain convolution in float64: float32 Conv2d itself is what oneDNN gets
        // wrong on some CPUs (its input gradient, for output counts off the 16-channel block)
        var w64 = rows.get_parameter("weight")!.detach().to(torch.float64);
        var b64 = rows.get_parameter("bias")!.detach().to(torch.float64);
        var x1 = torch.randn(4, inChannels, 20, 13).requires_grad_();
        var x2 = x1.detach().to(torch.float64).requires_grad_();
        var wRef = w64.clone().requires_grad_();
        var bRef = b64.clone().requires_grad_();
        var y1 = rows.forward(x1);
        var y2 = torch.nn.functional.conv2d(x2, wRef, bRef);
        Assert.Equal(y2.shape, y1.shape);
        Assert.True((y1.to(torch.float64) - y2).abs().max().item<double>() < 1e-5);
        var upstream = torch.randn_like(y1);
        (y1 * upstream).sum().backward();
        (y2 * upstream.to(torch.float64)).sum().backward();
        Assert.True((x1.grad!.to(torch.float64) - x2.grad!).abs().max().item<double>() < 1e-5);
        Assert.True(
            (rows.get_parameter("weight")!.grad!.to(torch.float64) - wRef.grad!).abs().max().item<double>() < 1e-4
        );
        Assert.True(
            (rows.get_parameter("bias")!.grad!.to(torch.float64) - bRef.grad!).abs().max().item<double>() < 1e-4
        );
        // the weight names and shapes of Conv2d: checkpoints load either way
        Assert.Equal(["bias", "weight"], rows.named_parameters().Select(p => p.name).Order().ToArray());
        Assert.Equal(conv.weight!.shape, rows.get_parameter("weight")!.shape);
    }
}
