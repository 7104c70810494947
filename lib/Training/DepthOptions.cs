using System.Text.Json;
using SemDepth.Models;
using SemDepth.Workspace;

namespace SemDepth.Training;

/// <summary>Options of a depth network (SEM -> depth map) trained on paired images: by default the
/// organiser's autoencoder baseline; saved beside every checkpoint. Override in a notebook with
/// <c>DepthOptions.Default with { Epochs = 3 }</c>; <see cref="UNet"/> is the stronger network.</summary>
public sealed record DepthOptions
{
    /// <summary>Run name: the folder under runs/.</summary>
    public string Name { get; init; } = RunNames.Ae;

    /// <summary>Network: ae (the organiser's MLP autoencoder, inputs in [0, 1]) | unet (convolutional
    /// encoder-decoder with skips, inputs in [-1, 1] like the CycleGAN generators').</summary>
    public DepthNetwork Model { get; init; } = DepthNetwork.Ae;

    /// <summary>U-Net width (channels of the first stage).</summary>
    public int Width { get; init; } = 16;

    /// <summary>Training pairs: sim (simulated SEM with their depth maps, split by &lt;base&gt;) |
    /// real-truth (real-domain train images with the synthetic set's hidden truth, split by site: the
    /// oracle only a synthetic set makes possible).</summary>
    public PairSource Source { get; init; } = PairSource.Sim;

    /// <summary>Epochs (organiser: 10).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Mini-batch size (organiser: 128).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam learning rate (organiser: 1e-3).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Seed of weights, shuffles and the split (organiser: 41).</summary>
    public int Seed { get; init; } = 41;

    /// <summary>Validation fraction of the simulated &lt;base&gt; groups (organiser: 0.2, but split by file).</summary>
    public double ValFraction { get; init; } = 0.2;

    /// <summary>Random flips / 180-degree rotation of SEM and depth together (organiser: none).</summary>
    public bool Augment { get; init; }

    /// <summary>Recompute BatchNorm statistics with each epoch's final weights before validating
    /// (<see cref="BatchNormCalibration"/>); off for the organiser's AE, on for the U-Net.</summary>
    public bool RecalibrateBatchNorm { get; init; }

    /// <summary>Use at most this many training images per epoch (0: all); for quick looks.</summary>
    public int MaxTrainImages { get; init; }

    /// <summary>Validate each epoch on at most this many images, an even sample of the split (0: all).</summary>
    public int MaxValImages { get; init; }

    /// <summary>Run (a name under runs/, or a run folder's full path) whose final weights start this one:
    /// the oracle and the weakly supervised network start from "unet-sim"; "" starts from random weights.</summary>
    public string InitFrom { get; init; } = "";

    /// <summary>Weight of the loss that ties real train images to average_depth.csv (weak supervision);
    /// 0 (default) trains on simulated pairs alone. Needs Source sim. Sites held out by the split
    /// (<see cref="ValFraction"/>, <see cref="Seed"/>) are never used by it.</summary>
    public double SiteWeight { get; init; }

    /// <summary>What the real images are trained against: csv (each site's mean predicted depth, padded with
    /// its case's plateau pixels as the CSV was computed, against its average_depth.csv value, L1) | affine
    /// (the published variant: at each epoch's start an affine map from predicted to CSV site averages is
    /// refitted on the training sites and the mapped predictions become per-pixel targets for that epoch).</summary>
    public SiteTarget SiteTarget { get; init; } = SiteTarget.Csv;

    /// <summary>Sites in each weak-supervision batch.</summary>
    public int SitesPerBatch { get; init; } = 8;

    /// <summary>Images drawn from each of those sites.</summary>
    public int ImagesPerSite { get; init; } = 4;

    /// <summary>Simulated inputs: each (itr0 and itr1 as two samples) | mean (their average, one sample a map,
    /// as the published U-Net that improved 5.3 -> 5.1).</summary>
    public SimInput SimInput { get; init; } = SimInput.Each;

    /// <summary>Data preset or root the run used (recorded, informative).</summary>
    public string Data { get; init; } = "";

    /// <summary>Device the run used (recorded, informative).</summary>
    public string Device { get; init; } = "";

    public static DepthOptions Default => new();

    /// <summary>The U-Net depth network of the CycleGAN pipeline (Adam 1e-3, batch 64, flips).</summary>
    public static DepthOptions UNet =>
        new()
        {
            Name = RunNames.UNetSim,
            Model = DepthNetwork.UNet,
            BatchSize = 64,
            Epochs = 2,
            Augment = true,
            RecalibrateBatchNorm = true,
        };

    /// <summary>The U-Net fine-tuned from <see cref="UNet"/> on simulated pairs and, at the same time, on
    /// real train images tied to their site averages (weak supervision).</summary>
    /// <remarks>One pass over 1,536 simulated images (24 steps of 64 pairs + 8 sites x 4 real images on the
    /// quick preset) keeps it inside the main job's CPU budget.</remarks>
    public static DepthOptions WeakUNet =>
        UNet with
        {
            Name = RunNames.UNetWeak,
            InitFrom = RunNames.UNetSim,
            SiteWeight = 1.0,
            Epochs = 1,
            LearningRate = 5e-4,
            MaxTrainImages = 1536,
        };

    /// <summary>These options within a run's caps (<see cref="Workspace.RunCaps"/>): the training images per
    /// epoch of this kind of network and the validation sample; the weak network keeps its own small pass.</summary>
    public DepthOptions Capped(Workspace.RunCaps caps)
    {
        int cap =
            SiteWeight > 0 ? 0
            : Source == PairSource.RealTruth ? caps.OracleImages
            : Model == DepthNetwork.Ae ? caps.AeImages
            : caps.UNetImages;
        var o = this;
        if (cap > 0 && (MaxTrainImages == 0 || cap < MaxTrainImages))
            o = o with { MaxTrainImages = cap };
        if (caps.EvalSimValImages > 0 && (MaxValImages == 0 || caps.EvalSimValImages < MaxValImages))
            o = o with { MaxValImages = caps.EvalSimValImages };
        return o;
    }

    /// <summary>Checks the combinations a run cannot start with.</summary>
    public DepthOptions Validated()
    {
        ModeNames.Defined(Model, nameof(Model));
        ModeNames.Defined(Source, nameof(Source));
        ModeNames.Defined(SiteTarget, nameof(SiteTarget));
        ModeNames.Defined(SimInput, nameof(SimInput));
        if (SiteWeight < 0)
            throw new ArgumentException($"SiteWeight must be 0 or more, not {SiteWeight}");
        if (SimInput == SimInput.Mean && Source != PairSource.Sim)
            throw new ArgumentException("SimInput mean averages the two simulated renderings: Source must be sim");
        if (SiteWeight > 0 && Source != PairSource.Sim)
            throw new ArgumentException(
                "weak supervision (SiteWeight > 0) trains on simulated pairs: Source must be sim"
            );
        if (SiteWeight > 0 && (SitesPerBatch < 1 || ImagesPerSite < 1))
            throw new ArgumentException("SitesPerBatch and ImagesPerSite must be at least 1");
        return this;
    }

    /// <summary>Input scale of the network.</summary>
    public SemDepth.Data.PixelScale InputScale =>
        Model switch
        {
            DepthNetwork.Ae => SemDepth.Data.PixelScale.Unit,
            DepthNetwork.UNet => SemDepth.Data.PixelScale.Symmetric,
            _ => throw new ArgumentException($"Model must be {ModeNames.Choices<DepthNetwork>()}, not {Model}"),
        };

    /// <summary>Builds the network these options name.</summary>
    public TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> CreateModel() =>
        Model switch
        {
            DepthNetwork.Ae => new DepthAutoencoder(),
            DepthNetwork.UNet => new DepthUNet(Width),
            _ => throw new ArgumentException($"Model must be {ModeNames.Choices<DepthNetwork>()}, not {Model}"),
        };

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>Prints modes by their text ("Model = unet"), as the JSON and the console name them.</summary>
    bool PrintMembers(System.Text.StringBuilder builder) => ModeNames.PrintRecord(this, builder);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DepthOptions FromJson(string json) =>
        JsonSerializer.Deserialize<DepthOptions>(json, Json) ?? throw new InvalidDataException("empty options");
}
