using System.CommandLine;

namespace SemDepth.Cli;

/// <summary>What a trained method is pointed at: predict, submit and export.</summary>
public static partial class Cli
{
    /// <summary><c>predict</c>: a user's SEM crops.</summary>
    static Command PredictCommand()
    {
        var data = DataOption();
        var method = MethodOption();
        var images = new Option<string>("--images")
        {
            Description =
                "72x48 SEM crops: a PNG file, a folder (its files, not subfolders) or a glob such as 'dir/*.png'",
            HelpName = "PATH",
            Required = true,
        };
        var outDir = new Option<string?>("--out")
        {
            Description = "output folder (default artifacts/predict/<method>)",
            HelpName = "DIR",
        };
        var cmd = new Command(
            "predict",
            "depth maps (8-bit PNGs), measurements.csv and overview.png for your own SEM crops, with a saved method"
        )
        {
            data,
            method,
            images,
            outDir,
        };
        cmd.SetAction(p =>
            ConsoleSink.Run(s =>
                Commands.Predict(p.GetValue(data), p.GetValue(method)!, p.GetValue(images)!, p.GetValue(outDir), s)
            )
        );
        return cmd;
    }

    /// <summary><c>submit</c>: the zip.</summary>
    static Command SubmitCommand()
    {
        var data = DataOption();
        var method = MethodOption();
        var cmd = new Command(
            "submit",
            "predict every test image with a saved method; write, validate and (with hidden truth) score the zip"
        )
        {
            data,
            method,
        };
        cmd.SetAction(p => ConsoleSink.Run(s => Commands.Submit(p.GetValue(data), p.GetValue(method)!, s)));
        return cmd;
    }

    /// <summary><c>export</c>: weights for PyTorch.</summary>
    static Command ExportCommand()
    {
        var run = new Option<string>("--run")
        {
            Description = "run name under runs/ (or a run folder's path)",
            Required = true,
            HelpName = "NAME",
        };
        var format = WithChoices(
            new Option<string>("--format")
            {
                Description = "weights format",
                DefaultValueFactory = _ => "safetensors",
                HelpName = string.Join("|", SemDepth.Models.ModelExchange.Formats),
            },
            [.. SemDepth.Models.ModelExchange.Formats]
        );
        var outDir = new Option<string?>("--out")
        {
            Description = "output folder (default artifacts/export/<run>)",
            HelpName = "DIR",
        };
        var check = Flag(
            "--check",
            "load the files in PyTorch (bench/exchange.py, the peer's Python) and compare outputs on "
                + "the same inputs"
        );
        var tol = new Option<double>("--tolerance")
        {
            Description = "largest allowed absolute difference",
            DefaultValueFactory = _ => 1e-5,
            HelpName = "X",
        };
        var cmd = new Command(
            "export",
            "write a run's networks (depth network, classifier or CycleGAN) as PyTorch weights under "
                + "the names of bench/models.py"
        )
        {
            run,
            format,
            outDir,
            check,
            tol,
        };
        cmd.SetAction(p =>
            Commands.Export(
                p.GetValue(run)!,
                p.GetValue(format)!,
                p.GetValue(outDir),
                p.GetValue(check),
                p.GetValue(tol)
            )
        );
        return cmd;
    }
}
