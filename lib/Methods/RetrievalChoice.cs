using SemDepth.Data;
using SemDepth.Images;

namespace SemDepth.Methods;

/// <summary>One way of turning retrieval's matches into maps, scored on the held-out train sites.</summary>
public sealed record RetrievalChoiceRow(bool ShiftBack, bool OneToOne, double SiteMae)
{
    public string Describe() =>
        (OneToOne ? "one-to-one assignment" : "each query its own top-1")
        + (ShiftBack ? ", map shifted back" : ", map unshifted");
}

/// <summary>
/// Lets the user's data decide how retrieval places its matches, the way <c>auto</c> decides between methods: by the
/// site-average MAE against average_depth.csv on the held-out train sites, the one figure a real-download user can
/// compute. Compared: the found map shifted back into the query's frame or returned as it is (the winners'), and each
/// query's own top-1 or the one-to-one assignment (<see cref="RetrievalOptions.OneToOne"/>). One search of the sample
/// serves all four. The map's place is invisible to the site averages (a circular shift keeps every depth value of a
/// map whose border is plateau), so those two rows always tie, and a tie keeps what the options say.
/// </summary>
public static class RetrievalChoice
{
    /// <summary>The placement with <paramref name="search"/>'s library and cases; it remembers the held-out matches of
    /// both kinds, so the chosen predictor (<see cref="RetrievalPredictor.Placed"/>) scores those sites again for
    /// free.</summary>
    public static (RetrievalOptions Chosen, IReadOnlyList<RetrievalChoiceRow> Rows) Choose(
        RetrievalPredictor search,
        SemData d,
        IReadOnlyList<int> heldOutSample
    )
    {
        var o = search.Library.Options;
        var candidates = search.Candidates(d.Train, heldOutSample); // the assignment's search, done once
        var own = candidates.Select(c => c[0]).ToArray();
        // the other train sites' confirmed maps taken first, as a test prediction takes them
        var assigned = search.Assign(d.Train, heldOutSample, candidates);
        search.Remember(d.Train, heldOutSample, false, own);
        search.Remember(d.Train, heldOutSample, true, assigned);
        var rows = new List<RetrievalChoiceRow>();
        bool[] shiftBacks = o.MaxShift > 0 ? [false, true] : [o.ShiftBack];
        foreach (bool oneToOne in new[] { false, true })
        foreach (bool shiftBack in shiftBacks)
        {
            var matches = oneToOne ? assigned : own;
            var maps = new byte[matches.Length * Geometry.Pixels];
            for (int q = 0; q < matches.Length; q++)
                search.Place(matches[q], maps.AsSpan(q * Geometry.Pixels, Geometry.Pixels), shiftBack);
            rows.Add(new RetrievalChoiceRow(shiftBack, oneToOne, SiteAverages.Mae(d.DataSet, heldOutSample, maps)));
        }
        // Shifting a map back rolls it circularly and its border is plateau: it moves no depth value off the map,
        // so the site averages cannot tell the two apart (their rows tie exactly). Ties keep the options' own choice.
        double min = rows.Where(r => !double.IsNaN(r.SiteMae)).Select(r => r.SiteMae).DefaultIfEmpty(double.NaN).Min();
        var best = rows.Where(r => r.SiteMae <= min + 1e-9)
            .OrderBy(r => r.OneToOne == o.OneToOne ? 0 : 1)
            .ThenBy(r => r.ShiftBack == o.ShiftBack ? 0 : 1)
            .FirstOrDefault()
            ?? rows.First(r => r.OneToOne == o.OneToOne && r.ShiftBack == o.ShiftBack);
        return (o with { ShiftBack = best.ShiftBack, OneToOne = best.OneToOne }, rows);
    }
}
