using SemDepth.Images;
using SemDepth.Methods;
using SemDepth.Training;
using SemDepth.Translation;
using SemDepth.Workspace;

namespace SemDepth.Job;

/// <summary>The work each notebook does at a run's caps, priced with the unit costs measured on this device: the parts
/// of <see cref="RunPlan.Estimate"/>, one method a notebook.</summary>
sealed class PlanWork
{
    readonly PlanCounts n;
    readonly UnitCosts c;
    readonly RunCaps caps;
    readonly RunPlan.SizeSet s;
    readonly DomainShiftOptions o;
    readonly DepthOptions ae;
    readonly int eT,
        eR,
        eS,
        cgSteps;
    readonly bool approx;
    readonly RetrievalOptions r = new();
    readonly double keysPerCase,
        uT,
        aT,
        kT,
        both,
        winners,
        translated,
        raw,
        unshifted,
        library,
        pipeline;

    public PlanWork(PlanCounts n, UnitCosts c, RunCaps caps)
    {
        this.n = n;
        this.c = c;
        this.caps = caps;
        s = RunPlan.Sizes(n);
        o = new DomainShiftOptions().Capped(caps);
        ae = (DepthOptions.Default with { Epochs = o.Ae.Epochs }).Capped(caps);
        eT = RunCaps.Of(caps.EvalTestImages, n.Test);
        eR = RunCaps.Of(caps.EvalTrainImages, n.Train);
        eS = RunCaps.Of(caps.EvalSimValImages, s.SimVal);
        cgSteps = Math.Min(
            o.CycleGan.MaxStepsPerEpoch > 0 ? o.CycleGan.MaxStepsPerEpoch : int.MaxValue,
            Math.Max(1, Math.Min(s.RealFit + s.RealHeld, s.SimTrain + s.SimVal) / o.CycleGan.BatchSize)
        );
        approx = SavedMethods.SearchFor(n.SimMaps, caps) == SearchMode.Approx;
        keysPerCase = n.SimMaps / 4.0;
        uT = c.UNetTrain * RunPlan.UNetTrainerOverhead;
        aT = c.AeTrain * RunPlan.AeTrainerOverhead;
        kT = c.ClassifierTrain * RunPlan.ClassifierTrainerOverhead;
        both = Query(9, 2, true) + c.GeneratorInfer + c.ClassifierInfer; // the method: both directions, +-1 px
        winners = Query(25, 1, true) + c.ClassifierInfer;
        translated = Query(9, 1, true) + c.GeneratorInfer + c.ClassifierInfer;
        raw = Query(9, 1, true) + c.ClassifierInfer;
        unshifted = Query(1, 2, true) + c.GeneratorInfer + c.ClassifierInfer;
        library = n.SimMaps * c.GeneratorInfer;
        pipeline = c.GeneratorInfer + c.UNetInfer;
    }

    /// <summary>The parts of the notebook <paramref name="name"/> (by its number), setup aside.</summary>
    public List<(string, double)> Parts(string name) =>
        name[..Math.Min(2, name.Length)] switch
        {
            "01" => Data(),
            "02" => Autoencoder(),
            "03" => DomainShift(),
            "04" => Retrieval(),
            "05" => Submission(),
            _ => [],
        };

    /// <summary>Seconds a query costs against its case's keys with <paramref name="shifts"/> shifts and
    /// <paramref name="parts"/> images a key.</summary>
    double Query(int shifts, int parts, bool search)
    {
        double d = parts * Geometry.Pixels;
        if (!search || !approx)
            return shifts * keysPerCase * d * c.MatmulMac;
        double lists = Math.Max(1, Math.Round(Math.Sqrt(keysPerCase)));
        double macs =
            shifts * (d * r.Components + lists * r.Components + r.Probes * keysPerCase / lists * r.Components)
            + r.Candidates * d;
        return macs * c.MatmulMac * RunPlan.ApproxEfficiency;
    }

    /// <summary>Images of <c>auto</c>'s held-out site sample (50 sites a folder, about 4 x 50 x the images a site).
    /// </summary>
    int HeldOutSample => Math.Min(s.RealHeld, 4 * 50 * Math.Max(1, n.Train / Math.Max(1, 4 * 515)));

    /// <summary>BatchNorm statistics are recomputed after each epoch on at most this many of its images.</summary>
    static int Calibration(int images) => Math.Min(images, BatchNormCalibration.MaxImages);

    /// <summary>Notebook 01: every PNG decoded into the cache.</summary>
    List<(string, double)> Data() =>
        [("decode every PNG into the cache", n.Images * c.Decode / Math.Max(1, Environment.ProcessorCount))];

    /// <summary>Notebook 02: the AE's training, evaluation and test predictions.</summary>
    List<(string, double)> Autoencoder()
    {
        var parts = new List<(string, double)>();
        parts.Add(
            (
                "AE training",
                RunPlan.FirstTrainingSeconds
                    + ae.Epochs
                        * (
                            RunCaps.Of(ae.MaxTrainImages, s.SimTrain) * aT
                            + RunCaps.Of(ae.MaxValImages, s.SimVal) * c.AeInfer
                        )
            )
        );
        parts.Add(("evaluation", 2 * (eT + eR + s.SimVal) * c.AeInfer));
        parts.Add(("test predictions as PNGs", n.Test * (c.AeInfer + c.Decode)));
        return parts;
    }

    /// <summary>Notebook 03: the U-Net, the classifier, the CycleGAN, the site averages, the oracle and the
    /// table.</summary>
    List<(string, double)> DomainShift()
    {
        var parts = new List<(string, double)>();
        int u = RunCaps.Of(o.DepthNet.MaxTrainImages, s.SimTrain),
            uv = RunCaps.Of(o.DepthNet.MaxValImages, s.SimVal);
        parts.Add(
            (
                "U-Net (sim)",
                RunPlan.FirstTrainingSeconds + o.DepthNet.Epochs * (u * uT + (Calibration(u) + uv) * c.UNetInfer)
            )
        );
        int k = RunCaps.Of(o.Classifier.MaxTrainImages, s.RealFit),
            kv = RunCaps.Of(o.Classifier.MaxValImages, s.RealHeld);
        parts.Add(("case classifier", o.Classifier.Epochs * (k * kT + (Calibration(k) + kv) * c.ClassifierInfer)));
        parts.Add(("CycleGAN", o.CycleGanCandidates * o.CycleGan.Epochs * cgSteps * c.CycleGanStep));
        // each candidate restyles the library and searches auto's held-out site sample
        if (o.CycleGanCandidates > 1)
            parts.Add(("CycleGAN choice on held-out sites", o.CycleGanCandidates * (library + HeldOutSample * both)));
        int w = o.Weak.MaxTrainImages;
        // each step adds a batch of real images; each epoch recalibrates BatchNorm on every training site's
        // images and measures the held-out sites, which the notebook measures again for both U-Nets
        double realShare = (double)(o.Weak.SitesPerBatch * o.Weak.ImagesPerSite) / o.Weak.BatchSize;
        parts.Add(
            (
                "U-Net with site averages",
                o.Weak.Epochs
                    * (
                        w * uT * (1 + realShare)
                        + (Calibration(w) + Calibration(s.RealFit) + s.RealHeld + uv) * c.UNetInfer
                    )
                    + 2 * s.RealHeld * c.UNetInfer
            )
        );
        bool oracle = n.Truth && !caps.OracleLeftOut;
        if (oracle)
        {
            int q = RunCaps.Of(o.Oracle.MaxTrainImages, s.RealFit),
                qv = RunCaps.Of(o.Oracle.MaxValImages, s.RealHeld);
            parts.Add(("oracle U-Net", o.Oracle.Epochs * (q * uT + (Calibration(q) + qv) * c.UNetInfer)));
        }
        double passes = c.ClassifierInfer + c.AeInfer + c.UNetInfer * (oracle ? 3 : 2) + pipeline;
        parts.Add(("evaluation", (eT + eR) * passes + Math.Min(2000, eS) * (passes - c.ClassifierInfer)));
        return parts;
    }

    /// <summary>Notebook 04: the restyled libraries, the searches of the views and every method's evaluation.</summary>
    List<(string, double)> Retrieval()
    {
        var parts = new List<(string, double)>();
        parts.Add(("restyled libraries", 2 * library));
        // the exact search against the approximate one on the test sample; the perfect-restyle library renders
        // every map with the real-domain physics (a measured constant: the renderer has no probe)
        bool ceiling = n.Truth && !caps.PerfectRestyleLeftOut;
        if (!caps.ExactComparisonLeftOut)
            parts.Add(("exact against approximate search", eT * (Query(9, 2, false) + both)));
        if (ceiling)
            parts.Add(("perfect-restyle library", n.SimMaps * RunPlan.PerfectRenderSeconds));
        parts.Add(("searches of the views", eT * (4 * both + winners + translated + unshifted + (ceiling ? raw : 0))));
        // the placement chosen on the held-out sites: one search of them
        parts.Add(("placement chosen on held-out sites", HeldOutSample * both));
        // the placements share one search of each kind (own top-1, one-to-one); no shifts, the winners' (alone
        // and one-to-one), translated queries, raw, all cases (4 cases' keys), the two ceilings; the variant
        // table reads what the evaluation found
        double allCases = 4 * Query(9, 2, true) + c.GeneratorInfer;
        bool sampled = eT < n.Test; // then the one-to-one variants but the method's are left out
        double variants =
            (sampled ? 1 : 2) * both
            + unshifted
            + (sampled ? 1 : 2) * winners
            + translated
            + raw
            + allCases
            + (ceiling ? (sampled ? 1 : 2) * raw : 0);
        double saved = c.AeInfer + (pipeline + c.ClassifierInfer) + (c.UNetInfer + c.ClassifierInfer);
        parts.Add(("evaluation of every method", (eT + eR) * (variants + saved)));
        // a one-to-one method assigns the whole test set, not the sample, after confirming train sites
        parts.Add(("one-to-one assignments", (n.Test - eT + ConfirmSearched) * both));
        return parts;
    }

    /// <summary>Train images a one-to-one assignment searches first (<see cref="RetrievalOptions.ConfirmImages"/>).
    /// </summary>
    int ConfirmSearched => new RetrievalOptions().ConfirmImages is > 0 and var m ? Math.Min(n.Train, m) : n.Train;

    /// <summary>Notebook 05: <c>auto</c>'s comparison on held-out sites and the submission.</summary>
    List<(string, double)> Submission()
    {
        var parts = new List<(string, double)>();
        int autoImages = HeldOutSample;
        parts.Add(
            (
                "auto: every method on held-out sites",
                library + autoImages * (2 * both + c.AeInfer + pipeline + c.UNetInfer + 2 * c.ClassifierInfer)
            )
        );
        // a one-to-one submission searches every train image first (ConfirmImages), as notebook 04 did
        parts.Add(("submission", (n.Test + Math.Min(2000, n.Test) + ConfirmSearched) * both + n.Test * c.Decode));
        return parts;
    }
}
