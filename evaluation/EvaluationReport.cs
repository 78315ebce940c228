namespace Actors.Evaluation;

/// <summary>Which files a data set was read from, which the report's protocol states.</summary>
public enum DatasetLayout
{
    /// <summary>UniSRec / RecBole atomic files (<c>*.train.inter</c>, <c>*.valid.inter</c>, <c>*.test.inter</c>, <c>*.text</c>), rows read as written.</summary>
    UniSRec,

    /// <summary>MovieLens 100K <c>u.data</c> and <c>u.item</c>, split leave-one-out by the reader.</summary>
    MovieLens,
}

/// <summary>One scorer's result on one split.</summary>
/// <param name="Name">Key in JSON and tables (e.g. <c>learn</c>, <c>popularity</c>).</param>
/// <param name="Kind">What it is, which picks its published reference.</param>
/// <param name="Description">What was evaluated (artifact path and version, or how the baseline is built).</param>
/// <param name="Metrics">The metrics.</param>
/// <param name="Elapsed">Ranking time.</param>
public sealed record ScorerResult(string Name, ScorerKind Kind, string Description, RankingMetrics Metrics, TimeSpan Elapsed);

/// <summary>Everything measured on one split: the <c>--model</c> scorer (if any) and the baselines.</summary>
/// <param name="Dataset">Data set name (e.g. <c>Scientific</c>).</param>
/// <param name="Split">The split.</param>
/// <param name="Users">Rows (users) ranked.</param>
/// <param name="MaskSeen">Whether history items were removed from the ranking.</param>
/// <param name="Model">The <c>--model</c> scorer; null when none was given.</param>
/// <param name="Baselines">The baselines, in table order.</param>
/// <param name="Skipped">Scorers not run, with the reason.</param>
public sealed record SplitReport(
    string Dataset,
    EvaluationSplit Split,
    int Users,
    bool MaskSeen,
    ScorerResult? Model,
    IReadOnlyList<ScorerResult> Baselines,
    IReadOnlyDictionary<string, string> Skipped)
{
    /// <summary>The split's name as written in JSON and on the command line (<c>valid</c>, <c>test</c>).</summary>
    public string SplitName => SplitNames.Format(Split);

    /// <summary>The model first, then the baselines.</summary>
    public IEnumerable<ScorerResult> All => Model is null ? Baselines : Baselines.Prepend(Model);
}

/// <summary>Split names on the command line and in files.</summary>
public static class SplitNames
{
    /// <summary><c>valid</c> or <c>test</c>.</summary>
    public static string Format(EvaluationSplit split) => split switch
    {
        EvaluationSplit.Valid => "valid",
        EvaluationSplit.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Expected Valid or Test."),
    };

    /// <summary>Parses <c>valid</c> or <c>test</c> (case-insensitive); false for anything else.</summary>
    public static bool TryParse(string? text, out EvaluationSplit split)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "valid":
                split = EvaluationSplit.Valid;
                return true;
            case "test":
                split = EvaluationSplit.Test;
                return true;
            default:
                split = default;
                return false;
        }
    }
}
