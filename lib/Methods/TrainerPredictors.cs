using SemDepth.Data;
using SemDepth.Training;

namespace SemDepth.Methods;

/// <summary>A trainer's network as a method: <c>trainer.Predictor()</c>.</summary>
public static class TrainerPredictors
{
    /// <summary>The depth network in evaluation mode, named as in the tables ("AE baseline", "U-Net (sim)").</summary>
    public static IDepthPredictor Predictor(this DepthTrainer t) =>
        new TorchPredictor(DepthTrainer.MethodName(t.Options), t.Model, t.Options.InputScale, PixelScale.Unit);

    /// <summary>The case classifier as a case source.</summary>
    public static CaseClassifierPredictor Predictor(this ClassifierTrainer t) => new(t.Model);
}
