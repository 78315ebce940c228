namespace Actors.Evaluation.Tests;

public sealed class ResultsDocumentTests
{
    private static SplitReport Report(string dataset, double ndcg) => new(
        dataset,
        EvaluationSplit.Test,
        100,
        MaskSeen: false,
        new ScorerResult("learn", ScorerKind.Learn, "models/learn", new RankingMetrics(100, 0.2, ndcg, 0.3, ndcg, 0.4, ndcg, ndcg), TimeSpan.FromSeconds(1)),
        [],
        new Dictionary<string, string>());

    private static string Section(string dataset, double ndcg, string hash)
    {
        var context = new ReportContext(
            $"data/{dataset}", DatasetLayout.UniSRec, hash, 50, "enc", [$"evaluate --dataset data/{dataset}"], "`box`",
            DateTimeOffset.UnixEpoch, [], 2, [$"images/evaluation-{dataset}-test.png"]);
        return ResultsReport.RenderSection(context, [Report(dataset, ndcg)]);
    }

    private static string Log(string text) => ResultsReport.RenderExperimentLog("training/EXPERIMENTS.md", text);

    private static string SectionText(string document, string dataset) =>
        Assert.Single(ResultsDocument.Sections(document), s => s.Dataset == dataset).Text;

    [Fact]
    public void RegeneratingOneDataSet_KeepsTheOthersByteForByte_InTheirOrder()
    {
        var file = ResultsDocument.Merge(null, "Scientific", Section("Scientific", 0.05, "s1"), Log("old log"));
        file = ResultsDocument.Merge(file, "ml-100k", Section("ml-100k", 0.09, "m1"), Log("old log"));
        file = ResultsDocument.Merge(file, "Other", Section("Other", 0.01, "o1"), Log("old log"));
        var before = file;

        var after = ResultsDocument.Merge(before, "ml-100k", Section("ml-100k", 0.11, "m2"), Log("new log"));

        Assert.Equal(SectionText(before, "Scientific"), SectionText(after, "Scientific"));
        Assert.Equal(SectionText(before, "Other"), SectionText(after, "Other"));
        Assert.NotEqual(SectionText(before, "ml-100k"), SectionText(after, "ml-100k"));
        Assert.Contains("`m2`", SectionText(after, "ml-100k"), StringComparison.Ordinal);
        Assert.DoesNotContain("`m1`", after, StringComparison.Ordinal);
        Assert.Equal(["Scientific", "ml-100k", "Other"], ResultsDocument.Sections(after).Select(s => s.Dataset));
        Assert.StartsWith("# Results\n", after, StringComparison.Ordinal);
        Assert.Contains("Data sets: [Scientific](#scientific), [ml-100k](#ml-100k), [Other](#other).", after, StringComparison.Ordinal);
    }

    [Fact]
    public void ASectionWrittenElsewhere_IsKeptExactly_EvenWithOtherLineEndings()
    {
        const string other = "<!-- dataset: ml-100k -->\r\n## ml-100k\r\n\r\n| a | b |  \r\n<!-- end dataset: ml-100k -->\r\n";
        var before = "# Results\n\nintro\n\n" + other + "\n" + ResultsDocument.ExperimentLogMarker + "\n\nold log\n";

        var after = ResultsDocument.Merge(before, "Scientific", Section("Scientific", 0.05, "s1"), Log("log"));

        Assert.Contains(other, after, StringComparison.Ordinal);
        Assert.True(after.IndexOf(other, StringComparison.Ordinal) < after.IndexOf(ResultsDocument.StartMarker("Scientific"), StringComparison.Ordinal), "a new data set goes after the existing ones");
    }

    [Fact]
    public void TheExperimentLog_IsIncludedOnce_AfterEverySection_AndRegenerated()
    {
        var file = ResultsDocument.Merge(null, "A", Section("A", 0.05, "a"), Log("first log"));
        file = ResultsDocument.Merge(file, "B", Section("B", 0.05, "b"), Log("second log"));

        Assert.Equal(2, file.Split("## Experiment log\n").Length);
        Assert.DoesNotContain("first log", file, StringComparison.Ordinal);
        Assert.EndsWith("second log\n", file, StringComparison.Ordinal);
        Assert.True(file.IndexOf(ResultsDocument.EndMarker("B"), StringComparison.Ordinal) < file.IndexOf("## Experiment log", StringComparison.Ordinal));
    }

    [Fact]
    public void MarkersInsideTheExperimentLog_AreNotSections()
    {
        var log = Log($"{ResultsDocument.StartMarker("Fake")}\nnot a section\n");
        var file = ResultsDocument.Merge(null, "A", Section("A", 0.05, "a"), log);

        Assert.Equal(["A"], ResultsDocument.Sections(file).Select(s => s.Dataset));
        Assert.EndsWith(log, ResultsDocument.Merge(file, "A", Section("A", 0.06, "a2"), log), StringComparison.Ordinal);
    }

    [Fact]
    public void AFileWithoutMarkers_IsReplacedWholly()
    {
        const string old = "# Results on Scientific\n\nhand-made table, no markers\n";

        var file = ResultsDocument.Merge(old, "Scientific", Section("Scientific", 0.05, "s1"), Log("log"));

        Assert.DoesNotContain("hand-made", file, StringComparison.Ordinal);
        Assert.Equal(["Scientific"], ResultsDocument.Sections(file).Select(s => s.Dataset));
    }

    [Fact]
    public void TheSectionMarkers_WrapTheSection()
    {
        var file = ResultsDocument.Merge(null, "ml-100k", Section("ml-100k", 0.05, "m"), Log("log"));
        var section = SectionText(file, "ml-100k");

        Assert.StartsWith("<!-- dataset: ml-100k -->\n## ml-100k\n", section, StringComparison.Ordinal);
        Assert.EndsWith("\n<!-- end dataset: ml-100k -->\n", section, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<!-- dataset: A -->\ntext\n")]
    [InlineData("<!-- dataset: A -->\n<!-- dataset: B -->\n<!-- end dataset: B -->\n<!-- end dataset: A -->\n")]
    [InlineData("<!-- dataset: A -->\n<!-- end dataset: B -->\n")]
    [InlineData("<!-- end dataset: A -->\n")]
    [InlineData("<!-- dataset: A -->\n<!-- end dataset: A -->\n<!-- dataset: A -->\n<!-- end dataset: A -->\n")]
    public void UnpairedOrRepeatedMarkers_AreRejected_RatherThanLosingASection(string document)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ResultsDocument.Merge(document, "C", Section("C", 0.05, "c"), Log("log")));

        Assert.Contains("Report line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADataSetNameThatWouldBreakTheMarker_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => ResultsDocument.StartMarker("a --> b"));
        Assert.Throws<ArgumentException>(() => ResultsDocument.StartMarker("two\nlines"));
    }
}
