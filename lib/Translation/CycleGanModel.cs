using SemDepth.Models;
using SemDepth.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemDepth.Translation;

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
    readonly ImagePool _poolFakeSim,
        _poolFakeReal;

    Tensor? realSem,
        simSem,
        fakeSim,
        recReal,
        fakeReal,
        recSim;

    /// <summary>The last step's losses (G_adv, cycle, identity, D_sim, D_real, GP), detached and on the device (no host
    /// synchronisation per step).</summary>
    public Dictionary<string, Tensor> LastLossTensors { get; } = [];

    /// <summary>The last step's losses read back (a host synchronisation: for reports only).</summary>
    public Dictionary<string, double> LastLosses =>
        LastLossTensors.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float64).item<double>());

    public CycleGanModel(CycleGanOptions options, Device device, int index = 0)
    {
        Options = options.Validated();
        Nets = options.CreateNets();
        Nets.to(device);
        OptG = Training.MultiTensor.Adam.Create(
            options.Optimizer,
            Nets.GeneratorParameters(),
            options.LearningRate,
            options.Beta1,
            options.Beta2
        );
        OptD = Training.MultiTensor.Adam.Create(
            options.Optimizer,
            Nets.DiscriminatorParameters(),
            options.LearningRate,
            options.Beta1,
            options.Beta2
        );
        _poolFakeSim = new ImagePool(options.PoolSize, options.Seed, 60 + 2 * index);
        _poolFakeReal = new ImagePool(options.PoolSize, options.Seed, 61 + 2 * index);
    }

    /// <summary>Starts an epoch: the image pools emptied and reseeded, the learning rates of <paramref name="epoch"/>
    /// set from the schedule; <paramref name="scheduleEpoch"/>: the schedule's epoch when it differs (a warm-started
    /// case).</summary>
    public void StartEpoch(int epoch, int? scheduleEpoch = null)
    {
        _poolFakeSim.Reset(epoch);
        _poolFakeReal.Reset(epoch);
        double lr = Options.LearningRate * Options.LrFactor(scheduleEpoch ?? epoch);
        foreach (var g in OptG.ParamGroups)
            g.LearningRate = lr;
        foreach (var g in OptD.ParamGroups)
            g.LearningRate = lr;
    }

    public double LearningRate => OptG.ParamGroups.First().LearningRate;

    /// <summary>Unpaired batches of the two domains, (N, 1, 72, 48) in [-1, 1] on the model's device.</summary>
    public void set_input(Tensor realSemBatch, Tensor simSemBatch)
    {
        realSem = realSemBatch;
        simSem = simSemBatch;
    }

    public void forward()
    {
        fakeSim = Nets.GenRealToSim.forward(realSem!); // G(x)
        recReal = Nets.GenSimToReal.forward(fakeSim); // F(G(x))
        fakeReal = Nets.GenSimToReal.forward(simSem!); // F(y)
        recSim = Nets.GenRealToSim.forward(fakeReal); // G(F(y))
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
        using Scalar two = 2; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        if (gpSim is not null && gpReal is not null)
            LastLossTensors["GP"] = gpSim.Plus(gpReal) / two;
    }

    Tensor BackwardOneD(PatchDiscriminator disc, Tensor real, Tensor fake, out Tensor? gp)
    {
        var loss = GanLoss.Discriminator(Options.Gan, disc.forward(real), disc.forward(fake.detach()));
        gp = null;
        if (Options.Gan == GanKind.WganGp)
        {
            var pen = GanLoss.GradientPenalty(disc, real, fake, Options.LambdaGp);
            gp = pen.detach();
            loss = loss.Plus(pen);
        }
        loss.backward();
        return loss.detach();
    }

    /// <summary>Both generators: adversarial + cycle + identity.</summary>
    public void backward_G()
    {
        double lc = Options.LambdaCycle,
            li = Options.LambdaIdentity * lc;
        using Scalar cycleWeight = lc,
            identityWeight = li; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        var lossIdt = torch.zeros(1, device: realSem!.device);
        if (li > 0)
        {
            var idtSim = Nets.GenRealToSim.forward(simSem!); // G(y) should be y
            var idtReal = Nets.GenSimToReal.forward(realSem); // F(x) should be x
            lossIdt =
                nn.functional.l1_loss(idtSim, simSem!).Plus(nn.functional.l1_loss(idtReal, realSem)) * identityWeight;
        }
        var lossAdv = GanLoss
            .Generator(Options.Gan, Nets.DiscSim.forward(fakeSim!))
            .Plus(GanLoss.Generator(Options.Gan, Nets.DiscReal.forward(fakeReal!)));
        var lossCycle =
            nn.functional.l1_loss(recReal!, realSem).Plus(nn.functional.l1_loss(recSim!, simSem!)) * cycleWeight;
        var loss = lossAdv.Plus(lossCycle).Plus(lossIdt);
        loss.backward();
        LastLossTensors["G_adv"] = lossAdv.detach();
        LastLossTensors["cycle"] = lossCycle.detach();
        LastLossTensors["identity"] = lossIdt.detach().reshape(new long[0]); // zeros(1) when identity is off
    }

    /// <summary>One training step. With WGAN-GP the generators step only every
    /// <see cref="CycleGanOptions.CriticSteps"/>-th call (the critics every call).</summary>
    public void optimize_parameters(long step)
    {
        bool genStep = Options.Gan != GanKind.WganGp || step % Options.CriticSteps == Options.CriticSteps - 1;
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

    static void SetRequiresGrad(IEnumerable<Parameter> ps, bool on)
    {
        foreach (var p in ps)
            p.requires_grad = on;
    }

    public void train() => Nets.train();

    public void eval() => Nets.eval();

    public void Dispose()
    {
        _poolFakeSim.Dispose();
        _poolFakeReal.Dispose();
        OptG.Dispose();
        OptD.Dispose();
        Nets.Dispose();
    }
}
