using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Training;
using TorchSharp;

namespace SemDepth.Methods;

/// <summary>The trained classifier as an <see cref="ICasePredictor"/>.</summary>
public sealed class CaseClassifierPredictor(CaseClassifier model, int batchSize = Inference.DefaultBatch)
    : ICasePredictor
{
    public int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx) => Inference.Cases(model, sem, idx, batchSize);

    /// <summary>Loads a classifier checkpoint.</summary>
    public static CaseClassifierPredictor Load(string checkpointDir)
    {
        var device = TorchDevice.Current; // loads the natives before the first module is made
        Checkpoint.ReadState(checkpointDir, Checkpoint.ClassifierKind);
        var o = Checkpoint.ReadOptions(checkpointDir, ClassifierOptions.FromJson);
        var model = new CaseClassifier(o.Width, norm: o.Norm);
        Checkpoint.LoadModel(checkpointDir, model);
        model.to(device);
        return new CaseClassifierPredictor(model);
    }
}

/// <summary>Cases known from the train folder (for train images; an upper bound on the classifier).</summary>
public sealed class TrainFolderCases(DaconDataSet set) : ICasePredictor
{
    public int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx) => idx.Select(i => set.Train[i].Case).ToArray();
}
