using SemDepth.Torch;
using SemDepth.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SemDepth.Tests;

/// <summary>The checkpoint swap: every state a crash can leave is recovered, failed saves keep the previous
/// checkpoint, broken files are errors that name them.</summary>
public class CheckpointTests
{
    static string Fresh(string name)
    {
        string d = Path.Combine(Path.GetTempPath(), $"semdepth-ck-{Environment.ProcessId}", name);
        if (Directory.Exists(Path.GetDirectoryName(d)!))
            foreach (var old in Directory.GetDirectories(Path.GetDirectoryName(d)!, name + "*"))
                Directory.Delete(old, true);
        Directory.CreateDirectory(Path.GetDirectoryName(d)!);
        return d;
    }

    /// <summary>Saves a small model at each epoch; returns its weights after the last.</summary>
    static float[] SaveEpochs(string dir, params int[] epochs)
    {
        _ = TorchDevice.Current;
        torch.manual_seed(3);
        using var model = nn.Linear(4, 3);
        using var opt = optim.Adam(model.parameters(), 0.1);
        foreach (int e in epochs)
        {
            using (var scope = torch.NewDisposeScope())
            {
                opt.zero_grad();
                model.forward(torch.ones(2, 4)).sum().backward();
                opt.step();
            }
            Checkpoint.Save(dir, model, opt, e, "linear", "{\"epoch\": " + e + "}");
        }
        return model.weight!.data<float>().ToArray();
    }

    static float[] LoadWeights(string dir)
    {
        using var model = nn.Linear(4, 3);
        Checkpoint.LoadModel(dir, model);
        return model.weight!.data<float>().ToArray();
    }

    static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    [Fact]
    public void SaveLeavesOneFolderWithAManifest()
    {
        string ck = Fresh("plain");
        SaveEpochs(ck, 1, 2);
        Assert.Null(Checkpoint.Verify(ck));
        Assert.False(Directory.Exists(ck + ".new"));
        Assert.False(Directory.Exists(ck + ".old"));
        var state = Checkpoint.ReadState(ck, "linear");
        Assert.Equal(2, state.Epoch);
        Assert.Equal(
            new[] { Checkpoint.ModelFile, Checkpoint.OptimizerFile, Checkpoint.OptionsFile }.Order(),
            state.Files!.Keys.Order()
        );
        Assert.Equal(
            new FileInfo(Path.Combine(ck, Checkpoint.ModelFile)).Length,
            state.Files[Checkpoint.ModelFile].Length
        );
    }

    [Fact]
    public void EveryLeftoverStateIsRecovered()
    {
        // epoch 1 in a.old-style folder, epoch 2 as the finished new one
        string src1 = Fresh("src1"),
            src2 = Fresh("src2");
        SaveEpochs(src1, 1);
        var w2 = SaveEpochs(src2, 1, 2);
        var messages = new List<string>();
        Checkpoint.Log = messages.Add;
        try
        {
            // 1. killed between the two renames: main missing, .old (epoch 1) and a complete .new (epoch 2)
            string ck = Fresh("between");
            CopyDir(src1, ck + ".old");
            CopyDir(src2, ck + ".new");
            Assert.Equal(2, Checkpoint.ReadState(ck).Epoch);
            Assert.Equal(w2, LoadWeights(ck));
            Assert.False(Directory.Exists(ck + ".old") || Directory.Exists(ck + ".new"));
            Assert.Contains(
                "recovered the checkpoint of epoch 2 from checkpoint.new",
                Assert.Single(messages).Replace("between", "checkpoint")
            );

            // 2. main missing, .new cut off before state.json: the previous one (.old) comes back
            messages.Clear();
            ck = Fresh("halfnew");
            CopyDir(src1, ck + ".old");
            CopyDir(src2, ck + ".new");
            File.Delete(Path.Combine(ck + ".new", Checkpoint.StateFile));
            Assert.Equal(1, Checkpoint.ReadState(ck).Epoch);
            Assert.Contains("from halfnew.old/ (the previous checkpoint)", Assert.Single(messages));

            // 3. killed while writing .new: main complete, .new partial -> main stays, leftover removed
            messages.Clear();
            ck = Fresh("writing");
            CopyDir(src1, ck);
            CopyDir(src2, ck + ".new");
            File.WriteAllBytes(Path.Combine(ck + ".new", Checkpoint.ModelFile), [1, 2, 3]);
            Assert.Equal(1, Checkpoint.ReadState(ck).Epoch);
            Assert.False(Directory.Exists(ck + ".new"));
            Assert.Contains("removed leftovers", Assert.Single(messages));

            // 4. killed while deleting .old: main complete (epoch 2), .old partial
            messages.Clear();
            ck = Fresh("deleting");
            CopyDir(src2, ck);
            Directory.CreateDirectory(ck + ".old");
            Assert.Equal(2, Checkpoint.ReadState(ck).Epoch);
            Assert.False(Directory.Exists(ck + ".old"));

            // 5. nothing complete anywhere: an error naming the problem
            ck = Fresh("nothing");
            CopyDir(src2, ck + ".new");
            File.Delete(Path.Combine(ck + ".new", Checkpoint.StateFile));
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ck));
            Assert.Contains("no complete checkpoint", e.Message);
            Assert.Contains("checkpoint.new/ incomplete too", e.Message);

            // 6. no checkpoint at all
            e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(Fresh("none")));
            Assert.Contains("no checkpoint here", e.Message);
        }
        finally
        {
            Checkpoint.Log = m => Console.Error.WriteLine(m);
        }
    }

    [Fact]
    public void AFailedSaveKeepsThePreviousCheckpoint()
    {
        string ck = Fresh("diskfull");
        var w1 = SaveEpochs(ck, 1);
        Checkpoint.BeforeWrite = name =>
        {
            if (name == Checkpoint.OptimizerFile)
                throw new IOException("No space left on device");
        };
        try
        {
            var e = Assert.Throws<CheckpointException>(() => SaveEpochs(ck, 1, 2));
            Assert.Contains("No space left on device", e.Message);
            Assert.Contains("the previous checkpoint (epoch 1) is unchanged", e.Message);
        }
        finally
        {
            Checkpoint.BeforeWrite = null;
        }
        Assert.False(Directory.Exists(ck + ".new"));
        Assert.Null(Checkpoint.Verify(ck));
        Assert.Equal(1, Checkpoint.ReadState(ck).Epoch);
        Assert.Equal(w1, LoadWeights(ck));
    }

    [Fact]
    public void BrokenOrForeignFilesAreErrorsNamingTheFile()
    {
        string ck = Fresh("broken");
        SaveEpochs(ck, 1);
        // another model kind
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ck, "ae", "unet"));
        Assert.Contains("state.json: this is a 'linear' checkpoint, not 'ae' or 'unet'", e.Message);
        // weights of another network
        using (var other = nn.Linear(5, 3))
        {
            e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(ck, other));
            Assert.Contains($"{Path.Combine(ck, Checkpoint.ModelFile)}: cannot be loaded into a Linear", e.Message);
        }
        // options that are not JSON of that record
        File.WriteAllText(Path.Combine(ck, Checkpoint.OptionsFile), "{\"name\": \"x\", \"epo");
        e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadOptions(ck, DepthOptions.FromJson));
        Assert.Contains($"{Path.Combine(ck, Checkpoint.OptionsFile)}: not valid DepthOptions", e.Message);
        // and the manifest sees the truncation
        Assert.Contains("options.json is 18 bytes, the manifest says", Checkpoint.Verify(ck));
        // a truncated model file with no leftovers to recover from
        string ck2 = Fresh("truncated");
        SaveEpochs(ck2, 1);
        string model = Path.Combine(ck2, Checkpoint.ModelFile);
        File.WriteAllBytes(model, File.ReadAllBytes(model)[..10]);
        e = Assert.Throws<CheckpointException>(() => Checkpoint.ReadState(ck2));
        Assert.Contains($"{model} is 10 bytes", e.Message);
    }
}
