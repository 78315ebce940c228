using System.Globalization;
using System.Text;

namespace Actors.Evaluation;

/// <summary>Facts about a run that a data set's section of the Markdown report states beside the numbers.</summary>
/// <param name="DatasetDirectory">The <c>--dataset</c> folder as given.</param>
/// <param name="Layout">Which files the data set was read from.</param>
/// <param name="DatasetHash">The data set's content hash.</param>
/// <param name="Items">Items in the catalog (every one is ranked).</param>
/// <param name="EncoderVersion">The content encoder's identity.</param>
/// <param name="Commands">The exact commands that produced the section.</param>
/// <param name="Machine">Machine name, CPU, cores, OS, runtime.</param>
/// <param name="Generated">When the section was generated.</param>
/// <param name="ModelFacts">Manifest fields of the <c>--model</c> artifact worth showing (version, training metrics...).</param>
/// <param name="Threads">Worker threads the ranking ran on.</param>
/// <param name="Charts">Chart images, relative to the report's folder, linked at the end of the section.</param>
public sealed record ReportContext(
    string DatasetDirectory,
    DatasetLayout Layout,
    string DatasetHash,
    int Items,
    string EncoderVersion,
    IReadOnlyList<string> Commands,
    string Machine,
    DateTimeOffset Generated,
    IReadOnlyList<KeyValuePair<string, string>> ModelFacts,
    int Threads,
    IReadOnlyList<string> Charts);

/// <summary>
/// Renders one data set's section of <c>docs/results.md</c> and the experiment log that closes the file
/// (<see cref="ResultsDocument"/> puts them together): every number in it comes from the reports passed in.
/// </summary>
public static class ResultsReport
{
    /// <summary>
    /// The goal on every data set: the served model's test N@10 (not masked) at least this many times the better of
    /// the <c>transitions</c> and <c>content+transitions</c> baselines.
    /// </summary>
    public const double BaselineGoalFactor = 1.2;

    /// <summary>
    /// The whole report file for one data set: <paramref name="splits"/> (e.g. test then valid, each not masked then
    /// masked) merged into <paramref name="existing"/> (null = a new file) as <see cref="ResultsDocument.Merge"/> does.
    /// </summary>
    public static string Render(ReportContext context, IReadOnlyList<SplitReport> splits, string experimentLogPath, string? experimentLog, string? existing = null)
    {
        var section = RenderSection(context, splits);
        return ResultsDocument.Merge(existing, splits[0].Dataset, section, RenderExperimentLog(experimentLogPath, experimentLog));
    }

    /// <summary>The Markdown of one data set's section (without its markers) over <paramref name="splits"/>, in their order.</summary>
    public static string RenderSection(ReportContext context, IReadOnlyList<SplitReport> splits)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(splits);
        if (splits.Count == 0)
        {
            throw new ArgumentException("Nothing to report: no split was evaluated.", nameof(splits));
        }

        var first = splits[0];
        if (splits.Any(s => s.Dataset != first.Dataset))
        {
            throw new ArgumentException($"A section covers one data set; got {string.Join(", ", splits.Select(s => s.Dataset).Distinct())}.", nameof(splits));
        }

        var published = PublishedResults.For(first.Dataset);
        var text = new StringBuilder();
        Line(text, $"## {first.Dataset}");
        Line(text);
        Line(text, $"Generated {context.Generated.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC on {context.Machine}, by:");
        Line(text);
        Line(text, "```sh");
        foreach (var command in context.Commands)
        {
            Line(text, command);
        }

        Line(text, "```");
        Line(text);
        WriteProtocol(text, context, splits, published);

        foreach (var split in splits)
        {
            WriteSplit(text, split, published);
        }

        WriteWhatWasEvaluated(text, context, splits);
        if (!published.IsEmpty)
        {
            Line(text, "### Published numbers");
            Line(text);
            Line(text, published.Note);
            Line(text);
            Line(text, "| method | data | R@10 | N@10 | source |");
            Line(text, "| --- | --- | ---: | ---: | --- |");
            foreach (var result in published.Anchors.Concat(published.Context))
            {
                Line(text, $"| {result.Method} | {result.Data} | {FormatOptional(result.RecallAt10)} | {FormatOptional(result.NdcgAt10)} | {result.Source} |");
            }

            Line(text);
        }

        if (context.Charts.Count > 0)
        {
            Line(text, "### Charts");
            Line(text);
            foreach (var chart in context.Charts)
            {
                var link = chart.Replace('\\', '/');
                Line(text, $"![{Path.GetFileNameWithoutExtension(link)}]({link})");
                Line(text);
            }
        }

        return text.ToString();
    }

    /// <summary>The experiment log that closes the file: <paramref name="log"/> verbatim, or a line saying it was not there.</summary>
    public static string RenderExperimentLog(string path, string? log)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var text = new StringBuilder();
        Line(text, "## Experiment log");
        Line(text);
        if (log is null)
        {
            Line(text, $"No `{path}` existed when this report was generated.");
        }
        else
        {
            Line(text, $"Included verbatim from `{path}`:");
            Line(text);
            text.Append(log.ReplaceLineEndings("\n").TrimEnd('\n')).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// Whether the test numbers of the <c>--model</c> scorer reach the fixed target published for the data set, and by
    /// how much; null when the data set has no fixed target.
    /// </summary>
    public static string? TargetLine(SplitReport test)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (PublishedResults.For(test.Dataset).Target is not { } target)
        {
            return null;
        }

        var goal = $"Target (test, not masked): R@10 ≥ {Format(target.RecallAt10)} and N@10 ≥ {Format(target.NdcgAt10)}";
        if (test.Model is null)
        {
            return $"{goal}: no `--model` was evaluated.";
        }

        var recall = test.Model.Metrics.RecallAt10;
        var ndcg = test.Model.Metrics.NdcgAt10;
        var met = recall >= target.RecallAt10 && ndcg >= target.NdcgAt10;
        return $"{goal}: **{(met ? "met" : "not met")}** by {test.Model.Name} (R@10 {Format(recall)}, {Signed(recall - target.RecallAt10)}; "
            + $"N@10 {Format(ndcg)}, {Signed(ndcg - target.NdcgAt10)}).";
    }

    /// <summary>
    /// Whether the <c>--model</c> scorer's N@10 is at least <see cref="BaselineGoalFactor"/> × the better of the
    /// <c>transitions</c> and <c>content+transitions</c> baselines in <paramref name="test"/>, with the ratio.
    /// </summary>
    public static string BaselineGoalLine(SplitReport test)
    {
        ArgumentNullException.ThrowIfNull(test);
        var factor = BaselineGoalFactor.ToString("0.0#", CultureInfo.InvariantCulture);
        var goal = $"Goal (test, not masked): N@10 ≥ {factor} × the better of `transitions` and `content+transitions`";
        if (test.Model is null)
        {
            return $"{goal}: no `--model` was evaluated.";
        }

        var best = test.Baselines
            .Where(b => b.Kind is ScorerKind.Transitions or ScorerKind.ContentTransitions)
            .MaxBy(b => b.Metrics.NdcgAt10);
        if (best is null)
        {
            return $"{goal}: not judged, neither baseline was run.";
        }

        var ndcg = test.Model.Metrics.NdcgAt10;
        var required = BaselineGoalFactor * best.Metrics.NdcgAt10;
        var met = ndcg >= required;
        var ratio = best.Metrics.NdcgAt10 > 0 ? (ndcg / best.Metrics.NdcgAt10).ToString("F3", CultureInfo.InvariantCulture) : "∞";
        return $"{goal} ({best.Name} N@10 {Format(best.Metrics.NdcgAt10)}, so ≥ {Format(required)}): **{(met ? "met" : "not met")}** by "
            + $"{test.Model.Name} (N@10 {Format(ndcg)}, {ratio} × {best.Name}).";
    }

    /// <summary>How a section names the machine it was generated on: host, CPU, cores, OS, runtime.</summary>
    public static string MachineText(MachineDescription machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"`{machine.Name}` ({machine.Cpu ?? "unknown CPU"}, {machine.Cores} cores, {machine.Os}, .NET {machine.RuntimeVersion})");
    }

    /// <summary>Four decimals, invariant culture.</summary>
    public static string Format(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>A split's heading: which split, how many users, and whether seen items were masked.</summary>
    public static string Heading(SplitReport split)
    {
        ArgumentNullException.ThrowIfNull(split);
        var name = split.Split == EvaluationSplit.Test ? "Test" : "Validation";
        return $"{name} ({split.SplitName}, {split.Users} users): seen items {(split.MaskSeen ? "masked" : "not masked")}";
    }

    private static void WriteProtocol(StringBuilder text, ReportContext context, IReadOnlyList<SplitReport> splits, PublishedBenchmark published)
    {
        var first = splits[0];
        var layout = context.Layout switch
        {
            DatasetLayout.UniSRec =>
                $"read from UniSRec atomic files (`{first.Dataset}.train.inter`, `.valid.inter`, `.test.inter`, `.text`, `.item2index`; rows as written); "
                + "leave-one-out (valid = second-to-last item, test = last item)",
            DatasetLayout.MovieLens =>
                "read from MovieLens `u.data` + `u.item` (every rating an interaction; each user's ratings ordered by timestamp, then movie id); "
                + "leave-one-out by the reader (valid = second-to-last item, test = last item, training = the rest)",
            _ => throw new ArgumentOutOfRangeException(nameof(context), context.Layout, "Unknown data set layout."),
        };
        var asPublished = published.IsEmpty ? "" : ", as in the published numbers";
        var masks = splits.Select(s => s.MaskSeen).Distinct().ToArray();
        var seen = masks.Length > 1
            ? $"seen items reported both **not masked** (the headline{asPublished}) and **masked** (history items other than the target removed from the ranking)"
            : masks[0]
                ? "seen items **masked** (history items other than the target removed)"
                : $"seen items **not masked**{asPublished}";

        Line(text, "### Protocol");
        Line(text);
        Line(text, $"- Data: `{context.DatasetDirectory}` ({first.Dataset}, content hash `{context.DatasetHash}`), {first.Users} users, {context.Items} items, {layout}.");
        Line(text, $"- Full ranking over all {context.Items} items for every user; history = the row's item list (at most 50 items, oldest first); {seen}.");
        Line(text, "- rank = 1 + number of other items scoring ≥ the target (ties count against the target); R@K = share of users with rank ≤ K; N@K = mean of 1/log2(rank + 1) over users with rank ≤ K; MRR = mean of 1/rank.");
        Line(text, $"- Content embeddings: `{context.EncoderVersion}`, computed by the silo's encoder library (cached on disk). LEARN scores come from the serving code (`Actors.Model`): item tower per item, user tower appended event by event as the user grain does.");
        Line(text);
    }

    private static void WriteSplit(StringBuilder text, SplitReport split, PublishedBenchmark published)
    {
        // Published numbers keep seen items in, so they sit beside the unmasked tables only.
        var withReferences = !published.IsEmpty && !split.MaskSeen;
        Line(text, $"### {Heading(split)}");
        Line(text);
        if (split.MaskSeen)
        {
            Line(text, "Each user's history items other than the target are removed from the ranking"
                + (published.IsEmpty ? "." : "; not comparable with the published numbers, which keep them."));
            Line(text);
        }

        var reference = withReferences ? " published reference (R@10 / N@10) |" : "";
        Line(text, $"| scorer | {string.Join(" | ", RankingMetrics.Names)} |{reference}");
        Line(text, $"| --- |{string.Concat(Enumerable.Repeat(" ---: |", RankingMetrics.Names.Count))}{(withReferences ? " --- |" : "")}");
        foreach (var result in split.All)
        {
            var values = string.Join(" | ", result.Metrics.Values.Select(Format));
            Line(text, $"| {result.Name} | {values} |{(withReferences ? $" {published.ReferenceFor(result.Kind)} |" : "")}");
        }

        if (withReferences)
        {
            foreach (var anchor in published.Anchors)
            {
                var cells = RankingMetrics.Names.Select(name => name switch
                {
                    "R@10" => FormatOptional(anchor.RecallAt10),
                    "N@10" => FormatOptional(anchor.NdcgAt10),
                    _ => "–",
                });
                Line(text, $"| *{anchor.Method} (published, test)* | {string.Join(" | ", cells)} | {anchor.Source} |");
            }
        }

        Line(text);
        if (split.Split == EvaluationSplit.Test)
        {
            if (split.MaskSeen)
            {
                Line(text, "The goals are judged on the unmasked test table.");
                Line(text);
            }
            else
            {
                if (TargetLine(split) is { } target)
                {
                    Line(text, target);
                    Line(text);
                }

                Line(text, BaselineGoalLine(split));
                Line(text);
            }
        }
    }

    private static void WriteWhatWasEvaluated(StringBuilder text, ReportContext context, IReadOnlyList<SplitReport> splits)
    {
        Line(text, "### What was evaluated");
        Line(text);
        foreach (var result in splits[0].All)
        {
            Line(text, $"- **{result.Name}**: {result.Description}");
        }

        var skipped = splits.SelectMany(s => s.Skipped).DistinctBy(pair => pair.Key).ToList();
        foreach (var (name, reason) in skipped)
        {
            Line(text, $"- Not run: **{name}**: {reason}");
        }

        if (context.ModelFacts.Count > 0)
        {
            Line(text);
            Line(text, "Manifest of the `--model` artifact:");
            Line(text);
            Line(text, "| field | value |");
            Line(text, "| --- | --- |");
            foreach (var (key, value) in context.ModelFacts)
            {
                // A table cell is one line: multi-line JSON values are folded onto it.
                var cell = string.Join(' ', value.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                Line(text, $"| {key} | `{cell.Replace("|", "\\|", StringComparison.Ordinal)}` |");
            }
        }

        Line(text);
        Line(text, string.Create(CultureInfo.InvariantCulture, $"Ranking time per table ({context.Threads} worker threads):"));
        Line(text);
        foreach (var split in splits)
        {
            var timings = string.Join(", ", split.All.Select(r => $"{r.Name} {r.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s"));
            Line(text, $"- {split.SplitName}, {(split.MaskSeen ? "masked" : "not masked")}: {timings}");
        }

        Line(text);
    }

    private static string FormatOptional(double? value) => value is { } v ? Format(v) : "–";

    private static string Signed(double value) => value.ToString("+0.0000;−0.0000", CultureInfo.InvariantCulture);

    private static void Line(StringBuilder text, string line = "") => text.Append(line).Append('\n');
}
