using System.CommandLine;

namespace SemDepth.Cli;

/// <summary>Developer tools (<c>semdepth dev ...</c>): the kill-and-resume checks.</summary>
public static partial class Cli
{
    /// <summary><c>dev fault-check</c>: kills and resumes.</summary>
    static Command FaultCheckCommand(string name)
    {
        var kills = Positive("--kills", 30, "kill -9 moments");
        var seed = new Option<int>("--seed")
        {
            Description = "seed of the kill moments",
            DefaultValueFactory = _ => 1,
            HelpName = "N",
            CustomParser = WholeNumber<int>,
        };
        var data = DataOption();
        var mainJob = new Option<bool>("--main-job")
        {
            Description =
                "kill the whole main job (`run`, its notebook kernels with it) inside notebooks 03 "
                + "and 04, start it again until it finishes, and compare exit code, submission PNGs, tables "
                + "and weights with an uninterrupted job",
        };
        var cmd = new Command(
            name,
            "kill train-ae and train-cyclegan at random moments, resume each time, compare with an "
                + "uninterrupted run; then a full disk and a read-only runs folder during a save (needs "
                + "root for tmpfs); with --main-job the same for the whole main job"
        )
        {
            kills,
            seed,
            data,
            mainJob,
        };
        cmd.SetAction(p =>
            p.GetValue(mainJob)
                ? MainJobFaultCheck.Run(
                    p.GetResult(kills) is { Implicit: false } ? p.GetValue(kills) : 4, // 30 would take an hour
                    p.GetValue(seed),
                    p.GetValue(data)
                )
                : FaultCheck.Run(p.GetValue(kills), p.GetValue(seed), p.GetValue(data))
        );
        return cmd;
    }
}
