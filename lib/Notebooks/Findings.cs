using System.Net;

namespace SemDepth.Notebooks;

/// <summary>
/// Sentences a notebook states about its own run, each written from that run's figures (so a comparison never
/// contradicts the table above it): a bulleted list in HTML, lines starting "- " as text.
/// </summary>
public sealed record Findings(IReadOnlyList<string> Sentences)
{
    public override string ToString() => string.Join("\n", Sentences.Select(s => "- " + s));

    /// <summary>The list as HTML (each sentence encoded).</summary>
    public string ToHtml() =>
        "<ul>" + string.Concat(Sentences.Select(s => "<li>" + WebUtility.HtmlEncode(s) + "</li>")) + "</ul>";
}
