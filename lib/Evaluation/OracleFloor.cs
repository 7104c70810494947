namespace SemDepth.Evaluation;

/// <summary>
/// The oracle is meant as the floor of regression methods ("how good could a regression network be with
/// real labels?"). Retrieval may beat it (it returns exact library maps) and so may the constant map in
/// principle; any other method that does makes the oracle invalid, and the table says so instead of
/// printing a gap fraction above 100%.
/// </summary>
public static class OracleFloor
{
    /// <summary>Rows of the oracle (every variant, e.g. with post-processing).</summary>
    public static bool IsOracle(string method) => method.StartsWith("oracle", StringComparison.Ordinal);

    /// <summary>Methods the oracle does not bound: retrieval and constant maps.</summary>
    public static bool IsRegression(string method) =>
        !IsOracle(method)
        && !method.StartsWith("retrieval", StringComparison.OrdinalIgnoreCase)
        && !method.Contains("constant", StringComparison.OrdinalIgnoreCase);

    /// <summary>The best regression method with a lower RMSE than the best oracle row on <paramref name="split"/>, or
    /// null.</summary>
    public static string? BeatenBy(IReadOnlyList<EvalRow> rows, string split = Evaluator.TestSplit)
    {
        var rmse = rows.Where(r => r.Metric == "RMSE" && r.Split == split).ToList();
        var oracle = rmse.Where(r => IsOracle(r.Method)).Select(r => r.Value).DefaultIfEmpty(double.NaN).Min();
        if (double.IsNaN(oracle))
            return null;
        return rmse.Where(r => IsRegression(r.Method) && r.Value < oracle)
            .OrderBy(r => r.Value)
            .FirstOrDefault()
            ?.Method;
    }

    /// <summary>The rows with every oracle row renamed "... [INVALID: beaten by X]" when a regression method beats
    /// it.</summary>
    public static List<EvalRow> Mark(List<EvalRow> rows, string split = Evaluator.TestSplit)
    {
        if (BeatenBy(rows, split) is not { } winner)
            return rows;
        return rows.Select(r =>
                IsOracle(r.Method) ? r with { Method = $"{r.Method} [INVALID: beaten by {winner}]" } : r
            )
            .ToList();
    }
}
