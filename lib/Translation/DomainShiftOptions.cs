using SemDepth.Training;
using SemDepth.Workspace;

namespace SemDepth.Translation;

/// <summary>Every option of the domain-shift experiment (notebook 03 and <c>semdepth domain-shift</c>).</summary>
public sealed record DomainShiftOptions
{
    /// <summary>The CycleGAN; capped at 80 steps (1,280 image pairs) so notebook 03 fits the main job's
    /// CPU budget on the quick preset (a full pass there is 150 steps).</summary>
    public CycleGanOptions CycleGan { get; init; } = CycleGanOptions.Default with { MaxStepsPerEpoch = 80 };

    /// <summary>Short CycleGANs trained (seeds <see cref="CycleGanOptions.Seed"/>, +1, ...), of which the one whose
    /// retrieval scores the lowest held-out site MAE becomes runs/cyclegan (<c>CycleGanSelection</c> in Methods).
    /// Which seed of the 80-step CPU CycleGAN restyles well is a draw (quick: 2.6-7.2 test RMSE over six seeds), and
    /// the held-out site MAE tracks it (0.17-0.60); 1 trains one, as before.</summary>
    public int CycleGanCandidates { get; init; } = 3;

    /// <summary>The depth network of the pipeline, trained on simulated pairs.</summary>
    public DepthOptions DepthNet { get; init; } = DepthOptions.UNet;

    /// <summary>The oracle: the sim-trained U-Net fine-tuned on real-domain truth (synthetic set only), the
    /// floor of every regression method: "how good could this network be with real labels?". Two epochs keep the
    /// main job's CPU time within its minutes.</summary>
    public DepthOptions Oracle { get; init; } =
        DepthOptions.UNet with
        {
            Name = RunNames.Oracle,
            Source = PairSource.RealTruth,
            InitFrom = RunNames.UNetSim,
            Epochs = 2,
            LearningRate = 5e-4,
        };

    /// <summary>Weak supervision: the sim-trained U-Net fine-tuned on simulated pairs and on real train images
    /// tied to their site averages (held-out sites excluded).</summary>
    public DepthOptions Weak { get; init; } = DepthOptions.WeakUNet;
    public DepthOptions Ae { get; init; } = DepthOptions.Default;
    public ClassifierOptions Classifier { get; init; } = ClassifierOptions.Default;

    /// <summary>Every part within a run's caps (<see cref="RunCaps"/>; <see cref="RunCaps.Current"/> when
    /// null).</summary>
    public DomainShiftOptions Capped(RunCaps? caps = null)
    {
        caps ??= RunCaps.Current;
        return this with
        {
            CycleGan = CycleGan.Capped(caps),
            CycleGanCandidates =
                caps.CycleGanCandidates > 0
                    ? Math.Min(CycleGanCandidates, caps.CycleGanCandidates)
                    : CycleGanCandidates,
            DepthNet = DepthNet.Capped(caps),
            Oracle = Oracle.Capped(caps),
            Weak = Weak.Capped(caps),
            Ae = Ae.Capped(caps),
            Classifier = Classifier.Capped(caps),
        };
    }

    /// <summary>Every epoch count scaled for a quick look (notebooks on tiny data).</summary>
    public DomainShiftOptions WithEpochs(Func<int, int> epochs) =>
        this with
        {
            CycleGan = CycleGan with { Epochs = epochs(CycleGan.Epochs) },
            DepthNet = DepthNet with { Epochs = epochs(DepthNet.Epochs) },
            Oracle = Oracle with { Epochs = epochs(Oracle.Epochs) },
            Weak = Weak with { Epochs = epochs(Weak.Epochs) },
            Ae = Ae with { Epochs = epochs(Ae.Epochs) },
            Classifier = Classifier with { Epochs = epochs(Classifier.Epochs) },
        };
}
