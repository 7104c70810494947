using System.CommandLine;

namespace SemDepth.Cli;

/// <summary>The machine check: doctor.</summary>
public static partial class Cli
{
    /// <summary><c>doctor</c>: the layer checks.</summary>
    static Command DoctorCommand()
    {
        var cmd = new Command(
            "doctor",
            "check that this machine computes the networks' layers right (float32 against float64: "
                + "forward, input and weight gradients; matrix products through each BLAS) and print what "
                + "it computes with; exit 1 with one error line per failed check"
        );
        cmd.SetAction(_ => Commands.Doctor());
        return cmd;
    }
}
