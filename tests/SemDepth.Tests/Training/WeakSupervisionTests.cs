using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Training;
using TorchSharp;
using Xunit;

namespace SemDepth.Tests;

/// <summary>The site-average loss, the affine refit, the error split and the weakly supervised trainer.</summary>
[Collection("tiny")]
public class WeakSupervisionTests(TinyData tiny)
{
    [Fact]
    public void PaddedSiteMeanLossMatchesAHandComputedValue()
    {
        // two sites: site 0 = two case-1 images of constant 100 and 120 (0-255); site 1 = one case-4 image of constant
        // 60
        var maps = new[] { 100f, 120f, 60f }.Select(v => torch.full(1, 1, 72, 48, v / 255f)).ToArray();
        var pred = torch.cat(maps, 0);
        int[] cases = [1, 1, 4],
            site = [0, 0, 1];
        double Padded(int c, double mean) =>
            (mean * 3456 + Cases.PlateauPadding(c) * Cases.Plateau(c)) / (3456.0 + Cases.PlateauPadding(c));
        double site0 = (Padded(1, 100) + Padded(1, 120)) / 2,
            site1 = Padded(4, 60);
        // by hand: case 1 pads 750 px at 140, case 4 pads 1,800 px at 170
        Assert.Equal((100 * 3456 + 750 * 140) / 4206.0, Padded(1, 100), 9);
        var means = SiteLoss.PaddedSiteMeans(pred, cases, site, 2).data<float>().ToArray();
        Assert.Equal(site0 / 255, means[0], 5);
        Assert.Equal(site1 / 255, means[1], 5);
        double[] csv = [site0 + 3, site1 - 5]; // errors of 3 and 5 on the 0-255 scale
        double loss = SiteLoss.L1(pred, cases, site, csv).item<float>();
        Assert.Equal((3 + 5) / 2.0 / 255, loss, 5);
        // and it has a gradient that moves the maps the right way
        var p = pred.clone().requires_grad_(true);
        SiteLoss.L1(p, cases, site, csv).backward();
        var g = p.grad!.reshape(3, -1).mean([1]).data<float>().ToArray();
        // site 0 too shallow -> raise; site 1 too deep -> lower
        Assert.True(g[0] < 0 && g[1] < 0 && g[2] > 0, string.Join(", ", g));
    }

    [Fact]
    public void AffineRefitRecoversAKnownMapAndUnpaddingInvertsThePadding()
    {
        double[] x = [80, 95, 101, 120, 133];
        var y = x.Select(v => 1.25 * v - 7).ToArray();
        var (a, b) = SiteLoss.FitAffine(x, y);
        Assert.Equal(1.25, a, 9);
        Assert.Equal(-7, b, 9);
        Assert.Equal((1.0, 4.0), SiteLoss.FitAffine([5, 5, 5], [9, 9, 9])); // no spread: a shift
        foreach (int c in Cases.All)
            Assert.Equal(97.5, SiteLoss.UnpaddedCsv(c, Cases.PaddedMean(c, 97.5)), 9);
    }

    [Fact]
    public void PlateauAndHoleRmseAddBackToTheTotal()
    {
        var rnd = new Random(5);
        int n = 6;
        int[] cases = [1, 2, 3, 4, 2, 1];
        var truth = new byte[n * 3456];
        var pred = new byte[n * 3456];
        for (int k = 0; k < n; k++)
        for (int i = 0; i < 3456; i++)
        {
            int j = k * 3456 + i;
            truth[j] = (byte)(i % 3 == 0 ? Cases.Plateau(cases[k]) : rnd.Next(40, 120));
            pred[j] = (byte)Math.Clamp(truth[j] + rnd.Next(-9, 10) + (i % 3 == 0 ? 4 : 0), 0, 255);
        }
        var s = Metrics.Split(pred, truth, cases, worst: 2);
        Assert.Equal(Metrics.Rmse(pred, truth), s.Total, 9);
        Assert.Equal(
            s.Total * s.Total * (s.PlateauPixels + s.HolePixels),
            s.Plateau * s.Plateau * s.PlateauPixels + s.Hole * s.Hole * s.HolePixels,
            6
        );
        Assert.Equal(n * 1152, s.PlateauPixels);
        Assert.True(s.Plateau > s.Hole); // the planted +4 bias on plateau pixels
        Assert.Equal(2, s.Worst.Length);
        Assert.Equal(s.PerImage.Max(), s.PerImage[s.Worst[0]]);
        Assert.InRange(s.MedianImage, s.PerImage.Min(), s.P90Image);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void WeakTrainerNeverSeesHeldOutSitesLogsItsSiteMaeAndResumes()
    {
        using var d = SemData.Open(tiny.Root);
        string runs = Path.Combine(tiny.Scratch, "runs-weak");
        var unet = DepthOptions.UNet with
        {
            Name = "unet-sim",
            Epochs = 1,
            Width = 8,
            BatchSize = 16,
            MaxTrainImages = 64,
        };
        using (var sim = new DepthTrainer(unet, d, Path.Combine(runs, "unet-sim")))
            sim.Fit();
        {
            var weak = DepthOptions.WeakUNet with
            {
                InitFrom = Path.Combine(runs, "unet-sim"),
                Width = 8,
                BatchSize = 16,
                MaxTrainImages = 64,
                Epochs = 2,
                SitesPerBatch = 3,
                ImagesPerSite = 2,
            };
            using var t = new DepthTrainer(weak, d, Path.Combine(runs, "weak"));
            var held = t.HeldOutImages.ToHashSet();
            Assert.NotEmpty(held);
            Assert.DoesNotContain(t.SupervisedSites.SelectMany(s => s.Images), held.Contains);
            for (int e = 1; e <= 3; e++)
            for (int b = 0; b < 10; b++)
            {
                var batch = t.SiteBatch(e, b);
                Assert.Equal(6, batch.Images.Length);
                Assert.DoesNotContain(batch.Images, held.Contains);
                Assert.All(batch.Images, i =>
                    Assert.Equal(d.DataSet.Train[i].Case, batch.Cases[Array.IndexOf(batch.Images, i)])
                );
            }
            Assert.Equal(t.SiteBatch(2, 3).Images, t.SiteBatch(2, 3).Images); // deterministic for resume
            t.Fit(untilEpoch: 1);
            var header = File.ReadAllLines(Path.Combine(t.RunDir, "metrics.csv"))[0].Split(',');
            Assert.Contains("site_mae_heldout", header);
            Assert.Contains("site_loss", header);
            Assert.Equal("U-Net (sim + site averages)", DepthTrainer.MethodName(t.Options));
            double mae = t.HeldOutSiteMae();
            Assert.True(mae > 0 && mae < 255, mae.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var resumed = DepthTrainer.Resume(Path.Combine(runs, "weak"), d);
        Assert.Equal(1, resumed.Epoch);
        resumed.Fit();
        Assert.Equal(2, resumed.Epoch);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(resumed.RunDir, "metrics.csv")).Length);
    }

    [Fact]
    public void AffineVariantAndItrMeanTrainAndBadOptionsAreNamed()
    {
        using var d = SemData.Open(tiny.Root);
        string runs = Path.Combine(tiny.Scratch, "runs-affine");
        var opts = DepthOptions.UNet with
        {
            Name = "affine",
            Width = 8,
            BatchSize = 16,
            MaxTrainImages = 48,
            Epochs = 1,
            SiteWeight = 1,
            SiteTarget = SiteTarget.Affine,
            SimInput = SimInput.Mean,
            SitesPerBatch = 2,
            ImagesPerSite = 2,
        };
        using (var t = new DepthTrainer(opts, d, Path.Combine(runs, "affine")))
        {
            var h = t.Fit();
            Assert.True(double.IsFinite(h[0].TrainL1));
            Assert.NotEqual((1.0, 0.0), t.Affine); // refitted at the epoch's start
            Assert.Equal("U-Net (sim + affine site targets, itr mean)", DepthTrainer.MethodName(t.Options));
        }
        Assert.Throws<ArgumentException>(() =>
            new DepthTrainer(opts with { SiteTarget = (SiteTarget)9 }, d, Path.Combine(runs, "bad1"))
        );
        Assert.Throws<ArgumentException>(() =>
            new DepthTrainer(opts with { Source = PairSource.RealTruth }, d, Path.Combine(runs, "bad2"))
        );
        var missing = Assert.Throws<InvalidOperationException>(() =>
            new DepthTrainer(opts with { InitFrom = "no-such-run" }, d, Path.Combine(runs, "bad3"))
        );
        Assert.Contains("no-such-run", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOracleBeatenByARegressionMethodIsMarkedInvalid()
    {
        var rows = new List<EvalRow>
        {
            new("oracle U-Net (real truth)", "RMSE", Evaluator.TestSplit, 8.4, 10),
            new("CycleGAN pipeline + post-processing", "RMSE", Evaluator.TestSplit, 7.7, 10),
            new("retrieval (restyled)", "RMSE", Evaluator.TestSplit, 2.0, 10),
            new("AE baseline", "RMSE", Evaluator.TestSplit, 15.6, 10),
        };
        Assert.Equal("CycleGAN pipeline + post-processing", OracleFloor.BeatenBy(rows));
        var marked = OracleFloor.Mark(rows);
        Assert.Contains(marked, r =>
            r.Method.StartsWith("oracle", StringComparison.Ordinal)
            && r.Method.Contains("INVALID", StringComparison.Ordinal)
        );
        Assert.True(double.IsNaN(DomainShift.GapClosed(marked)));
        // retrieval below the oracle is allowed; then the gap is a fraction
        rows[1] = rows[1] with { Value = 9.0 };
        Assert.Null(OracleFloor.BeatenBy(rows));
        Assert.Equal((15.6 - 9.0) / (15.6 - 8.4), DomainShift.GapClosed(rows), 9);
    }
}
