using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Models;

namespace SemDepth.Training;

/// <summary>A trained method loaded from its runs, ready to predict, with what made it.</summary>
public sealed record SavedMethod(string Key, IDepthPredictor Predictor, IReadOnlyList<string> Checkpoints, string OptionsJson);

/// <summary>
/// Methods that can write a submission, loaded from their checkpoints under runs/: <c>ae</c> (the AE
/// baseline, runs/ae-baseline) and <c>cyclegan</c> (classifier runs/case-classifier, generators
/// runs/cyclegan, depth network runs/unet-sim, post-processing). <c>auto</c> picks the CycleGAN pipeline
/// when all its runs exist, else the AE.
/// </summary>
public static class SavedMethods
{
    public static readonly IReadOnlyList<string> Keys = ["auto", "ae", "cyclegan"];

    static string Ck(string run) => Path.Combine(Workspace.Paths.Runs, run, "checkpoint");

    public static bool PipelineAvailable =>
        new[] { "case-classifier", "cyclegan", "unet-sim" }.All(r => File.Exists(Path.Combine(Ck(r), Checkpoint.StateFile)));

    /// <summary>Loads method <paramref name="key"/> (SEMDEPTH_METHOD when null, else auto).</summary>
    public static SavedMethod Load(string? key)
    {
        key ??= Environment.GetEnvironmentVariable("SEMDEPTH_METHOD") is { Length: > 0 } env ? env : "auto";
        if (key == "auto") key = PipelineAvailable ? "cyclegan" : "ae";
        switch (key)
        {
            case "ae":
            {
                string ck = Ck("ae-baseline");
                if (!File.Exists(Path.Combine(ck, Checkpoint.StateFile))) throw new InvalidOperationException($"no AE checkpoint at {ck}: run notebook 02 (or `semdepth train-ae`) first");
                return new SavedMethod(key, DepthCheckpoint.Load(ck), [ck], Checkpoint.ReadOptions(ck));
            }
            case "cyclegan":
            {
                if (!PipelineAvailable) throw new InvalidOperationException($"the CycleGAN pipeline needs runs case-classifier, cyclegan and unet-sim under {Workspace.Paths.Runs}: run notebook 03 first");
                var cases = CaseClassifierPredictor.Load(Ck("case-classifier"));
                var (cgo, gen, epoch) = CycleGanTrainer.LoadGenerators(Path.Combine(Workspace.Paths.Runs, "cyclegan"));
                var (net, dopt, _) = DepthCheckpoint.LoadModel(Ck("unet-sim"));
                var p = new CycleGanPipeline($"CycleGAN pipeline{(cgo.PerCase ? " (per case)" : "")} + post-processing (epoch {epoch})", gen, net, dopt.InputScale, cases);
                string opts = $"{{\"cyclegan\": {cgo.ToJson()}, \"depthNet\": {dopt.ToJson()}, \"classifier\": {Checkpoint.ReadOptions(Ck("case-classifier"))}}}";
                return new SavedMethod(key, p, [Ck("case-classifier"), Ck("cyclegan"), Ck("unet-sim")], opts);
            }
            default: throw new ArgumentException($"unknown method '{key}': use {string.Join(", ", Keys)}");
        }
    }
}
