using System.Reflection;
using System.Text;
using System.Text.Json.Serialization;

namespace SemDepth.Workspace;

/// <summary>The text of a mode enum: the name its JSON carries (<see cref="JsonStringEnumMemberNameAttribute"/>,
/// e.g. "real-truth"), else its name in lower case. Options files, the console and messages use these names.</summary>
public static class ModeNames
{
    /// <summary>The text of <paramref name="value"/> ("real-truth" for <c>PairSource.RealTruth</c>); an undefined
    /// value reads as its number.</summary>
    public static string Of<T>(T value)
        where T : struct, Enum => Names<T>.ByValue.TryGetValue(value, out var text) ? text : value.ToString();

    /// <summary>The text of a mode whose type is known only at run time (display formatters, records).</summary>
    public static string Of(Enum value) =>
        value.GetType().GetField(value.ToString())?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
        ?? value.ToString().ToLowerInvariant();

    /// <summary>The enums of this library whose values are modes (those written to JSON by name).</summary>
    public static IEnumerable<Type> ModeTypes() =>
        typeof(ModeNames)
            .Assembly.GetTypes()
            .Where(t => t.IsEnum && t.IsPublic && t.GetCustomAttribute<JsonConverterAttribute>() is not null);

    /// <summary>An options record's members as the compiler prints them ("Name = value, ..."), but with modes by
    /// their text ("Source = real-truth"): a record's <c>PrintMembers</c> calls it, so that its <c>ToString</c>
    /// shows what its JSON and the console say.</summary>
    public static bool PrintRecord(object record, StringBuilder builder)
    {
        var members = record
            .GetType()
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true });
        bool any = false;
        foreach (var p in members)
        {
            if (any)
                builder.Append(", ");
            var value = p.GetValue(record);
            bool mode = value is Enum && value.GetType().IsDefined(typeof(JsonConverterAttribute));
            builder.Append(p.Name).Append(" = ").Append(mode ? Of((Enum)value!) : value);
            any = true;
        }
        return any;
    }

    /// <summary>Every text of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>()
        where T : struct, Enum => Names<T>.InOrder;

    /// <summary>The mode named <paramref name="text"/> (case-insensitive); throws naming the choices
    /// otherwise.</summary>
    public static T Parse<T>(string text, string what)
        where T : struct, Enum =>
        Names<T>.ByText.TryGetValue(text.Trim(), out var v)
            ? v
            : throw new ArgumentException($"{what} must be {Choices<T>()}, not '{text}'");

    /// <summary>Throws when <paramref name="value"/> is none of <typeparamref name="T"/>'s modes (a number cast or read
    /// from JSON).</summary>
    public static T Defined<T>(T value, string what)
        where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new ArgumentException($"{what} must be {Choices<T>()}, not {value}");

    /// <summary>"a, b or c".</summary>
    public static string Choices<T>()
        where T : struct, Enum
    {
        var all = Names<T>.InOrder;
        return all.Count == 1 ? all[0] : $"{string.Join(", ", all.Take(all.Count - 1))} or {all[^1]}";
    }

    static class Names<T>
        where T : struct, Enum
    {
        public static readonly Dictionary<T, string> ByValue = typeof(T)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .ToDictionary(
                f => (T)f.GetValue(null)!,
                f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name.ToLowerInvariant()
            );
        public static readonly IReadOnlyList<string> InOrder = [.. ByValue.Values];
        public static readonly Dictionary<string, T> ByText = ByValue.ToDictionary(
            p => p.Value,
            p => p.Key,
            StringComparer.OrdinalIgnoreCase
        );
    }
}
