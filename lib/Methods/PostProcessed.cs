using SemDepth.Data;
using SemDepth.Images;

namespace SemDepth.Methods;

/// <summary>Any predictor followed by the plateau post-processing with the classifier's case, or
/// (cases null) the case read from the prediction itself.</summary>
public sealed class PostProcessed(IDepthPredictor inner, ICasePredictor? cases) : IDepthPredictor
{
    public string Name =>
        inner.Name + (cases is null ? " + post-processing (case from prediction)" : " + post-processing");

    public OutputHealth? Health => inner.Health;

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        var maps = inner.Predict(sem, idx);
        var cs = cases?.PredictCases(sem, idx)
            ?? Enumerable
                .Range(0, idx.Count)
                .Select(k => PostProcess.CaseOfMap(maps.AsSpan(k * Geometry.Pixels, Geometry.Pixels)))
                .ToArray();
        PostProcess.ApplyAll(maps, cs);
        return maps;
    }
}
