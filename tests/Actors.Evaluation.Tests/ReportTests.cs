using System.Text.Json;

namespace Actors.Evaluation.Tests;

public sealed class ReportTests
{
    private static readonly RankingMetrics ModelMetrics = new(8442, 0.15, 0.085, 0.2, 0.1, 0.3, 0.12, 0.07);

    private static SplitReport Report(EvaluationSplit split, bool withModel = true) => new(
        "Scientific",
        split,
        8442,
        MaskSeen: false,
        withModel ? new ScorerResult("learn", ScorerKind.Learn, "models/learn", ModelMetrics, TimeSpan.FromSeconds(2)) : null,
        [new ScorerResult("popularity", ScorerKind.Popularity, "training counts", new RankingMetrics(8442, 0.03, 0.017, 0.045, 0.02, 0.09, 0.03, 0.017), TimeSpan.FromSeconds(1))],
        new Dictionary<string, string> { ["sasrec"] = "no --sasrec given" });

    [Fact]
    public void Json_HasTheShapeTheExternalChecksRead()
    {
        using var json = JsonDocument.Parse(EvaluationJson.Serialize(Report(EvaluationSplit.Test)));
        var root = json.RootElement;

        Assert.Equal(["dataset", "split", "users", "metrics"], root.EnumerateObject().Take(4).Select(p => p.Name));
        Assert.Equal("Scientific", root.GetProperty("dataset").GetString());
        Assert.Equal("test", root.GetProperty("split").GetString());
        Assert.Equal(8442, root.GetProperty("users").GetInt32());
        var metrics = root.GetProperty("metrics");
        Assert.Equal(RankingMetrics.Names, metrics.EnumerateObject().Select(p => p.Name));
        Assert.All(metrics.EnumerateObject(), p => Assert.Equal(JsonValueKind.Number, p.Value.ValueKind));
        Assert.Equal(0.15, metrics.GetProperty("R@10").GetDouble());
        Assert.Equal(0.085, metrics.GetProperty("N@10").GetDouble());
        Assert.Equal(0.03, root.GetProperty("baselines").GetProperty("popularity").GetProperty("R@10").GetDouble());
        Assert.Equal("no --sasrec given", root.GetProperty("skipped").GetProperty("sasrec").GetString());
    }

    [Fact]
    public void Json_WithoutAModel_LeavesMetricsOut()
    {
        using var json = JsonDocument.Parse(EvaluationJson.Serialize(Report(EvaluationSplit.Valid, withModel: false)));

        Assert.False(json.RootElement.TryGetProperty("metrics", out _));
        Assert.Equal("valid", json.RootElement.GetProperty("split").GetString());
    }

    [Fact]
    public void Markdown_HoldsBothSplits_TheAnchors_TheCommand_AndTheExperimentLogVerbatim()
    {
        const string log = "# Experiments\n\n| run | R@10 |\n| --- | --- |\n| a | 0.1 |\n";
        var context = new ReportContext(
            "data/Scientific", "abc123", 4385, "all-MiniLM-L6-v2/x/mean/128",
            ["dotnet run -c Release --project client -- evaluate --dataset data/Scientific --report docs/results.md"],
            "`box` (CPU, 2 cores)", new DateTimeOffset(2026, 1, 2, 3, 4, 0, TimeSpan.Zero),
            [new("version", "v1")], "training/EXPERIMENTS.md", log);

        var text = ResultsReport.Render(context, [Report(EvaluationSplit.Test), Report(EvaluationSplit.Valid)]);

        Assert.Contains("## Test (test, 8442 users)", text, StringComparison.Ordinal);
        Assert.Contains("## Validation (valid, 8442 users)", text, StringComparison.Ordinal);
        Assert.Contains("| learn | 0.1500 | 0.0850 | 0.2000 | 0.1000 | 0.3000 | 0.1200 | 0.0700 |", text, StringComparison.Ordinal);
        Assert.Contains("| *MISSRec (published, test)* | 0.1360 | 0.0753 |", text, StringComparison.Ordinal);
        Assert.Contains("| *VQ-Rec (published, test)* | 0.1211 | 0.0643 |", text, StringComparison.Ordinal);
        Assert.Contains("**met** by learn", text, StringComparison.Ordinal);
        Assert.Contains("evaluate --dataset data/Scientific --report docs/results.md", text, StringComparison.Ordinal);
        Assert.Contains("2026-01-02 03:04 UTC on `box`", text, StringComparison.Ordinal);
        Assert.Contains("Not run: **sasrec**", text, StringComparison.Ordinal);
        Assert.EndsWith(log, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_WithoutAnExperimentLog_SaysSo()
    {
        var context = new ReportContext("d", "h", 10, "enc", ["cmd"], "m", DateTimeOffset.UnixEpoch, [], "training/EXPERIMENTS.md", null);

        var text = ResultsReport.Render(context, [Report(EvaluationSplit.Test, withModel: false)]);

        Assert.Contains("No `training/EXPERIMENTS.md` existed", text, StringComparison.Ordinal);
        Assert.Contains("no `--model` was evaluated", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TargetLine_BelowTarget_SaysNotMetAndByHowMuch()
    {
        var report = Report(EvaluationSplit.Test) with
        {
            Model = new ScorerResult("learn", ScorerKind.Learn, "m", ModelMetrics with { RecallAt10 = 0.12, NdcgAt10 = 0.07 }, TimeSpan.Zero),
        };

        var line = ResultsReport.TargetLine(report);

        Assert.Contains("**not met**", line, StringComparison.Ordinal);
        Assert.Contains("R@10 0.1200, −0.0200", line, StringComparison.Ordinal);
        Assert.Contains("N@10 0.0700, −0.0100", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("valid", EvaluationSplit.Valid)]
    [InlineData("TEST", EvaluationSplit.Test)]
    public void SplitNames_Parse(string text, EvaluationSplit expected)
    {
        Assert.True(SplitNames.TryParse(text, out var split));
        Assert.Equal(expected, split);
        Assert.False(SplitNames.TryParse("train", out _));
    }
}
