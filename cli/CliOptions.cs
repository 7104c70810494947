using System.CommandLine;
using System.CommandLine.Parsing;
using SemDepth.Workspace;

namespace SemDepth.Cli;

/// <summary>Options several commands share, each defined once, and the checks behind their one-line errors.</summary>
public static partial class Cli
{
    static Option<string?> DataOption() =>
        new Option<string?>("--data")
        {
            Description =
                "data root in the Dacon layout (else SEMDEPTH_DATA, else data/synthetic/<SEMDEPTH_PRESET "
                + "or quick>, generated if absent)",
            HelpName = "DIR",
            Validators =
            {
                r =>
                {
                    if (Value<string?>(r) is { } d && !Directory.Exists(d))
                        r.AddError($"--data: no folder '{d}'");
                },
            },
        };

    static Option<string> PresetOption(string defaultPreset, string description) =>
        WithChoices(
            new Option<string>("--preset")
            {
                Description = description,
                DefaultValueFactory = _ => defaultPreset,
                HelpName = "NAME",
            },
            [.. ModeNames.All<Preset>()]
        );

    /// <summary>A whole number with a one-line error when it is not one.</summary>
    static T? WholeNumber<T>(ArgumentResult r)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (
            int.TryParse(
                text,
                System.Globalization.NumberStyles.Integer,
                System.Globalization.CultureInfo.InvariantCulture,
                out int v
            )
        )
            return (T)(object)v;
        r.AddError($"{(r.Parent as OptionResult)?.Option.Name ?? "value"}: '{text}' is not a whole number");
        return default;
    }

    static Option<int> Positive(string name, int defaultValue, string description) =>
        AtLeast(1, name, defaultValue, description);

    static Option<int> NonNegative(string name, int defaultValue, string description) =>
        AtLeast(0, name, defaultValue, description);

    /// <summary>A whole number of at least <paramref name="least"/>, with a one-line error below it.</summary>
    static Option<int> AtLeast(int least, string name, int defaultValue, string description) =>
        new Option<int>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            HelpName = "N",
            CustomParser = WholeNumber<int>,
            Validators =
            {
                r =>
                {
                    if (Value<int?>(r) is { } v && v < least)
                        r.AddError($"{name} must be {(least == 0 ? "0 or more" : $"at least {least}")}, not {v}");
                },
            },
        };

    static Option<int?> PositiveOrUnset(string name, string description) =>
        new Option<int?>(name)
        {
            Description = description,
            HelpName = "N",
            CustomParser = WholeNumber<int?>,
            Validators =
            {
                r =>
                {
                    if (Value<int?>(r) is < 1 and var v)
                        r.AddError($"{name} must be at least 1, not {v}");
                },
            },
        };

    static Option<string?> RunName() =>
        new Option<string?>("--name")
        {
            Description = "run folder name under runs/ (SEMDEPTH_RUNS)",
            HelpName = "NAME",
            Validators =
            {
                r =>
                {
                    if (
                        Value<string?>(r) is { } n
                        && (n.Length == 0 || n.IndexOfAny(['/', '\\']) >= 0 || n is "." or "..")
                    )
                        r.AddError($"--name: '{n}' is not a folder name");
                },
            },
        };

    /// <summary>An option taking one of <typeparamref name="T"/>'s mode names (lsgan|wgangp), checked like
    /// <see cref="WithChoices"/>; read it with <see cref="Mode{T}"/>.</summary>
    static Option<string?> Modes<T>(string name, string description)
        where T : struct, Enum =>
        WithChoices(
            new Option<string?>(name) { Description = description, HelpName = string.Join("|", ModeNames.All<T>()) },
            [.. ModeNames.All<T>()]
        );

    /// <summary>The mode an option of <see cref="Modes{T}"/> names; null when it was not given.</summary>
    static T? Mode<T>(string? text)
        where T : struct, Enum => text is null ? null : ModeNames.Parse<T>(text, "mode");

    /// <summary>--budget MINUTES of run and plan: a whole number, 0 (no budget) or more.</summary>
    static Option<int?> Budget(string description) =>
        new("--budget")
        {
            Description = description,
            HelpName = "MINUTES",
            CustomParser = WholeNumber<int?>,
            Validators =
            {
                r =>
                {
                    if (Value<int?>(r) is < 0 and var v)
                        r.AddError($"--budget must be 0 (no budget) or more minutes, not {v}");
                },
            },
        };

    /// <summary>Only these values, with a one-line error naming them; completions offer them.</summary>
    static Option<T> WithChoices<T>(Option<T> o, params string[] values)
    {
        o.Validators.Add(r =>
        {
            foreach (var t in r.Tokens.Where(t => t.Type == TokenType.Argument))
                if (!values.Contains(t.Value, StringComparer.Ordinal))
                    r.AddError($"{o.Name}: '{t.Value}' is not one of {string.Join(", ", values)}");
        });
        o.CompletionSources.Add(values);
        return o;
    }

    /// <summary>An option's value for a validator; default when it does not parse (that error is reported
    /// already).</summary>
    static T? Value<T>(OptionResult r)
    {
        if (
            r.Tokens.Count > 0
            && typeof(T) != typeof(string)
            && r.Tokens.Any(t => t.Type == TokenType.Argument)
            && !Parses<T>(r)
        )
            return default;
        try
        {
            return r.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }

    static bool Parses<T>(OptionResult r)
    {
        try
        {
            _ = r.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>--method of predict and submit: a saved method's key.</summary>
    static Option<string> MethodOption() =>
        WithChoices(
            new Option<string>("--method")
            {
                Description =
                    "saved method to predict with (auto: the lowest site-average MAE on the held-out train sites)",
                DefaultValueFactory = _ => "auto",
                HelpName = "NAME",
            },
            [.. SemDepth.Methods.SavedMethods.Keys]
        );
}
