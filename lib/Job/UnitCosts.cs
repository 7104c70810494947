using System.Diagnostics;
using SemDepth.Images;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Training;
using SemDepth.Translation;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Job;

/// <summary>
/// Seconds per unit of the work the notebooks do, measured on this device by short timed probes (a warm-up of at least
/// 0.5 s, then at least seven timed repeats over 1.2 s, the median kept): a training step per image of each
/// network at its batch size, an inference per image at the inference batch, a CycleGAN generator-and-discriminator
/// step, a multiply-add of a large matrix product (retrieval's search) and a PNG decode.
/// </summary>
public sealed record UnitCosts
{
    public double AeTrain { get; init; }
    public double UNetTrain { get; init; }
    public double ClassifierTrain { get; init; }

    /// <summary>Seconds per CycleGAN step (both generators and both discriminators, the default batch).</summary>
    public double CycleGanStep { get; init; }
    public double AeInfer { get; init; }
    public double UNetInfer { get; init; }
    public double ClassifierInfer { get; init; }
    public double GeneratorInfer { get; init; }

    /// <summary>Seconds per multiply-add of a (512 x 6912) by (6912 x 2048) product.</summary>
    public double MatmulMac { get; init; }

    /// <summary>Seconds per PNG decoded (one core; the cache decodes on every core).</summary>
    public double Decode { get; init; }

    /// <summary>How long the probes took.</summary>
    public double ProbeSeconds { get; init; }

    /// <summary>Runs the probes (a few seconds on a 2-core CPU). <paramref name="pngs"/>: files to time the decoder
    /// on.</summary>
    public static UnitCosts Measure(IReadOnlyList<string> pngs)
    {
        TorchNatives.EnsureLoaded();
        var device = TorchDevice.Current;
        var total = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var costs = new UnitCosts
        {
            AeTrain = TrainStep(new DepthAutoencoder(), DepthOptions.Default.BatchSize, device),
            UNetTrain = TrainStep(new DepthUNet(DepthOptions.UNet.Width), DepthOptions.UNet.BatchSize, device),
            ClassifierTrain = TrainStep(
                new CaseClassifier(ClassifierOptions.Default.Width),
                ClassifierOptions.Default.BatchSize,
                device,
                classes: 4
            ),
            CycleGanStep = CycleGanStepSeconds(CycleGanOptions.Default, device),
            AeInfer = InferStep(new DepthAutoencoder(), device),
            UNetInfer = InferStep(new DepthUNet(DepthOptions.UNet.Width), device),
            ClassifierInfer = InferStep(new CaseClassifier(ClassifierOptions.Default.Width), device),
            GeneratorInfer = InferStep(CycleGanOptions.Default.CreateNets().GenSimToReal, device),
            MatmulMac = MatmulSeconds(device),
            Decode = DecodeSeconds(pngs),
        };
        return costs with { ProbeSeconds = total.Elapsed.TotalSeconds };
    }

    static double Median(Action once)
    {
        // warm-up: allocations, kernel choice, the optimizer's state; a cold first probe reads slow
        var warm = Stopwatch.StartNew();
        for (int w = 0; w < 3 || warm.Elapsed.TotalSeconds < 0.5; w++)
            once();
        // then at least seven repeats and 1.2 s, the median: the upper quartile of five swung the full preset's plan
        // between 34,673 and 41,675 images an epoch from one run to the next; the budget keeps its own margin
        var t = new List<double>();
        var all = Stopwatch.StartNew();
        while (t.Count < 7 || all.Elapsed.TotalSeconds < 1.2)
        {
            var sw = Stopwatch.StartNew();
            once();
            t.Add(sw.Elapsed.TotalSeconds);
        }
        t.Sort();
        return t[t.Count / 2];
    }

    static Tensor Images(int n, Device device)
    {
        using Scalar two = 2,
            one = 1; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        return torch.rand(n, 1, Geometry.Height, Geometry.Width, device: device) * two - one;
    }

    static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA)
            torch.cuda.synchronize(device);
    }

    static double TrainStep(nn.Module<Tensor, Tensor> model, int batch, Device device, int classes = 0)
    {
        model.to(device).train();
        var opt = new Training.MultiTensor.Adam(model.parameters(), 1e-3); // the trainers' optimizer
        var x = Images(batch, device);
        var y =
            classes > 0
                ? torch.randint(0, classes, [batch], dtype: ScalarType.Int64, device: device)
                : torch.rand(batch, 1, Geometry.Height, Geometry.Width, device: device);
        double s = Median(() =>
        {
            using var inner = torch.NewDisposeScope();
            opt.zero_grad();
            var o = model.forward(x);
            var loss = classes > 0 ? nn.functional.cross_entropy(o, y) : nn.functional.l1_loss(o.reshape(y.shape), y);
            loss.backward();
            opt.step();
            Sync(device);
        });
        return s / batch;
    }

    static double InferStep(nn.Module<Tensor, Tensor> model, Device device)
    {
        model.to(device).eval();
        int batch = Inference.DefaultBatch * 4;
        var x = Images(batch, device);
        double s = Median(() =>
        {
            using var inner = torch.NewDisposeScope();
            using var mode = torch.inference_mode();
            for (int k = 0; k < 4; k++)
                model.forward(x.slice(0, k * Inference.DefaultBatch, (k + 1) * Inference.DefaultBatch, 1));
            Sync(device);
        });
        return s / batch;
    }

    /// <summary>One LSGAN CycleGAN step as the trainer takes it: six generator passes (fakes, cycles,
    /// identities), the generators' update, then both discriminators on real and fake, and their update.</summary>
    static double CycleGanStepSeconds(CycleGanOptions o, Device device)
    {
        var nets = o.CreateNets();
        nets.to(device).train();
        var optG = new Training.MultiTensor.Adam(nets.GeneratorParameters(), o.LearningRate, o.Beta1, o.Beta2);
        var optD = new Training.MultiTensor.Adam(nets.DiscriminatorParameters(), o.LearningRate, o.Beta1, o.Beta2);
        var real = Images(o.BatchSize, device);
        var sim = Images(o.BatchSize, device);
        return Median(() =>
        {
            using var inner = torch.NewDisposeScope();
            optG.zero_grad();
            var fakeSim = nets.GenRealToSim.forward(real);
            var fakeReal = nets.GenSimToReal.forward(sim);
            var loss = GanLoss
                .Generator(o.Gan, nets.DiscSim.forward(fakeSim))
                .Plus(GanLoss.Generator(o.Gan, nets.DiscReal.forward(fakeReal)))
                .Plus(nn.functional.l1_loss(nets.GenSimToReal.forward(fakeSim), real))
                .Plus(nn.functional.l1_loss(nets.GenRealToSim.forward(fakeReal), sim))
                .Plus(nn.functional.l1_loss(nets.GenRealToSim.forward(sim), sim))
                .Plus(nn.functional.l1_loss(nets.GenSimToReal.forward(real), real));
            loss.backward();
            optG.step();
            optD.zero_grad();
            var d = GanLoss
                .Discriminator(o.Gan, nets.DiscSim.forward(sim), nets.DiscSim.forward(fakeSim.detach()))
                .Plus(
                    GanLoss.Discriminator(o.Gan, nets.DiscReal.forward(real), nets.DiscReal.forward(fakeReal.detach()))
                );
            d.backward();
            optD.step();
            Sync(device);
        });
    }

    static double MatmulSeconds(Device device)
    {
        const long m = 512,
            k = 6912,
            n = 2048;
        var a = torch.rand(m, k, device: device);
        var b = torch.rand(k, n, device: device);
        double s = Median(() =>
        {
            using var inner = torch.NewDisposeScope();
            a.mm(b);
            Sync(device);
        });
        return s / (m * k * n);
    }

    static double DecodeSeconds(IReadOnlyList<string> pngs)
    {
        if (pngs.Count == 0)
            return 0;
        var files = pngs.Take(64).Select(f => (Name: f, Bytes: File.ReadAllBytes(f))).ToList();
        var dest = new byte[Geometry.Pixels];
        double s = Median(() =>
        {
            foreach (var (name, b) in files)
            {
                try
                {
                    Png8.Decode(b, dest, name);
                }
                catch (Exception) { } // a damaged file costs what it costs; validate names it
            }
        });
        return s / files.Count;
    }
}
