namespace SemDepth.Data;

/// <summary>Validation splits that never leak: simulated by &lt;base&gt; (so itr0/itr1 and the same hole in
/// other cases stay together), train by site.</summary>
public static class Splits
{
    /// <summary>Simulated SEM indices (into <see cref="SemData.SimSem"/>) for training and validation.</summary>
    public static (int[] Train, int[] Val) SimByBase(DaconDataSet set, double valFraction, int seed)
    {
        var bases = set.Sim.Select(p => p.Base).Distinct().Order(StringComparer.Ordinal).ToList();
        var order = Batches.Shuffled(Enumerable.Range(0, bases.Count).ToArray(), seed, -1);
        int nVal = (int)Math.Round(bases.Count * valFraction);
        var valBases = order.Take(nVal).Select(i => bases[i]).ToHashSet(StringComparer.Ordinal);
        var train = new List<int>();
        var val = new List<int>();
        for (int i = 0; i < set.Sim.Count; i++)
        {
            var dst = valBases.Contains(set.Sim[i].Base) ? val : train;
            dst.Add(2 * i);
            dst.Add(2 * i + 1);
        }
        return (train.ToArray(), val.ToArray());
    }

    /// <summary>Train image indices split by site.</summary>
    public static (int[] Train, int[] Val) TrainBySite(DaconDataSet set, double valFraction, int seed)
    {
        var sites = set.Train.Select(t => t.SiteKey).Distinct().Order(StringComparer.Ordinal).ToList();
        var order = Batches.Shuffled(Enumerable.Range(0, sites.Count).ToArray(), seed, -2);
        var valSites = order
            .Take((int)Math.Round(sites.Count * valFraction))
            .Select(i => sites[i])
            .ToHashSet(StringComparer.Ordinal);
        var train = new List<int>();
        var val = new List<int>();
        for (int i = 0; i < set.Train.Count; i++)
            (valSites.Contains(set.Train[i].SiteKey) ? val : train).Add(i);
        return (train.ToArray(), val.ToArray());
    }

    /// <summary>The held-out sites every trainer that learns from real train images leaves out and every table
    /// reports: <see cref="TrainBySite"/> with this fraction and seed (the classifier's, the oracle's and the weakly
    /// supervised network's defaults).</summary>
    public const double HeldOutFraction = 0.2;
    public const int HeldOutSeed = 41;

    /// <summary>The train images of the held-out sites (<see cref="HeldOutFraction"/>, <see
    /// cref="HeldOutSeed"/>).</summary>
    public static int[] HeldOut(DaconDataSet set) => TrainBySite(set, HeldOutFraction, HeldOutSeed).Val;

    /// <summary>The keys of the held-out sites.</summary>
    public static HashSet<string> HeldOutSites(DaconDataSet set) =>
        HeldOut(set).Select(i => set.Train[i].SiteKey).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whole sites among train images <paramref name="idx"/>, in a seeded random order of sites, until at
    /// least
    /// <paramref name="cap"/> images (all of them when they are fewer); sorted.</summary>
    public static int[] WholeSites(DaconDataSet set, IReadOnlyList<int> idx, int cap)
    {
        if (cap <= 0 || cap >= idx.Count)
            return [.. idx.Order()];
        var bySite = idx.GroupBy(i => set.Train[i].SiteKey, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var chosen = new List<int>();
        foreach (int s in Batches.Shuffled(Enumerable.Range(0, bySite.Count).ToArray(), HeldOutSeed, -5))
        {
            if (chosen.Count >= cap)
                break;
            chosen.AddRange(bySite[s]);
        }
        chosen.Sort();
        return [.. chosen];
    }
}
