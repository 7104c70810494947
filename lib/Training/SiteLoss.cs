using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>
/// The one real-domain label of the competition, average_depth.csv, as a training signal: a site's
/// value is the mean over its images of each depth map's mean padded with its case's plateau pixels
/// (750/1,100/1,450/1,800 pixels at 130/140/150/160, <see cref="Cases.PaddedMean"/>).
/// </summary>
public static class SiteLoss
{
    /// <summary>Mean padded depth (unit scale, 0-1) of each site in a batch: <paramref name="pred"/> is
    /// (N, 1, 72, 48) in 0-1, <paramref name="cases"/> the case of each image, <paramref name="site"/> its
    /// site's position 0..<paramref name="sites"/>-1 in the batch. Differentiable.</summary>
    public static Tensor PaddedSiteMeans(Tensor pred, IReadOnlyList<int> cases, IReadOnlyList<int> site, int sites)
    {
        int n = cases.Count;
        if (site.Count != n || pred.shape[0] != n)
            throw new ArgumentException($"{pred.shape[0]} predictions, {n} cases, {site.Count} sites");
        var dev = pred.device;
        float px = Geometry.Pixels;
        var pad = tensor(cases.Select(c => (float)Cases.PlateauPadding(c)).ToArray(), device: dev);
        var plateau = tensor(cases.Select(c => Cases.Plateau(c) / 255f).ToArray(), device: dev);
        using Scalar pixels = px; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        var padded = (pred.reshape(n, -1).mean([1]) * pixels).Plus(pad * plateau) / pad.Plus(pixels); // (N)
        // average per site through a (sites, N) matrix of 1/count
        var counts = new int[sites];
        foreach (int s in site)
            counts[s]++;
        var w = new float[sites * n];
        for (int i = 0; i < n; i++)
            w[site[i] * n + i] = 1f / counts[site[i]];
        return tensor(w, [sites, n], device: dev).matmul(padded);
    }

    /// <summary>L1 between the batch's padded site means and the sites' CSV values (0-255), on the unit
    /// scale.</summary>
    public static Tensor L1(Tensor pred, IReadOnlyList<int> cases, IReadOnlyList<int> site, IReadOnlyList<double> csv)
    {
        var means = PaddedSiteMeans(pred, cases, site, csv.Count);
        var target = tensor(csv.Select(v => (float)(v / 255)).ToArray(), device: pred.device);
        return (means - target).abs().mean();
    }

    /// <summary>The mean depth of a site's maps themselves (0-255) that a CSV value implies: the padding
    /// removed.</summary>
    public static double UnpaddedCsv(int c, double csv)
    {
        double pad = Cases.PlateauPadding(c);
        return (csv * (Geometry.Pixels + pad) - pad * Cases.Plateau(c)) / Geometry.Pixels;
    }

    /// <summary>Least-squares y ≈ a·x + b (the published variant's map from predicted to CSV site
    /// averages); a = 1, b = mean(y - x) when the x do not vary.</summary>
    public static (double A, double B) FitAffine(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count || x.Count == 0)
            throw new ArgumentException($"{x.Count} predictions, {y.Count} targets");
        double mx = x.Average(),
            my = y.Average(),
            sxx = 0,
            sxy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
        }
        if (sxx < 1e-9)
            return (1, my - mx);
        double a = sxy / sxx;
        return (a, my - a * mx);
    }
}
