using System.CommandLine;
using SemDepth.Translation;

namespace SemDepth.Cli;

/// <summary>The training commands: train-ae, train-cyclegan and domain-shift.</summary>
public static partial class Cli
{
    /// <summary><c>train-ae</c>.</summary>
    static Command TrainAeCommand()
    {
        var data = DataOption();
        var epochs = PositiveOrUnset("--epochs", "epochs (default: the preset's; with --resume, a new total)");
        var name = RunName();
        var resume = Flag("--resume", "continue the run's last checkpoint");
        var cmd = new Command("train-ae", "train the organiser's autoencoder baseline in runs/<name>")
        {
            data,
            epochs,
            name,
            resume,
        };
        cmd.SetAction(p =>
            ConsoleSink.Run(s =>
                Commands.TrainAe(p.GetValue(data), p.GetValue(epochs), p.GetValue(name), p.GetValue(resume), s)
            )
        );
        return cmd;
    }

    /// <summary><c>train-cyclegan</c>.</summary>
    static Command TrainCycleGanCommand()
    {
        var data = DataOption();
        var epochs = PositiveOrUnset("--epochs", "epochs (with --resume, a new total)");
        var steps = PositiveOrUnset("--steps", "steps an epoch");
        var batch = PositiveOrUnset("--batch", "images a domain a step");
        var gan = Modes<GanKind>("--gan", "adversarial loss");
        var seed = PositiveOrUnset(
            "--seed",
            "seed of the weights and every draw (default 41): another seed, another run"
        );
        var perCase = Flag("--per-case", "one CycleGAN per case, as the winners trained");
        var full = Flag("--full", "the full-size networks (slow on a CPU)");
        var winners = Flag(
            "--winners",
            "the winners' CycleGAN as published: per case, WGAN-GP, 64 channels, 2 residual blocks, batch 128, "
                + "Case_1 300 epochs, then Cases 2-4 from its weights for 100 (runs/cyclegan-winners; "
                + "a GPU's hours)"
        );
        var name = RunName();
        var resume = Flag("--resume", "continue the run's last checkpoint");
        var cmd = new Command("train-cyclegan", "train the real<->sim CycleGAN in runs/<name>")
        {
            data,
            epochs,
            steps,
            batch,
            gan,
            seed,
            perCase,
            full,
            winners,
            name,
            resume,
        };
        cmd.Validators.Add(r =>
        {
            if (r.GetValue(full) && r.GetValue(winners))
                r.AddError("--full and --winners name two configurations: choose one");
        });
        cmd.SetAction(p =>
            ConsoleSink.Run(s =>
                Commands.TrainCycleGan(
                    p.GetValue(data),
                    p.GetValue(epochs),
                    p.GetValue(steps),
                    p.GetValue(batch),
                    Mode<GanKind>(p.GetValue(gan)),
                    p.GetValue(seed),
                    p.GetValue(perCase),
                    p.GetValue(winners) ? "winners"
                        : p.GetValue(full) ? "full"
                        : "default",
                    p.GetValue(name),
                    p.GetValue(resume),
                    s
                )
            )
        );
        return cmd;
    }

    /// <summary><c>domain-shift</c>.</summary>
    static Command DomainShiftCommand()
    {
        var data = DataOption();
        var epochs = PositiveOrUnset("--cyclegan-epochs", "CycleGAN epochs");
        var steps = PositiveOrUnset("--steps", "CycleGAN steps an epoch");
        var cmd = new Command(
            "domain-shift",
            "train AE, U-Net, classifier, CycleGAN and oracle; print the evaluation table"
        )
        {
            data,
            epochs,
            steps,
        };
        cmd.SetAction(p =>
            ConsoleSink.Run(s => Commands.DomainShift(p.GetValue(data), p.GetValue(epochs), p.GetValue(steps), s))
        );
        return cmd;
    }
}
