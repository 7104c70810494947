using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Methods;

/// <summary>
/// The approximate search's index of one case: an orthonormal basis of the top <c>m</c> directions of the keys
/// (a randomized range finder, 4 power iterations, over a sample of at most 4,096 keys), the keys projected onto it
/// and split into k-means lists (an inverted file: 10 Lloyd iterations on the projections), stored list by list.
/// </summary>
internal sealed class ApproximateIndex : IDisposable
{
    public required Tensor Basis { get; init; } // (D, m)
    public required Tensor Projected { get; init; } // (K, m), rows in list order
    public required Tensor Centres { get; init; } // (L, m)
    public required int[] Start { get; init; } // list l holds rows Start[l]..Start[l + 1] - 1 (list order)
    public required long[] Row { get; init; } // list order -> key row
    public int Lists => Start.Length - 1;

    /// <summary>Every key scored in the subspace, best over the shifts: the top <paramref name="cand"/> key rows (n,
    /// C).</summary>
    public (Tensor Rows, Tensor? Valid) ScanAll(Tensor qp, int cand)
    {
        var approx = OpenBlas.TimesTransposed(qp, Projected); // (S, n, K), list order: wide, OpenBLAS's
        var top = approx.amax([0L]).topk(cand, 1).indexes; // (n, C)
        using var row = torch.tensor(Row, device: qp.device);
        return (row.index_select(0, top.flatten()).reshape(top.shape), null);
    }

    /// <summary>The inverted-file scan: each query's best <paramref name="probes"/> lists (centre scores, best over
    /// the shifts), the keys of those lists scored in the subspace at every shift, the top <paramref name="cand"/>
    /// key rows (n, C) and which of them are real (a query whose lists hold fewer keys is padded).</summary>
    public (Tensor Rows, Tensor? Valid) ScanLists(Tensor qp, int probes, int cand)
    {
        int n = (int)qp.shape[1];
        var coarse = OpenBlas.TimesTransposed(qp, Centres).amax([0L]); // (n, L)
        var probe = coarse.topk(probes, 1).indexes.cpu().data<long>().ToArray(); // (n, P)
        var byList = new List<int>[Lists];
        for (int j = 0; j < n; j++)
        for (int t = 0; t < probes; t++)
            (byList[(int)probe[j * probes + t]] ??= []).Add(j);
        var found = new List<(float Score, long Row)>[n];
        for (int j = 0; j < n; j++)
            found[j] = new List<(float, long)>(probes * cand);
        for (int l = 0; l < Lists; l++)
        {
            int size = Start[l + 1] - Start[l];
            if (byList[l] is not { } who || size == 0)
                continue;
            using var scope = torch.NewDisposeScope();
            using var who_ = torch.tensor(who.Select(j => (long)j).ToArray(), device: qp.device);
            var members = Projected.narrow(0, Start[l], size); // (|l|, m)
            // (|who|, |l|): values only, as in Exact
            var scores = OpenBlas.TimesTransposed(qp.index_select(1, who_), members).amax([0L]);
            int keep = Math.Min(cand, size);
            var (val, pos) = scores.topk(keep, 1);
            var v = val.cpu().data<float>().ToArray();
            var p = pos.cpu().data<long>().ToArray();
            for (int w = 0; w < who.Count; w++)
            for (int t = 0; t < keep; t++)
                found[who[w]].Add((v[w * keep + t], Row[Start[l] + p[w * keep + t]]));
        }
        var rows = new long[n * cand];
        var valid = new bool[n * cand];
        for (int j = 0; j < n; j++)
        {
            var best = found[j].OrderByDescending(f => f.Score).Take(cand).ToList();
            for (int t = 0; t < cand; t++)
            {
                valid[j * cand + t] = t < best.Count;
                rows[j * cand + t] =
                    t < best.Count ? best[t].Row
                    : best.Count > 0 ? best[0].Row
                    : 0;
            }
        }
        return (torch.tensor(rows, [n, cand], device: qp.device), torch.tensor(valid, [n, cand], device: qp.device));
    }

    public static ApproximateIndex Build(Tensor keys, RetrievalOptions o)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long k = keys.shape[0],
            dim = keys.shape[1];
        var sample =
            k <= 4096 ? keys : keys.index_select(0, torch.randperm(k, device: keys.device).slice(0, 0, 4096, 1));
        int m = (int)Math.Min(o.Components, Math.Min(sample.shape[0], dim));
        var y = torch.randn(dim, m + 8, device: keys.device);
        for (int it = 0; it < 4; it++)
        {
            y = sample.t().mm(sample.mm(y)); // (D, m + 8)
            (y, _) = torch.linalg.qr(y);
        }
        var basis = y.slice(1, 0, m, 1).contiguous(); // (D, m)
        var projected = keys.mm(basis); // (K, m)
        int lists = (int)Math.Clamp(o.Lists > 0 ? o.Lists : (long)Math.Round(Math.Sqrt(k)), 1, k);
        var centres = projected.index_select(0, torch.randperm(k, device: keys.device).slice(0, 0, lists, 1)).clone();
        Tensor assign = torch.zeros(k, dtype: ScalarType.Int64, device: keys.device);
        using Scalar two = 2,
            half = 0.5,
            alpha = 1.0,
            zero = 0,
            one = 1; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        for (int it = 0; it < (lists > 1 ? 10 : 0); it++)
        {
            // nearest centre: argmax of p.c - |c|^2 / 2
            assign = projected.mm(centres.t()).sub_(centres.pow(two).sum(1).mul(half)).argmax(1);
            var sums = torch.zeros(lists, m, device: keys.device).index_add_(0, assign, projected, alpha);
            var counts = torch.bincount(assign, minlength: lists).to(ScalarType.Float32).unsqueeze(1);
            // an empty list keeps its centre
            centres = torch.where(counts > zero, sums / counts.clamp_min(one), centres);
        }
        var order = assign.argsort();
        var counts1 = torch.bincount(assign, minlength: lists).cpu().data<long>().ToArray();
        var start = new int[lists + 1];
        for (int l = 0; l < lists; l++)
            start[l + 1] = start[l] + (int)counts1[l];
        return new ApproximateIndex
        {
            Basis = basis.MoveToOuterDisposeScope(),
            Projected = projected.index_select(0, order).contiguous().MoveToOuterDisposeScope(),
            Centres = centres.contiguous().MoveToOuterDisposeScope(),
            Start = start,
            Row = order.cpu().data<long>().ToArray(),
        };
    }

    public void Dispose()
    {
        Basis.Dispose();
        Projected.Dispose();
        Centres.Dispose();
    }
}
