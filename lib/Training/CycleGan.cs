using SemDepth.Data;
using SemDepth.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemDepth.Training;

// Names (style.md) and the CycleGAN paper's notation, X = Real, Y = Sim:
//   GenRealToSim = G: X -> Y      GenSimToReal = F: Y -> X
//   DiscSim      = D_Y            DiscReal     = D_X
//   realSem = x, simSem = y, fakeSim = G(x), recReal = F(G(x)), fakeReal = F(y), recSim = G(F(y)),
//   idtSim = G(y), idtReal = F(x).

/// <summary>The four networks of one CycleGAN, in one module so that they save and load together.</summary>
public sealed class CycleGanNets : nn.Module
{
    public readonly ResnetGenerator GenRealToSim, GenSimToReal;
    public readonly PatchDiscriminator DiscSim, DiscReal;

    public CycleGanNets(CycleGanOptions o) : base(nameof(CycleGanNets))
    {
        var gn = Layers.ParseNorm(o.GenNorm);
        var dn = Layers.ParseNorm(o.DiscNorm);
        GenRealToSim = new ResnetGenerator(o.GenWidth, o.GenBlocks, gn, o.Dropout);
        GenSimToReal = new ResnetGenerator(o.GenWidth, o.GenBlocks, gn, o.Dropout);
        DiscSim = new PatchDiscriminator(o.DiscWidth, o.DiscLayers, dn);
        DiscReal = new PatchDiscriminator(o.DiscWidth, o.DiscLayers, dn);
        RegisterComponents();
    }

    public IEnumerable<Parameter> GeneratorParameters() => GenRealToSim.parameters().Concat(GenSimToReal.parameters());
    public IEnumerable<Parameter> DiscriminatorParameters() => DiscSim.parameters().Concat(DiscReal.parameters());
}

/// <summary>Adversarial losses. LSGAN: mean squared distance of the patch scores to 1 (real) or 0
/// (fake). WGAN: the critic maximises score(real) - score(fake); the generator maximises score(fake).</summary>
public static class GanLoss
{
    /// <summary>Generator side: how far <paramref name="scoreOfFake"/> is from being taken for real.</summary>
    public static Tensor Generator(string gan, Tensor scoreOfFake) => gan switch
    {
        "lsgan" => nn.functional.mse_loss(scoreOfFake, torch.ones_like(scoreOfFake)),
        "wgangp" => -scoreOfFake.mean(),
        _ => throw new ArgumentException($"unknown GAN loss '{gan}'"),
    };

    /// <summary>Discriminator side (LSGAN halves the sum, as the reference implementation does).</summary>
    public static Tensor Discriminator(string gan, Tensor scoreOfReal, Tensor scoreOfFake) => gan switch
    {
        "lsgan" => (nn.functional.mse_loss(scoreOfReal, torch.ones_like(scoreOfReal)) + nn.functional.mse_loss(scoreOfFake, torch.zeros_like(scoreOfFake))) * 0.5,
        "wgangp" => scoreOfFake.mean() - scoreOfReal.mean(),
        _ => throw new ArgumentException($"unknown GAN loss '{gan}'"),
    };

    /// <summary>
    /// WGAN-GP gradient penalty: lambda * mean over samples of (||d critic(x^) / d x^||_2 - 1)^2 at
    /// x^ = alpha * real + (1 - alpha) * fake, alpha ~ U(0, 1) per sample (or the given alphas).
    /// The graph is kept (create_graph) so the penalty trains the critic.
    /// </summary>
    public static Tensor GradientPenalty(nn.Module<Tensor, Tensor> critic, Tensor real, Tensor fake, double lambda, Tensor? alpha = null)
    {
        long n = real.shape[0];
        alpha ??= torch.rand(new long[] { n, 1, 1, 1 }, device: real.device); // (N, 1, 1, 1)
        var mixed = (alpha * real + (1 - alpha) * fake.detach()).detach().requires_grad_(true);
        var score = critic.forward(mixed);
        var grads = torch.autograd.grad([score], [mixed], [torch.ones_like(score)], retain_graph: true, create_graph: true)[0];
        var norms = grads.reshape(n, -1).norm(1, false, 2); // (N,)
        return (norms - 1).pow(2).mean() * lambda;
    }
}

/// <summary>
/// A buffer of past generated images (Shrivastava et al.): once full, each new fake is, with
/// probability 0.5, swapped for a stored one, so the discriminator also sees older generator outputs.
/// Seeded. Stored images live outside dispose scopes and are freed when replaced or cleared.
/// </summary>
public sealed class ImagePool(int size, int seed, int stream) : IDisposable
{
    readonly List<Tensor> _images = [];
    Rng _rng = Rng.For(seed, stream, 0);

    /// <summary>Empties the pool and restarts its random stream at <paramref name="epoch"/>.</summary>
    public void Reset(int epoch)
    {
        foreach (var t in _images) t.Dispose();
        _images.Clear();
        _rng = Rng.For(seed, stream, epoch);
    }

    /// <summary>Images (N, C, H, W) to show the discriminator in place of <paramref name="fakes"/>.</summary>
    public Tensor Query(Tensor fakes)
    {
        if (size <= 0) return fakes.detach();
        var outs = new List<Tensor>();
        for (long i = 0; i < fakes.shape[0]; i++)
        {
            var img = fakes[i].detach().unsqueeze(0); // (1, C, H, W)
            if (_images.Count < size)
            {
                _images.Add(img.clone().DetachFromDisposeScope());
                outs.Add(img);
            }
            else if (_rng.NextDouble() < 0.5)
            {
                int k = _rng.NextInt(size);
                outs.Add(_images[k].clone()); // the clone joins the caller's scope
                _images[k].Dispose();
                _images[k] = img.clone().DetachFromDisposeScope();
            }
            else outs.Add(img);
        }
        return torch.cat(outs, 0);
    }

    public int Count => _images.Count;

    public void Dispose() => Reset(0);
}

/// <summary>
/// One CycleGAN (one domain pair) with the reference implementation's structure: set_input, forward,
/// backward_D, backward_G, optimize_parameters. Losses: adversarial (LSGAN or WGAN-GP), cycle
/// (lambda_cycle, L1), identity (lambda_identity x lambda_cycle, L1).
/// </summary>
public sealed class CycleGanModel : IDisposable
{
    public CycleGanOptions Options { get; }
    public CycleGanNets Nets { get; }
    public optim.Optimizer OptG { get; }
    public optim.Optimizer OptD { get; }
    readonly ImagePool _poolFakeSim, _poolFakeReal;

    Tensor? realSem, simSem, fakeSim, recReal, fakeReal, recSim;

    /// <summary>Losses of the last step (for logs): G_adv, cycle, identity, D_sim, D_real, GP.</summary>
    /// <summary>The last step's losses, detached and on the device (no host synchronisation per step).</summary>
    public Dictionary<string, Tensor> LastLossTensors { get; } = [];

    /// <summary>The last step's losses read back (a host synchronisation: for reports only).</summary>
    public Dictionary<string, double> LastLosses => LastLossTensors.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float64).item<double>());

    public CycleGanModel(CycleGanOptions options, Device device, int index = 0)
    {
        Options = options.Validated();
        Nets = new CycleGanNets(options);
        Nets.to(device);
        OptG = MultiTensor.Adam.Create(options.Optimizer, Nets.GeneratorParameters(), options.LearningRate, options.Beta1, options.Beta2);
        OptD = MultiTensor.Adam.Create(options.Optimizer, Nets.DiscriminatorParameters(), options.LearningRate, options.Beta1, options.Beta2);
        _poolFakeSim = new ImagePool(options.PoolSize, options.Seed, 60 + 2 * index);
        _poolFakeReal = new ImagePool(options.PoolSize, options.Seed, 61 + 2 * index);
    }

    /// <summary>Starts an epoch: pools emptied and reseeded, learning rates set from the schedule.</summary>
    public void StartEpoch(int epoch)
    {
        _poolFakeSim.Reset(epoch);
        _poolFakeReal.Reset(epoch);
        double lr = Options.LearningRate * Options.LrFactor(epoch);
        foreach (var g in OptG.ParamGroups) g.LearningRate = lr;
        foreach (var g in OptD.ParamGroups) g.LearningRate = lr;
    }

    public double LearningRate => OptG.ParamGroups.First().LearningRate;

    /// <summary>Unpaired batches of the two domains, (N, 1, 72, 48) in [-1, 1] on the model's device.</summary>
    public void set_input(Tensor realSemBatch, Tensor simSemBatch) { realSem = realSemBatch; simSem = simSemBatch; }

    public void forward()
    {
        fakeSim = Nets.GenRealToSim.forward(realSem!);  // G(x)
        recReal = Nets.GenSimToReal.forward(fakeSim);   // F(G(x))
        fakeReal = Nets.GenSimToReal.forward(simSem!);  // F(y)
        recSim = Nets.GenRealToSim.forward(fakeReal);   // G(F(y))
    }

    /// <summary>Both discriminators on the real images and pooled fakes.</summary>
    public void backward_D()
    {
        var pooledSim = _poolFakeSim.Query(fakeSim!);
        var pooledReal = _poolFakeReal.Query(fakeReal!);
        var lossDSim = BackwardOneD(Nets.DiscSim, simSem!, pooledSim, out var gpSim);
        var lossDReal = BackwardOneD(Nets.DiscReal, realSem!, pooledReal, out var gpReal);
        LastLossTensors["D_sim"] = lossDSim;
        LastLossTensors["D_real"] = lossDReal;
        if (gpSim is not null && gpReal is not null) LastLossTensors["GP"] = (gpSim + gpReal) / 2;
    }

    Tensor BackwardOneD(PatchDiscriminator disc, Tensor real, Tensor fake, out Tensor? gp)
    {
        var loss = GanLoss.Discriminator(Options.Gan, disc.forward(real), disc.forward(fake.detach()));
        gp = null;
        if (Options.Gan == "wgangp")
        {
            var pen = GanLoss.GradientPenalty(disc, real, fake, Options.LambdaGp);
            gp = pen.detach();
            loss = loss + pen;
        }
        loss.backward();
        return loss.detach();
    }

    /// <summary>Both generators: adversarial + cycle + identity.</summary>
    public void backward_G()
    {
        double lc = Options.LambdaCycle, li = Options.LambdaIdentity * lc;
        var lossIdt = torch.zeros(1, device: realSem!.device);
        if (li > 0)
        {
            var idtSim = Nets.GenRealToSim.forward(simSem!);  // G(y) should be y
            var idtReal = Nets.GenSimToReal.forward(realSem); // F(x) should be x
            lossIdt = (nn.functional.l1_loss(idtSim, simSem!) + nn.functional.l1_loss(idtReal, realSem)) * li;
        }
        var lossAdv = GanLoss.Generator(Options.Gan, Nets.DiscSim.forward(fakeSim!)) + GanLoss.Generator(Options.Gan, Nets.DiscReal.forward(fakeReal!));
        var lossCycle = (nn.functional.l1_loss(recReal!, realSem) + nn.functional.l1_loss(recSim!, simSem!)) * lc;
        var loss = lossAdv + lossCycle + lossIdt;
        loss.backward();
        LastLossTensors["G_adv"] = lossAdv.detach();
        LastLossTensors["cycle"] = lossCycle.detach();
        LastLossTensors["identity"] = lossIdt.detach().reshape(new long[0]); // zeros(1) when identity is off
    }

    /// <summary>One training step. With WGAN-GP the generators step only every
    /// <see cref="CycleGanOptions.CriticSteps"/>-th call (the critics every call).</summary>
    public void optimize_parameters(long step)
    {
        bool genStep = Options.Gan != "wgangp" || step % Options.CriticSteps == Options.CriticSteps - 1;
        if (genStep)
        {
            forward();
            SetRequiresGrad(Nets.DiscriminatorParameters(), false); // D gets no gradient from G's loss
            OptG.zero_grad();
            backward_G();
            OptG.step();
            SetRequiresGrad(Nets.DiscriminatorParameters(), true);
        }
        else
        {
            using var noGrad = torch.no_grad(); // the critic step needs the fakes only
            fakeSim = Nets.GenRealToSim.forward(realSem!);
            fakeReal = Nets.GenSimToReal.forward(simSem!);
        }
        OptD.zero_grad();
        backward_D();
        OptD.step();
    }

    static void SetRequiresGrad(IEnumerable<Parameter> ps, bool on) { foreach (var p in ps) p.requires_grad = on; }

    public void train() => Nets.train();
    public void eval() => Nets.eval();

    public void Dispose()
    {
        _poolFakeSim.Dispose(); _poolFakeReal.Dispose();
        OptG.Dispose(); OptD.Dispose(); Nets.Dispose();
    }
}
