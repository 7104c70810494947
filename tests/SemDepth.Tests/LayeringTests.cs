using System.Text.RegularExpressions;
using SemDepth.Workspace;
using Xunit;

namespace SemDepth.Tests;

/// <summary>The library's folders are layers (docs/architecture.md): a file may use the types of the layers
/// below its own and never those above or beside it. Read from the sources, no exceptions list.</summary>
public class LayeringTests
{
    /// <summary>The layers from the bottom up: each may use every layer before it.</summary>
    public static readonly string[] Stack =
    [
        "Workspace",
        "Torch",
        "Images",
        "Data",
        "Synthetic",
        "Pictures",
        "Models",
        "Diagnostics",
        "Training",
        "Translation",
        "Methods",
        "Evaluation",
        "Submission",
        "Notebooks",
        "Job",
    ];

    /// <summary>Each layer and the layers it may use.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = Stack
        .Select((layer, i) => (layer, below: Stack[..i]))
        .ToDictionary(x => x.layer, x => x.below);

    [Fact]
    public void EveryFileUsesOnlyTheLayersBelowIt()
    {
        var lib = Path.Combine(Paths.Root, "lib");
        var sources = Directory
            .GetFiles(lib, "*.cs", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(Paths.Root, f).Replace('\\', '/'), File.ReadAllText);
        Assert.True(sources.Count > 50, $"only {sources.Count} sources under {lib}");
        var layers = sources.Select(kv => (File: kv.Key, Layer: Layering.LayerOf(kv.Value))).ToList();
        Assert.Empty(
            layers
                .Where(f => !Allowed.ContainsKey(f.Layer))
                .Select(f => $"{f.File}: namespace SemDepth.{f.Layer} is no layer")
        );
        Assert.Equal(Allowed.Keys.Order(), layers.Select(f => f.Layer).Distinct().Order()); // every layer has code
        var uses = Layering.Uses(sources);
        var wrong = uses.Where(u => !Allowed[u.FromLayer].Contains(u.ToLayer))
            .Select(u => u.ToString())
            .Distinct()
            .ToList();
        Assert.True(wrong.Count == 0, "uses against the layers (docs/architecture.md):\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void TheCheckFindsUsesThroughUsingsAndQualifiedNames()
    {
        var sources = new Dictionary<string, string>
        {
            ["lib/Training/T.cs"] =
                "using SemDepth.Data;\nnamespace SemDepth.Training;\npublic sealed class Trainer { ImageSet? s; }\n",
            ["lib/Data/I.cs"] =
                "namespace SemDepth.Data;\n// Trainer in a comment is no use\npublic sealed class "
                + "ImageSet { string n = \"Trainer\"; Workspace.Paths? p; }\n",
            ["lib/Data/J.cs"] =
                "using SemDepth.Training;\nnamespace SemDepth.Data;\npublic static class Loader { static "
                + "Trainer? t; }\n",
            ["lib/Workspace/P.cs"] = "namespace SemDepth.Workspace;\npublic static class Paths { }\n",
            ["lib/Methods/M.cs"] =
                // no using: not the type
                "namespace SemDepth.Methods;\npublic static class Unused { static int ImageSet = 1; }\n",
        };
        var uses = Layering.Uses(sources).Select(u => u.ToString()).Order().ToList();
        Assert.Equal(
            new[]
            {
                "lib/Data/I.cs (Data) uses Workspace.Paths",
                "lib/Data/J.cs (Data) uses Training.Trainer",
                "lib/Training/T.cs (Training) uses Data.ImageSet",
            },
            uses
        );
    }
}

/// <summary>One file's use of a type of another layer.</summary>
public sealed record LayerUse(string File, string FromLayer, string ToLayer, string Type)
{
    public override string ToString() => $"{File} ({FromLayer}) uses {ToLayer}.{Type}";
}

/// <summary>Which types of other layers each source file uses: names declared in another layer's namespace that
/// the file reaches through a <c>using SemDepth.X;</c> or a qualified name (comments and strings removed).</summary>
public static partial class Layering
{
    public static List<LayerUse> Uses(IReadOnlyDictionary<string, string> sources)
    {
        var code = sources.ToDictionary(kv => kv.Key, kv => StripCommentsAndStrings(kv.Value));
        var layerOf = code.ToDictionary(kv => kv.Key, kv => LayerOf(kv.Value));
        var declaredIn = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (file, text) in code)
        foreach (Match m in Declaration().Matches(text))
            (declaredIn.TryGetValue(m.Groups[1].Value, out var s) ? s : declaredIn[m.Groups[1].Value] = []).Add(
                layerOf[file]
            );
        var uses = new List<LayerUse>();
        foreach (var (file, text) in code)
        {
            string from = layerOf[file];
            var imported = Using().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
            foreach (Match m in Qualified().Matches(text))
                if (
                    m.Groups[1].Value != from
                    && declaredIn.TryGetValue(m.Groups[2].Value, out var at)
                    && at.Contains(m.Groups[1].Value)
                )
                    uses.Add(new LayerUse(file, from, m.Groups[1].Value, m.Groups[2].Value));
            foreach (string name in Identifier().Matches(Qualified().Replace(text, "")).Select(m => m.Value).Distinct())
            {
                if (!declaredIn.TryGetValue(name, out var at) || at.Contains(from))
                    continue;
                foreach (string to in at.Where(imported.Contains))
                    uses.Add(new LayerUse(file, from, to, name));
            }
        }
        return uses;
    }

    /// <summary>The layer of a source: the folder-level namespace under SemDepth ("" when none).</summary>
    public static string LayerOf(string source) =>
        Namespace().Match(source) is { Success: true } m ? m.Groups[1].Value : "";

    static string StripCommentsAndStrings(string s)
    {
        s = BlockComment().Replace(s, " ");
        s = LineComment().Replace(s, "");
        return StringLiteral().Replace(s, "\"\"");
    }

    [GeneratedRegex(@"^namespace\s+SemDepth\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"^using\s+SemDepth\.(\w+)(?:\.\w+)*\s*;", RegexOptions.Multiline)]
    private static partial Regex Using();

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?)\s+([A-Z]\w*)")]
    private static partial Regex Declaration();

    [GeneratedRegex(
        @"\b(?:SemDepth\.)?(Torch|Workspace|Data|Synthetic|Pictures|Models|Diagnostics|Training|"
            + @"Methods|Evaluation|Submission|Notebooks|Job)\.([A-Z]\w*)"
    )]
    private static partial Regex Qualified();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"@?\$?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();
}
