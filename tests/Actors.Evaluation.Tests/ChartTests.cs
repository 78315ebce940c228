namespace Actors.Evaluation.Tests;

public sealed class ChartTests
{
    // Scientific draws its best published number for scale; other data sets have none and must not need one.
    [Theory]
    [InlineData("Scientific")]
    [InlineData("ml-100k")]
    public void The_bar_chart_is_a_png_with_one_pair_of_bars_per_scorer(string dataset)
    {
        static ScorerResult Result(string name, ScorerKind kind, double recall, double ndcg) =>
            new(name, kind, name, new RankingMetrics(100, recall, ndcg, recall, ndcg, recall, ndcg, ndcg), TimeSpan.FromSeconds(1));
        var report = new SplitReport(
            dataset, EvaluationSplit.Test, 100, false,
            Result("learn", ScorerKind.Learn, 0.15, 0.08),
            [Result("popularity", ScorerKind.Popularity, 0.03, 0.017), Result("content-only", ScorerKind.ContentOnly, 0.07, 0.03)],
            new Dictionary<string, string>());
        var path = Path.Combine(Path.GetTempPath(), $"chart-{Guid.NewGuid():N}.png");
        try
        {
            EvaluationChart.WritePng(report, path);

            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 5_000);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
