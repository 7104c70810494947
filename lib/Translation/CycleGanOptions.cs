using System.Text.Json;
using SemDepth.Models;
using SemDepth.Training;
using SemDepth.Workspace;

namespace SemDepth.Translation;

/// <summary>
/// Options of the CycleGAN domain shift (Real &lt;-&gt; Sim); saved beside every checkpoint. Defaults are
/// the seed's networks (16 channels, 3 residual blocks) sized so the quick preset trains on a CPU;
/// <see cref="Full"/> is the published configuration for GPU users.
/// </summary>
public sealed record CycleGanOptions
{
    /// <summary>Run name: the folder under runs/.</summary>
    public string Name { get; init; } = RunNames.CycleGan;

    /// <summary>Epochs (seed: 50; 1 here: one pass over the quick preset's real images takes about 3 minutes on 2 CPU
    /// cores).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Generator steps per epoch; 0: one pass over the smaller domain.</summary>
    public int StepsPerEpoch { get; init; }

    /// <summary>At most this many generator steps per epoch (0: no cap); keeps a CPU run in budget
    /// without changing what small data sets do.</summary>
    public int MaxStepsPerEpoch { get; init; }

    /// <summary>Images of each domain per step (seed: 64).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>The four networks these options describe, freshly initialised.</summary>
    public CycleGanNets CreateNets() => new(GenWidth, GenBlocks, GenNorm, Dropout, DiscWidth, DiscLayers, DiscNorm);

    /// <summary>Generator width: channels of the first conv (seed: 16).</summary>
    public int GenWidth { get; init; } = 16;

    /// <summary>Residual blocks in each generator (seed: 3).</summary>
    public int GenBlocks { get; init; } = 3;

    /// <summary>Generator normalisation: batch | instance | none (seed: batch).</summary>
    public NormKind GenNorm { get; init; } = NormKind.Batch;

    /// <summary>Dropout in the residual blocks (seed: 0.5).</summary>
    public double Dropout { get; init; } = 0.5;

    /// <summary>Discriminator width (seed: 16).</summary>
    public int DiscWidth { get; init; } = 16;

    /// <summary>Discriminator stride-2 layers after the first conv (1-3).</summary>
    public int DiscLayers { get; init; } = 3;

    /// <summary>Discriminator normalisation: batch | instance | none. WGAN-GP needs instance or none
    /// (the gradient penalty is per sample; batch statistics would mix samples).</summary>
    public NormKind DiscNorm { get; init; } = NormKind.Instance;

    /// <summary>Adversarial loss: lsgan (default) | wgangp.</summary>
    public GanKind Gan { get; init; } = GanKind.LsGan;

    /// <summary>WGAN-GP gradient penalty weight (seed: 10).</summary>
    public double LambdaGp { get; init; } = 10;

    /// <summary>WGAN-GP critic steps per generator step (seed: 5).</summary>
    public int CriticSteps { get; init; } = 5;

    /// <summary>Cycle-consistency weight (paper and seed: 10).</summary>
    public double LambdaCycle { get; init; } = 10;

    /// <summary>Identity weight as a fraction of the cycle weight (paper and seed: 0.5).</summary>
    public double LambdaIdentity { get; init; } = 0.5;

    /// <summary>Image pool of past fakes shown to the discriminators (paper: 50; 0 turns it off).
    /// The pool restarts each epoch so that a resumed run continues exactly.</summary>
    public int PoolSize { get; init; } = 50;

    /// <summary>Adam learning rate (paper and seed: 2e-4).</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>Adam beta1 (0.5) and beta2 (0.999).</summary>
    public double Beta1 { get; init; } = 0.5;
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam implementation: multi-tensor (default: flat buffers, a few kernels a step) | torchsharp
    /// (TorchSharp's per-parameter loop). Bit-identical results; kept for comparison.</summary>
    public AdamImpl Optimizer { get; init; } = AdamImpl.MultiTensor;

    /// <summary>Learning-rate schedule: none | linear (constant, then linearly to zero from
    /// <see cref="DecayStartEpoch"/>) | exponential (x <see cref="DecayRate"/> an epoch, the seed's 0.95).</summary>
    public LrDecay Decay { get; init; } = LrDecay.Linear;

    /// <summary>First epoch of the linear decay; 0: the second half of the run.</summary>
    public int DecayStartEpoch { get; init; }
    public double DecayRate { get; init; } = 0.95;

    /// <summary>Random flips and 180-degree rotation of each image.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>One pair of generators per case (the seed's choice); the Real images of a case are the
    /// train folder Depth_{100+10k} (test images are not used: their case is unknown).</summary>
    public bool PerCase { get; init; }

    /// <summary>Per case only: epochs 1..this train Case_1's CycleGAN alone; then Cases 2-4 start from Case_1's
    /// weights (fresh optimizers, the learning-rate schedule restarted) and train the epochs after it, Case_1 resting.
    /// The winners trained Case_1 300 epochs and warm-started the others for 100 each. 0: every case from scratch, all
    /// epochs.</summary>
    public int WarmStartAfter { get; init; }

    /// <summary>Seed of weights, shuffles, flips and pools.</summary>
    public int Seed { get; init; } = 41;

    /// <summary>Data root the run used (recorded).</summary>
    public string Data { get; init; } = "";

    /// <summary>Device the run used (recorded).</summary>
    public string Device { get; init; } = "";

    public static CycleGanOptions Default => new();

    /// <summary>These options within a run's caps (<see cref="Workspace.RunCaps"/>): at most its generator steps an
    /// epoch.</summary>
    public CycleGanOptions Capped(Workspace.RunCaps caps) =>
        caps.CycleGanSteps > 0 && (MaxStepsPerEpoch == 0 || caps.CycleGanSteps < MaxStepsPerEpoch)
            ? this with
            {
                MaxStepsPerEpoch = caps.CycleGanSteps,
            }
            : this;

    /// <summary>The published configuration (per case, WGAN-GP, batch 64, 50 epochs, lr x0.95 an
    /// epoch) for GPU users; far too slow for a CPU, not run in CI.</summary>
    public static CycleGanOptions Full =>
        new()
        {
            Name = "cyclegan-full",
            Epochs = 50,
            BatchSize = 64,
            Gan = GanKind.WganGp,
            DiscNorm = NormKind.None,
            CriticSteps = 5,
            Decay = LrDecay.Exponential,
            DecayRate = 0.95,
            PerCase = true,
        };

    /// <summary>The winners' CycleGAN as published (1st place, 1.22): per case, WGAN-GP (lambda_gp 10, 5 critic steps),
    /// cycle 10, identity 0.5, Adam 2e-4, batch 128, a generator of 64 channels with 2 residual blocks, Case_1 for 300
    /// epochs and Cases 2-4 warm-started from it for 100. Their critic used GroupNorm; instance normalisation here (a
    /// per-sample norm, as the gradient penalty needs). For a GPU: hours even there.</summary>
    public static CycleGanOptions Winners =>
        new()
        {
            Name = "cyclegan-winners",
            Epochs = 400,
            WarmStartAfter = 300,
            BatchSize = 128,
            GenWidth = 64,
            GenBlocks = 2,
            Dropout = 0,
            Gan = GanKind.WganGp,
            DiscNorm = NormKind.Instance,
            CriticSteps = 5,
            Decay = LrDecay.None,
            PerCase = true,
        };

    /// <summary>The epoch of the learning-rate schedule that epoch <paramref name="epoch"/> of model <paramref
    /// name="m"/> is in: warm-started cases begin their schedule again.</summary>
    public int ScheduleEpoch(int epoch, int m) =>
        PerCase && WarmStartAfter > 0 && m > 0 ? Math.Max(1, epoch - WarmStartAfter) : epoch;

    /// <summary>Whether model <paramref name="m"/> trains in epoch <paramref name="epoch"/> (see <see
    /// cref="WarmStartAfter"/>).</summary>
    public bool Trains(int m, int epoch) =>
        !PerCase || WarmStartAfter <= 0 || (m == 0 ? epoch <= WarmStartAfter : epoch > WarmStartAfter);

    /// <summary>Throws on an option value no code path accepts.</summary>
    public CycleGanOptions Validated()
    {
        ModeNames.Defined(Gan, nameof(Gan));
        ModeNames.Defined(Decay, nameof(Decay));
        ModeNames.Defined(Optimizer, nameof(Optimizer));
        ModeNames.Defined(GenNorm, nameof(GenNorm));
        ModeNames.Defined(DiscNorm, nameof(DiscNorm));
        if (Gan == GanKind.WganGp && DiscNorm == NormKind.Batch)
            throw new ArgumentException(
                "WGAN-GP with a batch-normalised critic: the gradient penalty is per sample, use "
                    + "DiscNorm = NormKind.Instance or NormKind.None"
            );
        if (Epochs < 1 || BatchSize < 2 || CriticSteps < 1)
            throw new ArgumentException("Epochs >= 1, BatchSize >= 2 and CriticSteps >= 1 are required");
        if (WarmStartAfter < 0 || WarmStartAfter > 0 && (!PerCase || WarmStartAfter >= Epochs))
            throw new ArgumentException(
                $"WarmStartAfter {WarmStartAfter} needs PerCase and fewer than Epochs ({Epochs}): Case_1 trains "
                    + "epochs 1..WarmStartAfter, the other cases the epochs after"
            );
        return this;
    }

    /// <summary>Learning-rate factor for <paramref name="epoch"/> (1-based).</summary>
    public double LrFactor(int epoch) =>
        Decay switch
        {
            LrDecay.Exponential => Math.Pow(DecayRate, epoch - 1),
            LrDecay.Linear => LinearFactor(epoch),
            _ => 1.0,
        };

    double LinearFactor(int epoch)
    {
        int start = DecayStartEpoch > 0 ? DecayStartEpoch : Epochs / 2 + 1;
        if (Epochs <= 1 || epoch < start)
            return 1.0; // a one-epoch run keeps the full rate
        return 1.0 - (epoch - start + 1) / (double)(Epochs - start + 2); // never 0 on the last epoch
    }

    /// <summary>Prints modes by their text ("Model = unet"), as the JSON and the console name them.</summary>
    bool PrintMembers(System.Text.StringBuilder builder) => ModeNames.PrintRecord(this, builder);

    public string ToJson() => JsonSerializer.Serialize(this, DepthOptions.Json);

    public static CycleGanOptions FromJson(string json) =>
        JsonSerializer.Deserialize<CycleGanOptions>(json, DepthOptions.Json)
        ?? throw new InvalidDataException("empty options");
}
