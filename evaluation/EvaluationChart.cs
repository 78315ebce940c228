using ScottPlot;

namespace Actors.Evaluation;

/// <summary>A bar chart of R@10 and N@10 for the model and its baselines on one split, with the best number published on its split, where there is one.</summary>
public static class EvaluationChart
{
    /// <summary>Writes the chart of <paramref name="report"/> as a PNG at <paramref name="path"/>.</summary>
    public static void WritePng(SplitReport report, string path, int width = 900, int height = 480)
    {
        ArgumentNullException.ThrowIfNull(report);
        var results = report.All.ToArray();
        var plot = new Plot();
        var recallColor = new Color(31, 119, 180);
        var ndcgColor = new Color(255, 127, 14);
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (var i = 0; i < results.Length; i++)
        {
            var center = i * 3.0;
            bars.Add(new Bar { Position = center - 0.45, Value = results[i].Metrics.RecallAt10, FillColor = recallColor, Size = 0.9 });
            bars.Add(new Bar { Position = center + 0.45, Value = results[i].Metrics.NdcgAt10, FillColor = ndcgColor, Size = 0.9 });
            ticks.Add(new Tick(center, results[i].Name, isMajor: true));
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;

        // For scale: the best number published on this data set's split, if any (published numbers are test, not masked).
        var anchor = PublishedResults.For(report.Dataset).Anchors
            .Where(a => a.RecallAt10 is not null && a.NdcgAt10 is not null)
            .MaxBy(a => a.RecallAt10);
        if (report.Split == EvaluationSplit.Test && !report.MaskSeen && anchor is not null)
        {
            var recall = plot.Add.HorizontalLine(anchor.RecallAt10!.Value, color: recallColor, pattern: LinePattern.Dashed);
            recall.LegendText = $"{anchor.Method} R@10 {ResultsReport.Format(anchor.RecallAt10.Value)}";
            var ndcg = plot.Add.HorizontalLine(anchor.NdcgAt10!.Value, color: ndcgColor, pattern: LinePattern.Dashed);
            ndcg.LegendText = $"{anchor.Method} N@10 {ResultsReport.Format(anchor.NdcgAt10.Value)}";
        }
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "R@10", FillColor = recallColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "N@10", FillColor = ndcgColor });
        plot.Legend.Alignment = Alignment.UpperRight;
        // Head room above the tallest bar or line, so the legend does not cover a bar.
        plot.Axes.Margins(bottom: 0, top: 0.3);
        plot.Title($"{report.Dataset}, {report.SplitName} split: {report.Users} users, seen items {(report.MaskSeen ? "masked" : "not masked")}");
        plot.YLabel("metric");

        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
        plot.SavePng(path, width, height);
    }
}
