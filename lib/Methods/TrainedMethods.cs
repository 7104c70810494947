using SemDepth.Data;
using SemDepth.Training;

namespace SemDepth.Methods;

/// <summary>A trained network as what the layers above use: a depth trainer as a method
/// (<c>trainer.AsMethod()</c>), the classifier as a case source (<c>classifier.AsCaseSource()</c>).</summary>
public static class TrainedMethods
{
    /// <summary>The depth network in evaluation mode, named as in the tables ("AE baseline", "U-Net (sim)").</summary>
    public static IDepthPredictor AsMethod(this DepthTrainer t) =>
        new TorchPredictor(DepthTrainer.MethodName(t.Options), t.Model, t.Options.InputScale, PixelScale.Unit);

    /// <summary>The case classifier as a case source.</summary>
    public static CaseClassifierPredictor AsCaseSource(this ClassifierTrainer t) => new(t.Model);
}
