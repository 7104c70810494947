using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemDepth.Models;

// Names (style.md) and the CycleGAN paper's notation, X = Real, Y = Sim:
//   GenRealToSim = G: X -> Y      GenSimToReal = F: Y -> X
//   DiscSim      = D_Y            DiscReal     = D_X
//   realSem = x, simSem = y, fakeSim = G(x), recReal = F(G(x)), fakeReal = F(y), recSim = G(F(y)),
//   idtSim = G(y), idtReal = F(x).

/// <summary>The four networks of one CycleGAN, in one module so that they save and load together.</summary>
public sealed class CycleGanNets : nn.Module
{
    public readonly ResnetGenerator GenRealToSim,
        GenSimToReal;
    public readonly PatchDiscriminator DiscSim,
        DiscReal;

    public CycleGanNets(
        int genWidth,
        int genBlocks,
        NormKind genNorm,
        double dropout,
        int discWidth,
        int discLayers,
        NormKind discNorm
    )
        : base(nameof(CycleGanNets))
    {
        GenRealToSim = new ResnetGenerator(genWidth, genBlocks, genNorm, dropout);
        GenSimToReal = new ResnetGenerator(genWidth, genBlocks, genNorm, dropout);
        DiscSim = new PatchDiscriminator(discWidth, discLayers, discNorm);
        DiscReal = new PatchDiscriminator(discWidth, discLayers, discNorm);
        RegisterComponents();
    }

    public IEnumerable<Parameter> GeneratorParameters() => GenRealToSim.parameters().Concat(GenSimToReal.parameters());

    public IEnumerable<Parameter> DiscriminatorParameters() => DiscSim.parameters().Concat(DiscReal.parameters());
}
