using SemDepth.Data;
using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>One training step: its host buffers, the batches it fills and the weakly supervised loss.</summary>
public sealed partial class DepthTrainer
{
    /// <summary>Host buffers of one step's batches, reused across the epoch's steps.</summary>
    sealed class StepBuffers(int sim, int real, bool mean, bool affine) : IDisposable
    {
        public readonly Tensor X = Batches.HostBuffer(sim),
            Y = Batches.HostBuffer(sim);
        public readonly Tensor? X2 = mean ? Batches.HostBuffer(sim) : null;
        public readonly Tensor? Real = real > 0 ? Batches.HostBuffer(real) : null;
        public readonly Tensor? RealTarget = real > 0 && affine ? Batches.HostBuffer(real) : null;

        public void Dispose()
        {
            X.Dispose();
            Y.Dispose();
            X2?.Dispose();
            Real?.Dispose();
            RealTarget?.Dispose();
        }
    }

    /// <summary>One epoch of optimiser steps over <paramref name="order"/>; the images and batches seen and the mean
    /// losses.</summary>
    (int Images, int Batches, double Loss, double SiteLoss) TrainEpoch(
        int epoch,
        int[] order,
        FiniteGuard guard,
        IProgress<TrainProgress>? progress
    )
    {
        Model.train();
        using var lossSum = new LossSum();
        using var siteSum = new LossSum();
        if (AffineTargets)
            RefitAffine();
        int bs = Options.BatchSize;
        int nb = order.Length / bs; // drop the last partial batch: BatchNorm wants > 1 sample
        if (nb == 0)
        {
            nb = 1;
            bs = order.Length;
        }
        using var buffers = new StepBuffers(
            bs,
            Weak ? Options.SitesPerBatch * Options.ImagesPerSite : 0,
            MeanInput,
            AffineTargets
        );
        for (int b = 0; b < nb; b++)
        {
            using var scope = torch.NewDisposeScope();
            var (x, y) = SimBatch(order.AsSpan(b * bs, bs), epoch, b, buffers);
            Tensor? siteLoss = null;
            var l = Inference.Step(Optimizer, () =>
            {
                if (!Weak)
                    return nn.functional.l1_loss(Model.forward(x), y);
                var (total, site) = WeakLoss(x, y, epoch, b, buffers);
                siteLoss = site;
                return total;
            });
            lossSum.Add(l);
            guard.Observe(b, "loss", l);
            if (siteLoss is not null)
            {
                siteSum.Add(siteLoss);
                guard.Observe(b, "site loss", siteLoss);
            }
            if (TrainProgress.Due(b, nb))
            {
                guard.ObserveGradients(b, Model.parameters());
                guard.Check(); // one host read, as the progress line's own
                progress?.Report(new TrainProgress(Options.Name, epoch, Options.Epochs, b + 1, nb, l.item<float>()));
            }
        }
        return (nb * bs, nb, lossSum.Mean, Weak ? siteSum.Mean : double.NaN);
    }

    /// <summary>A step's simulated inputs and depth targets on the device (augmented alike; itr0 and itr1 averaged
    /// when <see cref="DepthOptions.SimInput"/> says so).</summary>
    (Tensor X, Tensor Y) SimBatch(ReadOnlySpan<int> sIdx, int epoch, int b, StepBuffers buf)
    {
        var device = TorchDevice.Current;
        var tIdx = new int[sIdx.Length];
        for (int k = 0; k < sIdx.Length; k++)
            tIdx[k] = _depthIndex(sIdx[k]);
        var flips = Options.Augment ? Batches.RandomFlips(sIdx.Length, Options.Seed, epoch, b) : null;
        Batches.Fill(_sem, sIdx, Options.InputScale, flips, buf.X);
        Batches.Fill(_depth, tIdx, PixelScale.Unit, flips, buf.Y);
        Tensor x = OnDevice(buf.X); // (N, 1, 72, 48)
        if (MeanInput)
        {
            var partner = sIdx.ToArray().Select(i => i + 1).ToArray();
            Batches.Fill(_sem, partner, Options.InputScale, flips, buf.X2!);
            using Scalar two = 2; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
            x = x.Plus(OnDevice(buf.X2!)) / two;
        }
        return (x, OnDevice(buf.Y));
    }

    static Tensor OnDevice(Tensor host) =>
        TorchDevice.Current.type == DeviceType.CPU ? host : host.to(TorchDevice.Current);

    /// <summary>The weakly supervised loss: L1 on the simulated pairs plus <see cref="DepthOptions.SiteWeight"/> times
    /// the real images' term (their site averages, or the epoch's affine targets), in one forward pass so that
    /// BatchNorm sees both domains; the total and the site term (detached).</summary>
    (Tensor Total, Tensor Site) WeakLoss(Tensor x, Tensor y, int epoch, int b, StepBuffers buf)
    {
        int bs = (int)x.shape[0];
        var batch = SiteBatch(epoch, b);
        Batches.Fill(_data.Train, batch.Images, Options.InputScale, null, buf.Real!);
        var output = Model.forward(torch.cat([x, OnDevice(buf.Real!)], 0));
        var simOut = output[..bs];
        var realOut = output[bs..];
        Tensor site;
        if (AffineTargets)
        {
            Batches.Fill(
                _pseudo!,
                batch.Images.Select(i => _pseudoPos[i]).ToArray(),
                PixelScale.Unit,
                null,
                buf.RealTarget!
            );
            site = nn.functional.l1_loss(realOut, OnDevice(buf.RealTarget!));
        }
        else
            site = SiteLoss.L1(realOut, batch.Cases, batch.Site, batch.Csv);
        // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        using Scalar weight = Options.SiteWeight;
        return (nn.functional.l1_loss(simOut, y).Plus(site * weight), site.detach());
    }
}
