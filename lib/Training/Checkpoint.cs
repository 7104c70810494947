using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SemDepth.Training;

/// <summary>
/// A checkpoint folder: model weights, optimizer state, the epoch reached and the options that made
/// it. Written to a temporary folder and renamed, so a crash never leaves half a checkpoint.
/// </summary>
public static class Checkpoint
{
    public const string ModelFile = "model.bin", OptimizerFile = "optimizer.bin", StateFile = "state.json", OptionsFile = "options.json";

    public sealed record State(int Epoch, string Kind, DateTime SavedUtc);

    public static void Save(string dir, nn.Module model, optim.Optimizer? optimizer, int epoch, string kind, string optionsJson) =>
        Save(dir, model, optimizer is null ? [] : [(OptimizerFile, optimizer)], epoch, kind, optionsJson);

    /// <summary>A checkpoint with several optimizers, each in its own file (CycleGAN: G and D).</summary>
    public static void Save(string dir, nn.Module model, IReadOnlyList<(string File, optim.Optimizer Optimizer)> optimizers, int epoch, string kind, string optionsJson)
    {
        string tmp = dir + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        model.save(Path.Combine(tmp, ModelFile));
        foreach (var (file, optimizer) in optimizers)
            if (optimizer is TorchSharp.Modules.OptimizerHelper oh) oh.save_state_dict(Path.Combine(tmp, file));
        File.WriteAllText(Path.Combine(tmp, StateFile), JsonSerializer.Serialize(new State(epoch, kind, DateTime.UtcNow)));
        File.WriteAllText(Path.Combine(tmp, OptionsFile), optionsJson);
        if (Directory.Exists(dir))
        {
            string old = dir + ".old-" + Environment.ProcessId;
            Directory.Move(dir, old);
            Directory.Move(tmp, dir);
            Directory.Delete(old, true);
        }
        else Directory.Move(tmp, dir);
    }

    public static State ReadState(string dir)
    {
        string f = Path.Combine(dir, StateFile);
        if (!File.Exists(f)) throw new FileNotFoundException($"{dir} is not a checkpoint (no {StateFile})", f);
        return JsonSerializer.Deserialize<State>(File.ReadAllText(f)) ?? throw new InvalidDataException($"{f}: empty");
    }

    public static string ReadOptions(string dir) => File.ReadAllText(Path.Combine(dir, OptionsFile));

    public static void LoadModel(string dir, nn.Module model) => model.load(Path.Combine(dir, ModelFile));

    public static void LoadOptimizer(string dir, optim.Optimizer optimizer, string file = OptimizerFile)
    {
        if (optimizer is TorchSharp.Modules.OptimizerHelper oh) oh.load_state_dict(Path.Combine(dir, file));
    }
}
