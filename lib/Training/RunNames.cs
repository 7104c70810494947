namespace SemDepth.Training;

/// <summary>The runs under runs/ that the notebooks train and the saved methods load: one name each.</summary>
public static class RunNames
{
    /// <summary>The organiser's autoencoder baseline (notebook 02).</summary>
    public const string Ae = "ae-baseline";

    /// <summary>The U-Net trained on simulated pairs (the pipeline's depth network).</summary>
    public const string UNetSim = "unet-sim";

    /// <summary>The U-Net fine-tuned with the site averages.</summary>
    public const string UNetWeak = "unet-weak";

    /// <summary>The oracle U-Net (real-domain truth; a bound).</summary>
    public const string Oracle = "unet-oracle";

    /// <summary>The case classifier every method that needs a case asks.</summary>
    public const string Classifier = "case-classifier";

    /// <summary>The CycleGAN of notebook 03 (the pipeline's translator, retrieval's restyler).</summary>
    public const string CycleGan = "cyclegan";

    /// <summary>The checkpoint folder of the run folder <paramref name="runDir"/>: where every trainer saves and every
    /// loader reads.</summary>
    public static string CheckpointOf(string runDir) => Path.Combine(runDir, "checkpoint");

    /// <summary>The checkpoint folder of run <paramref name="run"/> under runs/.</summary>
    public static string CheckpointOfRun(string run) => CheckpointOf(Path.Combine(Workspace.Paths.Runs, run));
}
