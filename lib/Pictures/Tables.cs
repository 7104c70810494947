using System.Globalization;
using System.Reflection;
using Microsoft.Data.Analysis;

namespace SemDepth.Pictures;

/// <summary>Tables as Microsoft.Data.Analysis DataFrames, and their HTML rendering.</summary>
public static class Tables
{
    /// <summary>A DataFrame with one row per record and one column per public property (numbers as Double columns,
    /// everything else as strings; <see cref="Images.Summary"/> expands to mean/sd/min/max).</summary>
    public static DataFrame FromRecords<T>(IEnumerable<T> records)
    {
        var rows = records.ToList();
        var cols = new List<DataFrameColumn>();
        foreach (var p in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var t = p.PropertyType;
            if (t == typeof(Images.Summary))
            {
                var vals = rows.Select(r => (Images.Summary)p.GetValue(r)!).ToList();
                cols.Add(new DoubleDataFrameColumn($"{p.Name} mean", vals.Select(v => (double?)Math.Round(v.Mean, 3))));
                cols.Add(new DoubleDataFrameColumn($"{p.Name} sd", vals.Select(v => (double?)Math.Round(v.Sd, 3))));
                cols.Add(new DoubleDataFrameColumn($"{p.Name} min", vals.Select(v => (double?)Math.Round(v.Min, 3))));
                cols.Add(new DoubleDataFrameColumn($"{p.Name} max", vals.Select(v => (double?)Math.Round(v.Max, 3))));
            }
            else if (t == typeof(double) || t == typeof(int) || t == typeof(float) || t == typeof(long))
                cols.Add(
                    new DoubleDataFrameColumn(
                        p.Name,
                        rows.Select(r =>
                            (double?)Math.Round(Convert.ToDouble(p.GetValue(r), CultureInfo.InvariantCulture), 4)
                        )
                    )
                );
            else
                cols.Add(
                    new StringDataFrameColumn(
                        p.Name,
                        rows.Select(r => Convert.ToString(p.GetValue(r), CultureInfo.InvariantCulture) ?? "")
                    )
                );
        }
        return new DataFrame(cols);
    }

    /// <summary>An HTML table of the first <paramref name="maxRows"/> rows.</summary>
    public static string ToHtml(DataFrame df, int maxRows = 200)
    {
        var sb = new System.Text.StringBuilder("<table style=\"border-collapse:collapse;font-size:12px\"><thead><tr>");
        foreach (var c in df.Columns)
            sb.Append(
                $"<th style=\"border-bottom:1px solid #999;padding:2px 8px;text-align:right\">{Enc(c.Name)}</th>"
            );
        sb.Append("</tr></thead><tbody>");
        for (long r = 0; r < Math.Min(df.Rows.Count, maxRows); r++)
        {
            sb.Append("<tr>");
            foreach (var c in df.Columns)
            {
                var v = c[r];
                string s = v is double d
                    ? d.ToString("0.###", CultureInfo.InvariantCulture)
                    : Convert.ToString(v, CultureInfo.InvariantCulture) ?? "";
                sb.Append($"<td style=\"padding:2px 8px;text-align:right\">{Enc(s)}</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        if (df.Rows.Count > maxRows)
            sb.Append($"<div style=\"font-size:11px\">{df.Rows.Count - maxRows} more rows</div>");
        return sb.ToString();
    }

    static string Enc(string s) => System.Net.WebUtility.HtmlEncode(s);
}
