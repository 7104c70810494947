using SemDepth.Data;
using SemDepth.Images;

namespace SemDepth.Methods;

/// <summary>Anything that turns SEM images into depth maps (AE, CycleGAN pipeline, constant maps...).</summary>
public interface IDepthPredictor
{
    /// <summary>Method name for tables and the results summary.</summary>
    string Name { get; }

    /// <summary>Predicts depth maps for images <paramref name="idx"/> of <paramref name="sem"/>:
    /// <c>idx.Count * 3456</c> bytes, in order.</summary>
    byte[] Predict(ImageSet sem, IReadOnlyList<int> idx);

    /// <summary>Non-finite float outputs seen so far (null: the method has no float outputs).</summary>
    OutputHealth? Health => null;
}

/// <summary>Anything that tells the case (1-4) of SEM images.</summary>
public interface ICasePredictor
{
    int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx);
}
