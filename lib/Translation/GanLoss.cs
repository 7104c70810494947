using SemDepth.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Translation;

/// <summary>Adversarial losses. LSGAN: mean squared distance of the patch scores to 1 (real) or 0
/// (fake). WGAN: the critic maximises score(real) - score(fake); the generator maximises score(fake).</summary>
public static class GanLoss
{
    /// <summary>Generator side: how far <paramref name="scoreOfFake"/> is from being taken for real.</summary>
    public static Tensor Generator(GanKind gan, Tensor scoreOfFake) =>
        gan switch
        {
            GanKind.LsGan => nn.functional.mse_loss(scoreOfFake, torch.ones_like(scoreOfFake)),
            GanKind.WganGp => -scoreOfFake.mean(),
            _ => throw new ArgumentOutOfRangeException(nameof(gan), gan, "unknown GAN loss"),
        };

    /// <summary>Discriminator side (LSGAN halves the sum, as the reference implementation does).</summary>
    public static Tensor Discriminator(GanKind gan, Tensor scoreOfReal, Tensor scoreOfFake)
    {
        using Scalar half = 0.5; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        return gan switch
        {
            GanKind.LsGan => nn.functional.mse_loss(scoreOfReal, torch.ones_like(scoreOfReal))
                .Plus(nn.functional.mse_loss(scoreOfFake, torch.zeros_like(scoreOfFake))) * half,
            GanKind.WganGp => scoreOfFake.mean() - scoreOfReal.mean(),
            _ => throw new ArgumentOutOfRangeException(nameof(gan), gan, "unknown GAN loss"),
        };
    }

    /// <summary>
    /// WGAN-GP gradient penalty: lambda * mean over samples of (||d critic(x^) / d x^||_2 - 1)^2 at
    /// x^ = alpha * real + (1 - alpha) * fake, alpha ~ U(0, 1) per sample (or the given alphas).
    /// The graph is kept (create_graph) so the penalty trains the critic.
    /// </summary>
    public static Tensor GradientPenalty(
        nn.Module<Tensor, Tensor> critic,
        Tensor real,
        Tensor fake,
        double lambda,
        Tensor? alpha = null
    )
    {
        long n = real.shape[0];
        alpha ??= torch.rand(new long[] { n, 1, 1, 1 }, device: real.device); // (N, 1, 1, 1)
        using Scalar one = 1,
            two = 2,
            weight = lambda; // explicit Scalars, alive until the calls return (ScalarLifetimeTests)
        var mixed = (alpha * real).Plus(alpha.neg().Plus(one) * fake.detach()).detach().requires_grad_(true);
        var score = critic.forward(mixed);
        var grads = torch.autograd.grad(
            [score],
            [mixed],
            [torch.ones_like(score)],
            retain_graph: true,
            create_graph: true
        )[0];
        var norms = grads.reshape(n, -1).norm(1, false, 2); // (N,)
        return (norms - one).pow(two).mean() * weight;
    }
}
