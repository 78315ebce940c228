using System.Globalization;
using Spectre.Console;

namespace Actors.Evaluation.Cli;

/// <summary>A table of <see cref="SplitReport"/> on the console, with the published references beside the unmasked ones.</summary>
internal static class ConsoleTables
{
    public static void Write(SplitReport report)
    {
        var published = PublishedResults.For(report.Dataset);
        var withReferences = !published.IsEmpty && !report.MaskSeen;
        var table = new Table()
            .Title($"{report.Dataset}, {report.SplitName}: {report.Users} users, seen {(report.MaskSeen ? "masked" : "not masked")}")
            .AddColumn("scorer");
        foreach (var name in RankingMetrics.Names)
        {
            table.AddColumn(new TableColumn(name).RightAligned());
        }

        if (withReferences)
        {
            table.AddColumn("reference R@10 / N@10");
        }

        foreach (var result in report.All)
        {
            string[] reference = withReferences ? [Markup.Escape(published.ShortReferenceFor(result.Kind))] : [];
            table.AddRow([Markup.Escape(result.Name), .. result.Metrics.Values.Select(ResultsReport.Format), .. reference]);
        }

        if (withReferences)
        {
            foreach (var anchor in published.Anchors)
            {
                table.AddRow([
                    $"[grey]{Markup.Escape(anchor.Method)}[/]",
                    .. RankingMetrics.Names.Select(name => name switch
                    {
                        "R@10" => ResultsReport.Format(anchor.RecallAt10 ?? double.NaN),
                        "N@10" => ResultsReport.Format(anchor.NdcgAt10 ?? double.NaN),
                        _ => "–",
                    }),
                    "published, this split",
                ]);
            }
        }

        AnsiConsole.Write(table);
        if (withReferences && published.Context.Count > 0)
        {
            AnsiConsole.MarkupLine("[grey](R) = LEARN paper, Recformer's split of the same category: context, not like-for-like. Full references: --report.[/]");
        }

        if (report.Split == EvaluationSplit.Test && !report.MaskSeen && report.Model is not null)
        {
            if (ResultsReport.TargetLine(report) is { } target)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{target}");
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{ResultsReport.BaselineGoalLine(report)}");
        }
    }
}
