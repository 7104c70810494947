namespace SemDepth.Methods;

/// <summary>The one-to-one assignment of retrieval's queries to library maps (<see cref="RetrievalOptions.OneToOne"/>),
/// over candidates already searched: a pure function of the cosines, so it is tested without a library.</summary>
public static class OneToOneAssignment
{
    /// <summary>
    /// Greedy one-to-one assignment: every (query, candidate) pair in order of falling cosine, a pair taken when
    /// neither its query nor its map is taken yet. Queries left without a map (all their candidates taken) get
    /// the best free map of <paramref name="everyKey"/> (positions of the left queries -> the keys of their case, best
    /// first); a map serves twice only when none of those is free. Maps in <paramref name="taken"/> are not free (the
    /// truths of confirmed train sites), unless nothing else is left for a query. A key other than a query's best is
    /// a candidate only within <paramref name="slack"/> of it (<see cref="RetrievalOptions.AssignSlack"/>): a query
    /// with none free keeps its best, shared (without the wide search when its last candidate is already too far).
    /// <paramref name="rivals"/>: the candidates of other images whose truths are maps of the same library (train
    /// images of unconfirmed sites): they take part in the greedy pass, so a map one of them holds more strongly
    /// goes to it, but get no result and no wide search.
    /// </summary>
    public static Match[] Assign(
        Match[][] candidates,
        Func<int[], Match[][]> everyKey,
        IReadOnlySet<int>? taken = null,
        double slack = double.PositiveInfinity,
        IReadOnlyList<Match[]>? rivals = null
    )
    {
        int n = candidates.Length;
        var rows = rivals is { Count: > 0 } ? [.. candidates, .. rivals] : candidates;
        // infinity is strictly one-to-one, also for a best key of cosine 1 (infinity times 0 would be NaN)
        bool Near(int q, Match m) =>
            double.IsPositiveInfinity(slack) || 1 - m.Cosine <= (1 + slack) * (1 - rows[q][0].Cosine);
        var result = new Match?[rows.Length];
        var used = new HashSet<int>(taken ?? new HashSet<int>());
        var pairs = new List<(float Cosine, int Query, int Rank)>();
        for (int q = 0; q < rows.Length; q++)
        for (int j = 0; j < rows[q].Length; j++)
            if (j == 0 || Near(q, rows[q][j]))
                pairs.Add((rows[q][j].Cosine, q, j));
        pairs.Sort(
            (a, b) =>
                a.Cosine != b.Cosine ? b.Cosine.CompareTo(a.Cosine)
                : a.Query != b.Query ? a.Query.CompareTo(b.Query)
                : a.Rank.CompareTo(b.Rank)
        );
        foreach (var (_, q, j) in pairs)
        {
            var m = rows[q][j];
            if (result[q] is null && !used.Contains(m.Key))
            {
                result[q] = m;
                used.Add(m.Key);
            }
        }
        // a query whose last candidate is already too far has no near key outside its candidates either (they come
        // best first): it keeps its best, and only the others search the whole case
        foreach (int q in Enumerable.Range(0, n).Where(q => result[q] is null && !Near(q, candidates[q][^1])))
            result[q] = candidates[q][0];
        var left = Enumerable.Range(0, n).Where(q => result[q] is null).ToArray();
        if (left.Length > 0)
        {
            var wide = everyKey(left);
            for (int k = 0; k < left.Length; k++)
            {
                int q = left[k];
                var free = wide[k].FirstOrDefault(m => !used.Contains(m.Key) && Near(q, m), candidates[q][0]);
                result[q] = free;
                used.Add(free.Key);
            }
        }
        return result.Take(n).Select(m => m!.Value).ToArray();
    }
}
