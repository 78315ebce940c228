using System.Text.Json;

namespace Actors.Evaluation.Tests;

public sealed class ReportTests
{
    private static readonly RankingMetrics ModelMetrics = new(8442, 0.15, 0.085, 0.2, 0.1, 0.3, 0.12, 0.07);

    private static RankingMetrics Metrics(double recall, double ndcg) => new(8442, recall, ndcg, recall, ndcg, recall, ndcg, ndcg);

    private static SplitReport Report(EvaluationSplit split, bool withModel = true, string dataset = "Scientific", bool maskSeen = false, double transitionsNdcg = 0.06, double contentTransitionsNdcg = 0.07) => new(
        dataset,
        split,
        8442,
        maskSeen,
        withModel ? new ScorerResult("learn", ScorerKind.Learn, "models/learn", ModelMetrics, TimeSpan.FromSeconds(2)) : null,
        [
            new ScorerResult("popularity", ScorerKind.Popularity, "training counts", new RankingMetrics(8442, 0.03, 0.017, 0.045, 0.02, 0.09, 0.03, 0.017), TimeSpan.FromSeconds(1)),
            new ScorerResult("transitions", ScorerKind.Transitions, "counts", Metrics(0.11, transitionsNdcg), TimeSpan.FromSeconds(1)),
            new ScorerResult("content+transitions", ScorerKind.ContentTransitions, "content and counts", Metrics(0.12, contentTransitionsNdcg), TimeSpan.FromSeconds(1)),
        ],
        new Dictionary<string, string> { ["sasrec"] = "no --sasrec given" });

    /// <summary>Test and valid, each not masked then masked, as <c>evaluate --report</c> passes them.</summary>
    private static SplitReport[] FourTables(string dataset = "Scientific") =>
    [
        Report(EvaluationSplit.Test, dataset: dataset),
        Report(EvaluationSplit.Test, dataset: dataset, maskSeen: true) with
        {
            Model = new ScorerResult("learn", ScorerKind.Learn, "models/learn", Metrics(0.2345, 0.1234), TimeSpan.FromSeconds(2)),
        },
        Report(EvaluationSplit.Valid, dataset: dataset),
        Report(EvaluationSplit.Valid, dataset: dataset, maskSeen: true),
    ];

    private static ReportContext Context(string directory = "data/Scientific", DatasetLayout layout = DatasetLayout.UniSRec, string hash = "abc123") => new(
        directory, layout, hash, 4385, "all-MiniLM-L6-v2/x/mean/128",
        [$"dotnet run -c Release --project evaluation/cli -- --dataset {directory} --report docs/results.md"],
        "`box` (CPU, 2 cores)", new DateTimeOffset(2026, 1, 2, 3, 4, 0, TimeSpan.Zero),
        [new("version", "v1"), new("hyperparameters", "{\n  \"epochs\": 60,\n  \"seed\": 42\n}")], 2,
        ["images/evaluation-Scientific-test.png"]);

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
        Assert.False(root.GetProperty("maskSeen").GetBoolean());
        Assert.Equal(0.03, root.GetProperty("baselines").GetProperty("popularity").GetProperty("R@10").GetDouble());
        Assert.Equal(0.07, root.GetProperty("baselines").GetProperty("content+transitions").GetProperty("N@10").GetDouble());
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

        var text = ResultsReport.Render(Context(), FourTables(), "training/EXPERIMENTS.md", log);

        Assert.StartsWith("# Results\n", text, StringComparison.Ordinal);
        Assert.Contains("### Test (test, 8442 users): seen items not masked", text, StringComparison.Ordinal);
        Assert.Contains("### Validation (valid, 8442 users): seen items not masked", text, StringComparison.Ordinal);
        Assert.Contains("| learn | 0.1500 | 0.0850 | 0.2000 | 0.1000 | 0.3000 | 0.1200 | 0.0700 | LEARN paper 0.1594", text, StringComparison.Ordinal);
        Assert.Contains("| *MISSRec (published, test)* | 0.1360 | 0.0753 |", text, StringComparison.Ordinal);
        Assert.Contains("| *VQ-Rec (published, test)* | 0.1211 | 0.0643 |", text, StringComparison.Ordinal);
        Assert.Contains("read from UniSRec atomic files", text, StringComparison.Ordinal);
        Assert.Contains("Target (test, not masked): R@10 ≥ 0.1400 and N@10 ≥ 0.0800: **met** by learn", text, StringComparison.Ordinal);
        Assert.Contains("Goal (test, not masked): N@10 ≥ 1.2 ×", text, StringComparison.Ordinal);
        Assert.Contains("--project evaluation/cli -- --dataset data/Scientific --report docs/results.md", text, StringComparison.Ordinal);
        Assert.Contains("2026-01-02 03:04 UTC on `box`", text, StringComparison.Ordinal);
        Assert.Contains("Not run: **sasrec**", text, StringComparison.Ordinal);
        Assert.Contains("| hyperparameters | `{ \"epochs\": 60, \"seed\": 42 }` |", text, StringComparison.Ordinal);
        Assert.Contains("Ranking time per table (2 worker threads)", text, StringComparison.Ordinal);
        Assert.Contains("![evaluation-Scientific-test](images/evaluation-Scientific-test.png)", text, StringComparison.Ordinal);
        Assert.EndsWith(log, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_HasAMaskedTableForEachSplit_LabelledAndAfterTheUnmaskedOne()
    {
        var text = ResultsReport.Render(Context(), FourTables(), "training/EXPERIMENTS.md", null);

        var testUnmasked = text.IndexOf("### Test (test, 8442 users): seen items not masked\n", StringComparison.Ordinal);
        var testMasked = text.IndexOf("### Test (test, 8442 users): seen items masked\n", StringComparison.Ordinal);
        var validUnmasked = text.IndexOf("### Validation (valid, 8442 users): seen items not masked\n", StringComparison.Ordinal);
        var validMasked = text.IndexOf("### Validation (valid, 8442 users): seen items masked\n", StringComparison.Ordinal);
        Assert.True(testUnmasked >= 0 && testMasked > testUnmasked && validUnmasked > testMasked && validMasked > validUnmasked,
            $"expected the four tables in order; found them at {testUnmasked}, {testMasked}, {validUnmasked}, {validMasked}");

        // The masked test table holds its own numbers, without published rows or a reference column, and no goal verdict.
        var maskedTest = text[testMasked..validUnmasked];
        Assert.Contains("| learn | 0.2345 | 0.1234 | 0.2345 | 0.1234 | 0.2345 | 0.1234 | 0.1234 |\n", maskedTest, StringComparison.Ordinal);
        Assert.DoesNotContain("MISSRec", maskedTest, StringComparison.Ordinal);
        Assert.DoesNotContain("**met**", maskedTest, StringComparison.Ordinal);
        Assert.Contains("history items other than the target are removed", maskedTest, StringComparison.Ordinal);
        Assert.Contains("both **not masked** (the headline, as in the published numbers) and **masked**", text, StringComparison.Ordinal);
        Assert.Contains("- test, masked: learn 2.0 s", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_ForADataSetWithoutPublishedNumbers_HasNoPublishedRows_NoFixedTarget_AndItsOwnLayout()
    {
        var text = ResultsReport.Render(
            Context("../shared/data/ml-100k", DatasetLayout.MovieLens), FourTables("ml-100k"), "training/EXPERIMENTS.md", null);

        foreach (var published in new[] { "MISSRec", "VQ-Rec", "Recformer", "LEARN paper", "(R)", "published reference", "### Published numbers", "Target (test", "0.1400", "UniSRec" })
        {
            Assert.DoesNotContain(published, text, StringComparison.Ordinal);
        }

        Assert.Contains("## ml-100k\n", text, StringComparison.Ordinal);
        Assert.Contains("read from MovieLens `u.data` + `u.item`", text, StringComparison.Ordinal);
        Assert.Contains("ordered by timestamp, then movie id", text, StringComparison.Ordinal);
        Assert.Contains("| learn | 0.1500 | 0.0850 | 0.2000 | 0.1000 | 0.3000 | 0.1200 | 0.0700 |\n", text, StringComparison.Ordinal);
        Assert.Contains("Goal (test, not masked): N@10 ≥ 1.2 ×", text, StringComparison.Ordinal);
        Assert.Null(ResultsReport.TargetLine(Report(EvaluationSplit.Test, dataset: "ml-100k")));
        Assert.True(PublishedResults.For("ml-100k").IsEmpty);
        Assert.False(PublishedResults.For("Scientific").IsEmpty);
    }

    [Fact]
    public void Markdown_WithoutAnExperimentLog_SaysSo()
    {
        var text = ResultsReport.Render(Context(), [Report(EvaluationSplit.Test, withModel: false)], "training/EXPERIMENTS.md", null);

        Assert.Contains("No `training/EXPERIMENTS.md` existed", text, StringComparison.Ordinal);
        Assert.Contains("Target (test, not masked): R@10 ≥ 0.1400 and N@10 ≥ 0.0800: no `--model` was evaluated.", text, StringComparison.Ordinal);
        Assert.Contains("the better of `transitions` and `content+transitions`: no `--model` was evaluated.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void MachineText_NamesHostCpuCoresOsAndRuntime_AndSaysWhenTheCpuIsUnknown()
    {
        var machine = new MachineDescription("box", "Some CPU", 2, "Debian 12", ".NET 10.0.1", new Version(10, 0, 1), 7.5);

        Assert.Equal("`box` (Some CPU, 2 cores, Debian 12, .NET 10.0.1)", ResultsReport.MachineText(machine));
        Assert.Equal("`box` (unknown CPU, 2 cores, Debian 12, .NET 10.0.1)", ResultsReport.MachineText(machine with { Cpu = null }));
    }

    [Fact]
    public void Document_NamesTheCommandThatGeneratesIt()
    {
        var document = ResultsReport.Render(Context(), FourTables(), "training/EXPERIMENTS.md", null);

        Assert.Contains("Generated by `actors-evaluate --report`", document, StringComparison.Ordinal);
        Assert.Contains("dotnet run -c Release --project evaluation/cli -- --dataset data/Scientific", document, StringComparison.Ordinal);
    }

    [Fact]
    public void TargetLine_BelowTarget_SaysNotMetAndByHowMuch()
    {
        var report = Report(EvaluationSplit.Test) with
        {
            Model = new ScorerResult("learn", ScorerKind.Learn, "m", ModelMetrics with { RecallAt10 = 0.12, NdcgAt10 = 0.07 }, TimeSpan.Zero),
        };

        var line = ResultsReport.TargetLine(report);

        Assert.NotNull(line);
        Assert.Contains("**not met**", line, StringComparison.Ordinal);
        Assert.Contains("R@10 0.1200, −0.0200", line, StringComparison.Ordinal);
        Assert.Contains("N@10 0.0700, −0.0100", line, StringComparison.Ordinal);
    }

    [Fact]
    public void BaselineGoalLine_AtLeastTheFactorTimesTheBetterBaseline_IsMet()
    {
        // Model N@10 0.085; the better baseline is content+transitions at 0.07: 0.085 / 0.07 = 1.214 ≥ 1.2.
        var line = ResultsReport.BaselineGoalLine(Report(EvaluationSplit.Test, transitionsNdcg: 0.06, contentTransitionsNdcg: 0.07));

        Assert.Contains("(content+transitions N@10 0.0700, so ≥ 0.0840): **met** by learn (N@10 0.0850, 1.214 × content+transitions)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void BaselineGoalLine_BelowTheBetterBaseline_IsNotMet_EvenWhenTheOtherIsFarBelow()
    {
        // 0.085 is 1.7 × content+transitions (0.05) but only 1.133 × transitions (0.075), the better of the two.
        var line = ResultsReport.BaselineGoalLine(Report(EvaluationSplit.Test, transitionsNdcg: 0.075, contentTransitionsNdcg: 0.05));

        Assert.Contains("(transitions N@10 0.0750, so ≥ 0.0900): **not met** by learn (N@10 0.0850, 1.133 × transitions)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void BaselineGoalLine_WithoutTheCountBaselines_IsNotJudged()
    {
        var report = Report(EvaluationSplit.Test) with { Baselines = [Report(EvaluationSplit.Test).Baselines[0]] };

        var line = ResultsReport.BaselineGoalLine(report);

        Assert.Contains("not judged, neither baseline was run", line, StringComparison.Ordinal);
        Assert.DoesNotContain("met", line, StringComparison.Ordinal);
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
