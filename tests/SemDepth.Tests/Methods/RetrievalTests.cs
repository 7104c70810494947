using SemDepth.Data;
using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Models;
using SemDepth.Torch;
using SemDepth.Translation;
using TorchSharp;
using Xunit;

namespace SemDepth.Tests;

[Collection("tiny")]
public class RetrievalTests(TinyData tiny)
{
    sealed class FixedCases(int c) : ICasePredictor
    {
        public int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx) => idx.Select(_ => c).ToArray();
    }

    /// <summary>Twelve restyled keys of case 2 written as 8-bit images (z-scoring is affine-invariant, so
    /// an image that is an affine copy of a key is that restyled library image as a query would hold it).</summary>
    static (ImageSet Queries, int[] MapIndex) KeysAsImages(RetrievalLibrary lib)
    {
        var keys = lib.Keys(2).slice(0, 0, 12, 1).cpu().data<float>().ToArray(); // (12 * 3456) unit rows
        var maps = Enumerable.Range(0, 12).Select(r => lib.MapOf(2, r)).ToArray();
        var o = new byte[keys.Length];
        for (int k = 0; k < 12; k++)
        {
            var row = keys.AsSpan(k * Geometry.Pixels, Geometry.Pixels);
            float max = 0;
            foreach (var v in row)
                max = Math.Max(max, Math.Abs(v));
            for (int p = 0; p < row.Length; p++)
                o[k * Geometry.Pixels + p] = (byte)Math.Round(128 + 120 * row[p] / max);
        }
        return (new ImageSet(o), maps);
    }

    /// <summary>The default CycleGAN's networks, seeded and untrained, in evaluation mode (the properties
    /// tested hold for any generator).</summary>
    static CycleGanNets UntrainedNets(int seed)
    {
        torch.manual_seed(seed);
        var nets = CycleGanOptions.Default.CreateNets();
        nets.eval();
        return nets;
    }

    static byte[] Roll(ReadOnlySpan<byte> img, int dy, int dx)
    {
        var o = new byte[Geometry.Pixels];
        for (int y = 0; y < Geometry.Height; y++)
        for (int x = 0; x < Geometry.Width; x++)
        {
            int sy = ((y - dy) % Geometry.Height + Geometry.Height) % Geometry.Height;
            int sx = ((x - dx) % Geometry.Width + Geometry.Width) % Geometry.Width;
            o[y * Geometry.Width + x] = img[sy * Geometry.Width + sx];
        }
        return o;
    }

    [Fact]
    public void ARestyledLibraryImageFindsItselfAndAShiftedCopyAtTheRightShift()
    {
        _ = TorchDevice.Current;
        using var d = SemData.Open(tiny.Root);
        var nets = UntrainedNets(5);
        Func<int, ResnetGenerator> gen = _ => nets.GenSimToReal;
        using var lib = RetrievalLibrary.Build(
            d,
            gen,
            RetrievalOptions.RestyledKeys with
            {
                TopK = 2,
                MaxShift = 2,
                ShiftBack = false,
            }
        );
        Assert.Equal(d.DataSet.Sim.Count, lib.Count);
        var search = new RetrievalPredictor("retrieval", lib, d, new FixedCases(2));
        var (queries, maps) = KeysAsImages(lib);
        var idx = Enumerable.Range(0, queries.Count).ToList();
        var found = search.Search(queries, idx);
        for (int k = 0; k < maps.Length; k++)
        {
            Assert.Equal(maps[k], found[k][0].Key);
            Assert.Equal((0, 0), (found[k][0].ShiftRow, found[k][0].ShiftCol));
            Assert.True(found[k][0].Cosine > 0.999f, $"cosine {found[k][0].Cosine}");
            Assert.True(found[k][1].Cosine < found[k][0].Cosine);
        }
        // the depth map comes back verbatim
        var pred = search.Predict(queries, idx);
        Assert.Equal(d.SimDepth.ToArray(maps[3]), pred.AsSpan(3 * Geometry.Pixels, Geometry.Pixels).ToArray());
        // a query rolled by (+1, -2) is matched when the search rolls it back by (-1, +2)
        var shifted = new ImageSet(Roll(queries[4], 1, -2));
        var m = search.Search(shifted, [0])[0][0];
        Assert.Equal(maps[4], m.Key);
        Assert.Equal((-1, 2), (m.ShiftRow, m.ShiftCol));
        // returned unshifted (ShiftBack false, the winners' way) the map is the key's; rolled back it sits
        // where the query's hole is: the key's map rolled by (+1, -2), like the query
        Assert.Equal(d.SimDepth.ToArray(maps[4]), search.Predict(shifted, [0]).AsSpan(0, Geometry.Pixels).ToArray());
        using var back = RetrievalLibrary.Build(
            d,
            gen,
            RetrievalOptions.RestyledKeys with
            {
                MaxShift = 2,
                ShiftBack = true,
            }
        );
        var placed = new RetrievalPredictor("back", back, d, new FixedCases(2)).Predict(shifted, [0]);
        Assert.Equal(Roll(d.SimDepth[maps[4]], 1, -2), placed);
        Assert.NotEqual(d.SimDepth.ToArray(maps[4]), placed);
        // without shifts the unshifted image still finds itself
        using var noShift = RetrievalLibrary.Build(d, gen, RetrievalOptions.RestyledKeys with { MaxShift = 0 });
        Assert.Equal(
            maps,
            new RetrievalPredictor("0", noShift, d, new FixedCases(2))
                .Search(queries, idx)
                .Select(a => a[0].Key)
                .ToArray()
        );
        // the approximate search agrees on these, and all-case search finds the same keys
        var approx = search.Search(queries, idx, SearchMode.Approx);
        Assert.Equal(maps, approx.Select(a => a[0].Key).ToArray());
        var all = new RetrievalPredictor("all", lib, d, null);
        Assert.Equal(maps, all.Search(queries, idx).Select(a => a[0].Key).ToArray());
    }

    [Fact]
    public void ChunkingAndTopKDoNotChangeTheAnswer()
    {
        _ = TorchDevice.Current;
        using var d = SemData.Open(tiny.Root);
        var raw = new RetrievalOptions { Restyle = false, TranslateQueries = false };
        using var big = RetrievalLibrary.Build(d, null, raw);
        using var small = RetrievalLibrary.Build(d, null, raw with { ChunkMiB = 1, TopK = 3 });
        var idx = Enumerable.Range(0, d.Test.Count).ToList();
        var cases = new FixedCases(1);
        var a = new RetrievalPredictor("a", big, d, cases).Search(d.Test, idx);
        var b = new RetrievalPredictor("b", small, d, cases).Search(d.Test, idx);
        for (int q = 0; q < idx.Count; q++)
        {
            Assert.Equal(a[q][0].Key, b[q][0].Key);
            Assert.Equal(a[q][0].Cosine, b[q][0].Cosine, 4);
            Assert.Equal(3, b[q].Length);
            Assert.True(b[q][0].Cosine >= b[q][1].Cosine && b[q][1].Cosine >= b[q][2].Cosine);
            Assert.Equal(1, d.DataSet.Sim[b[q][2].Key].Case);
        }
        // the cosine is the Pearson correlation of the query and the key at the winning shift
        var rows = RetrievalLibrary.Normalize(torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 4));
        Assert.Equal(1.0, rows.norm().item<float>(), 5);
        Assert.Equal(0.0, rows.sum().item<float>(), 5);
    }

    [Fact]
    public void APerfectRestyleFindsTheReusedHolesExactly()
    {
        _ = TorchDevice.Current;
        using var d = SemData.Open(tiny.Root);
        var truthLib = d.TestLibrary!;
        int[] cases = d.TestCases!;
        // the crops sit off their maps: the search shifts the query, and the found map is the truth where it is
        using var lib = RetrievalLibrary.BuildPerfectRestyle(
            d,
            new RetrievalOptions { MaxShift = 2, ShiftBack = false }
        );
        Assert.Equal(d.DataSet.Sim.Count, lib.Count);
        var search = new RetrievalPredictor("ceiling", lib, d, new KnownCases(cases));
        var idx = Enumerable.Range(0, d.Test.Count).ToList();
        var found = search.Search(d.Test, idx);
        var reused = idx.Where(q => truthLib[q] >= 0).ToList();
        Assert.True(reused.Count >= d.Test.Count / 2, $"{reused.Count} reused holes of {d.Test.Count}");
        int hits = reused.Count(q => found[q][0].Key == truthLib[q]);
        Assert.True(hits >= 0.9 * reused.Count, $"perfect restyle found {hits} of {reused.Count}");
        // a found hole's prediction is its truth, byte for byte
        var pred = search.Predict(d.Test, idx);
        foreach (int q in reused.Where(q => found[q][0].Key == truthLib[q]))
            Assert.Equal(d.TestTruth!.ToArray(q), pred.AsSpan(q * Geometry.Pixels, Geometry.Pixels).ToArray());
        // the true key scores what the search found for it
        int first = reused.First(q => found[q][0].Key == truthLib[q]);
        Assert.Equal(found[first][0].Cosine, search.CosineWith(d.Test, first, cases[first], truthLib[first]), 4);
    }

    [Fact]
    public void APerfectRestyleWithTheWinnersSearchFindsMostMapsAndOneToOneNeverSharesOne()
    {
        _ = TorchDevice.Current;
        using var d = SemData.Open(tiny.Root);
        var truthLib = d.TestLibrary!;
        var idx = Enumerable.Range(0, d.Test.Count).ToList();
        using var lib = RetrievalLibrary.BuildPerfectRestyle(d, RetrievalOptions.RestyledKeys);
        var cases = new TrueCases(d);
        var own = new RetrievalPredictor("k = 1", lib, d, cases);
        var assigned = new RetrievalPredictor(
            "one-to-one",
            lib.WithSearch(lib.Options with { OneToOne = true, AssignSlack = double.PositiveInfinity }),
            d,
            cases
        );
        var top1 = own.Found(d.Test, idx).Select(f => f[0].Key).ToArray();
        var one = assigned.Found(d.Test, idx).Select(f => f[0].Key).ToArray();
        int Recall(int[] keys) => idx.Count(q => keys[q] == truthLib[q]);
        // tiny: 10 test images a case among 34 maps, every one a library map; measured 40 of 40 both ways (15 of 16
        // train sites confirmed, 90 maps taken)
        Assert.InRange(Recall(top1), 36, 40);
        Assert.True(Recall(one) >= Recall(top1), $"one-to-one {Recall(one)} < k = 1 {Recall(top1)}");
        Assert.Equal(one.Length, one.Distinct().Count()); // never one map for two test images
        // the train sites whose matched maps give their CSV average took their maps first: with perfect keys those
        // are train truths, never a test image's
        var confirmed = assigned.ConfirmedMaps([]);
        Assert.True(assigned.Confirmation.Confirmed > 0, assigned.Confirmation.ToString());
        Assert.Empty(confirmed.Intersect(truthLib));
        Assert.Empty(one.Intersect(confirmed));
        // a batch of the test set is a part of the one assignment over all of it
        var part = assigned.Found(d.Test, [5, 3]).Select(f => f[0].Key).ToArray();
        Assert.Equal(new[] { one[5], one[3] }, part);
        var pred = assigned.Predict(d.Test, idx);
        foreach (int q in idx.Where(q => one[q] == truthLib[q]))
            Assert.Equal(d.TestTruth!.ToArray(q), pred.AsSpan(q * Geometry.Pixels, Geometry.Pixels).ToArray());
        // neither confirmed sites nor train rivals: still one-to-one over the test images alone, over the same search,
        // and the test images get no fewer train images' truths than with both
        var bare = assigned.Reassigned(
            "bare",
            assigned.Library.Options with
            {
                TrainRivals = false,
                ConfirmTolerance = 0,
            }
        );
        var alone = bare.Found(d.Test, idx).Select(f => f[0].Key).ToArray();
        Assert.Equal(alone.Length, alone.Distinct().Count());
        var trainTruths = d.TrainLibrary!.ToHashSet();
        Assert.True(
            one.Count(trainTruths.Contains) <= alone.Count(trainTruths.Contains),
            $"with rivals {one.Count(trainTruths.Contains)} train truths, alone {alone.Count(trainTruths.Contains)}"
        );
    }

    [Fact]
    public void TranslatedQueriesNeedTheOtherGeneratorAndBothDirectionsAverageTheTwoCorrelations()
    {
        _ = TorchDevice.Current;
        using var d = SemData.Open(tiny.Root);
        var nets = UntrainedNets(6);
        var translate = new RetrievalOptions
        {
            Restyle = false,
            TranslateQueries = true,
            SmoothSigma = 0,
            MaxShift = 0,
        };
        Assert.Contains(
            "GenRealToSim",
            Assert.Throws<ArgumentException>(() => RetrievalLibrary.Build(d, null, translate)).Message
        );
        Assert.Contains(
            "GenRealToSim",
            Assert
                .Throws<ArgumentException>(() =>
                    RetrievalLibrary.Build(d, _ => nets.GenSimToReal, new RetrievalOptions())
                )
                .Message
        );
        Assert.Contains(
            "SmoothSigma",
            Assert.Throws<ArgumentException>(() => new RetrievalOptions { SmoothSigma = -1 }.Check()).Message
        );
        // a translated query is the generator's output z-scored, compared with the raw keys of its case
        using var lib = RetrievalLibrary.Build(d, null, translate, genRealToSim: _ => nets.GenRealToSim);
        var idx = Enumerable.Range(0, 8).ToList();
        var found = new RetrievalPredictor("t", lib, d, new FixedCases(3)).Search(d.Test, idx);
        using (torch.no_grad())
        {
            var fake = nets.GenRealToSim.forward(
                Batches.ToTensor(d.Test, idx.ToArray(), PixelScale.Symmetric, TorchDevice.Current)
            );
            var q = RetrievalLibrary.Normalize(fake.reshape(idx.Count, Geometry.Pixels));
            var scores = q.matmul(lib.Keys(3).t()); // (8, K)
            var best = scores.argmax(1).data<long>().ToArray();
            var bestScore = scores.max(1).values.data<float>().ToArray();
            for (int k = 0; k < idx.Count; k++)
            {
                Assert.Equal(lib.MapOf(3, (int)best[k]), found[k][0].Key);
                Assert.Equal(bestScore[k], found[k][0].Cosine, 4);
            }
        }
        // both directions (the default, smoothed): a key's score is the mean of its restyled-key and its
        // translated-query correlations, each with the same smoothing, at every shift
        var bothOptions = new RetrievalOptions { MaxShift = 1 };
        using var both = RetrievalLibrary.Build(
            d,
            _ => nets.GenSimToReal,
            bothOptions,
            genRealToSim: _ => nets.GenRealToSim
        );
        using var restyledOnly = RetrievalLibrary.Build(
            d,
            _ => nets.GenSimToReal,
            bothOptions with
            {
                TranslateQueries = false,
            }
        );
        using var translatedOnly = RetrievalLibrary.Build(
            d,
            null,
            bothOptions with
            {
                Restyle = false,
            },
            genRealToSim: _ => nets.GenRealToSim
        );
        Assert.Equal(2 * Geometry.Pixels, both.Keys(3).shape[1]);
        var pb = new RetrievalPredictor("both", both, d, new FixedCases(3));
        var pr = new RetrievalPredictor("r", restyledOnly, d, new FixedCases(3));
        var pt = new RetrievalPredictor("t", translatedOnly, d, new FixedCases(3));
        var top = pb.Search(d.Test, idx);
        for (int k = 0; k < idx.Count; k++)
        {
            var m = top[k][0];
            float r = pr.CosineWith(d.Test, idx[k], 3, m.Key),
                t = pt.CosineWith(d.Test, idx[k], 3, m.Key);
            // the score is the key's best over shifts; each part's own best over shifts is at least its value at that
            // shift
            Assert.True(Math.Abs(m.Cosine - pb.CosineWith(d.Test, idx[k], 3, m.Key)) < 1e-4, $"query {k}");
            Assert.True(m.Cosine <= (r + t) / 2 + 1e-4, $"query {k}: both {m.Cosine}, parts {r} {t}");
        }
        // without shifts the score is exactly the mean of the two parts
        var noShift = new RetrievalPredictor(
            "both0",
            both.WithSearch(bothOptions with { MaxShift = 0 }),
            d,
            new FixedCases(3)
        );
        var pr0 = new RetrievalPredictor(
            "r0",
            restyledOnly.WithSearch(bothOptions with { MaxShift = 0, TranslateQueries = false }),
            d,
            new FixedCases(3)
        );
        var pt0 = new RetrievalPredictor(
            "t0",
            translatedOnly.WithSearch(bothOptions with { MaxShift = 0, Restyle = false }),
            d,
            new FixedCases(3)
        );
        var top0 = noShift.Search(d.Test, idx);
        for (int k = 0; k < idx.Count; k++)
        {
            int key = top0[k][0].Key;
            Assert.Equal(
                (pr0.CosineWith(d.Test, idx[k], 3, key) + pt0.CosineWith(d.Test, idx[k], 3, key)) / 2,
                top0[k][0].Cosine,
                4
            );
        }
    }

    [Fact]
    public void TheInvertedFileScansOnlyItsProbedListsAndStillFindsKeys()
    {
        _ = TorchDevice.Current;
        using var d = SemData.Open(tiny.Root);
        var nets = UntrainedNets(5);
        var options = RetrievalOptions.RestyledKeys with
        {
            Search = SearchMode.Approx,
            Lists = 5,
            Probes = 2,
            Candidates = 4,
            Components = 8,
            MaxShift = 1,
        };
        using var lib = RetrievalLibrary.Build(d, _ => nets.GenSimToReal, options);
        var index = lib.Index(2);
        long keys = lib.Keys(2).shape[0];
        // the lists partition the case's keys
        Assert.Equal(5, index.Lists);
        Assert.Equal(keys, index.Start[^1]);
        Assert.Equal(Enumerable.Range(0, (int)keys).Select(i => (long)i), index.Row.Order());
        Assert.True(index.Start.Zip(index.Start.Skip(1)).All(p => p.First <= p.Second));
        // each list's projected rows are the keys of that list projected onto the basis
        using (torch.no_grad())
        {
            var expected = lib.Keys(2).index_select(0, torch.tensor(index.Row)).mm(index.Basis);
            Assert.True((expected - index.Projected).abs().max().item<float>() < 1e-4f);
        }
        // library images as queries (and shifted by one pixel) find their own keys while scanning 2 of 5 lists
        var (queries, maps) = KeysAsImages(lib);
        var search = new RetrievalPredictor("ivf", lib, d, new FixedCases(2));
        var idx = Enumerable.Range(0, queries.Count).ToList();
        var found = search.Search(queries, idx);
        Assert.Equal(maps, found.Select(f => f[0].Key).ToArray());
        var shifted = new ImageSet(Roll(queries[5], -1, 1));
        var m = search.Search(shifted, [0])[0][0];
        Assert.Equal((maps[5], 1, -1), (m.Key, m.ShiftRow, m.ShiftCol));
        // the score reported is the exact cosine of the key it names
        foreach (int q in new[] { 0, 7 })
            Assert.Equal(found[q][0].Cosine, search.CosineWith(queries, q, 2, found[q][0].Key), 4);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(2, -1)]
    [InlineData(-2, 2)]
    [InlineData(75, -50)] // more than a whole turn each way
    public void RollIntoIsTorchsRoll(int dy, int dx)
    {
        torch.manual_seed(17);
        using var src = torch.randn(3, 2, Geometry.Height, Geometry.Width);
        using var dst = torch.full(src.shape, float.NaN);
        RetrievalLibrary.RollInto(src, dst, dy, dx);
        using var expected = src.roll([dy, dx], [2, 3]);
        Assert.True(dst.eq(expected).all().item<bool>()); // a block left unwritten stays NaN, never equal
    }

    [Fact]
    public void SmoothingCommutesWithTheSearchShiftsAndKeepsTheMean()
    {
        _ = TorchDevice.Current;
        torch.manual_seed(3);
        var x = torch.rand(2, 1, Geometry.Height, Geometry.Width);
        var smooth = RetrievalLibrary.Smooth(x, 1.0);
        Assert.Equal(x.shape, smooth.shape);
        Assert.True(
            (smooth.roll([2, -1], [2, 3]) - RetrievalLibrary.Smooth(x.roll([2, -1], [2, 3]), 1.0))
                .abs()
                .max()
                .item<float>() < 1e-5f
        );
        Assert.Equal(x.mean().item<float>(), smooth.mean().item<float>(), 4); // the kernel sums to 1
        // white noise loses most of its variance
        Assert.True(smooth.std().item<float>() < 0.6f * x.std().item<float>());
        Assert.True(ReferenceEquals(x, RetrievalLibrary.Smooth(x, 0)));
    }

    /// <summary>The true case of train (their folder) and test images (hidden truth).</summary>
    sealed class TrueCases(SemData d) : ICasePredictor
    {
        public int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx) =>
            ReferenceEquals(sem, d.Train)
                ? idx.Select(i => d.DataSet.Train[i].Case).ToArray()
                : idx.Select(i => d.TestCases![i]).ToArray();
    }

    sealed class KnownCases(int[] cases) : ICasePredictor
    {
        public int[] PredictCases(ImageSet sem, IReadOnlyList<int> idx) => idx.Select(i => cases[i]).ToArray();
    }
}
