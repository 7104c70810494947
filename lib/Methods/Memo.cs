using SemDepth.Data;
using SemDepth.Images;

namespace SemDepth.Methods;

/// <summary>Remembers a predictor's maps per image set and index list, so that an evaluation that scores
/// a method raw and post-processed runs the networks once.</summary>
public sealed class MemoPredictor(IDepthPredictor inner) : IDepthPredictor
{
    readonly List<(ImageSet Set, int[] Idx, byte[] Maps)> _seen = [];
    public string Name => inner.Name;
    public OutputHealth? Health => inner.Health;

    public byte[] Predict(ImageSet sem, IReadOnlyList<int> idx)
    {
        foreach (var (set, ids, maps) in _seen)
            if (ReferenceEquals(set, sem) && ids.AsSpan().SequenceEqual(idx.ToArray()))
                return (byte[])maps.Clone(); // callers may post-process in place
        var m = inner.Predict(sem, idx);
        _seen.Add((sem, idx.ToArray(), (byte[])m.Clone()));
        return m;
    }
}

/// <summary>Remembers a case predictor's answers per image set and index list.</summary>
public sealed class MemoCases(ICasePredictor inner) : ICasePredictor
{
    readonly List<(ImageSet Set, int[] Idx, int[] Cases)> _seen = [];

    public int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx)
    {
        foreach (var (set, ids, cases) in _seen)
            if (ReferenceEquals(set, sem) && ids.AsSpan().SequenceEqual(idx.ToArray()))
                return cases;
        var c = inner.PredictCases(sem, idx);
        _seen.Add((sem, idx.ToArray(), c));
        return c;
    }
}
