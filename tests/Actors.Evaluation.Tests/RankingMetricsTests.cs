namespace Actors.Evaluation.Tests;

public sealed class RankingMetricsTests
{
    [Fact]
    public void RankOf_HighestScore_IsOne()
    {
        Assert.Equal(1, RankingMetrics.RankOf([0.1f, 0.9f, 0.3f], target: 1));
    }

    [Fact]
    public void RankOf_Ties_CountAgainstTheTarget()
    {
        float[] scores = [0.5f, 0.5f, 0.2f, 0.5f];
        Assert.Equal(3, RankingMetrics.RankOf(scores, 0));
        Assert.Equal(3, RankingMetrics.RankOf(scores, 1));
        Assert.Equal(4, RankingMetrics.RankOf(scores, 2));
        Assert.Equal(5, RankingMetrics.RankOf([1f, 1f, 1f, 1f, 1f], 4));
    }

    [Fact]
    public void RankOf_NaNTarget_RanksLast_AndNaNOthersNeverBeatIt()
    {
        Assert.Equal(3, RankingMetrics.RankOf([float.NaN, 0.2f, 0.1f], 0));
        Assert.Equal(1, RankingMetrics.RankOf([0.3f, float.NaN, 0.1f], 0));
    }

    [Fact]
    public void RankOf_TargetOutsideTheScores_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.RankOf([0f, 1f], 2));
    }

    [Fact]
    public void FromRanks_RankOne_IsPerfect()
    {
        var metrics = RankingMetrics.FromRanks([1, 1]);
        Assert.All(metrics.Values, value => Assert.Equal(1.0, value));
        Assert.Equal(2, metrics.Users);
    }

    [Fact]
    public void FromRanks_BeyondFifty_ScoresOnlyInMrr()
    {
        var metrics = RankingMetrics.FromRanks([51]);
        Assert.Equal(0.0, metrics.RecallAt50);
        Assert.Equal(0.0, metrics.NdcgAt50);
        Assert.Equal(1.0 / 51, metrics.Mrr, 12);
    }

    [Fact]
    public void FromRanks_KnownAnswer()
    {
        var metrics = RankingMetrics.FromRanks([1, 2, 11, 60]);
        var log2 = (double r) => 1 / Math.Log2(r + 1);
        Assert.Equal(0.5, metrics.RecallAt10, 12);
        Assert.Equal(0.75, metrics.RecallAt20, 12);
        Assert.Equal(0.75, metrics.RecallAt50, 12);
        Assert.Equal((1 + log2(2)) / 4, metrics.NdcgAt10, 12);
        Assert.Equal((1 + log2(2) + log2(11)) / 4, metrics.NdcgAt20, 12);
        Assert.Equal((1 + log2(2) + log2(11)) / 4, metrics.NdcgAt50, 12);
        Assert.Equal((1 + 0.5 + (1.0 / 11) + (1.0 / 60)) / 4, metrics.Mrr, 12);
        Assert.Equal(1 / Math.Log2(3), RankingMetrics.Ndcg(2, 10), 12);
    }

    [Fact]
    public void Indexer_NamesEveryMetricInOrder()
    {
        var metrics = new RankingMetrics(1, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7);
        Assert.Equal(["R@10", "N@10", "R@20", "N@20", "R@50", "N@50", "MRR"], RankingMetrics.Names);
        Assert.Equal(metrics.Values, RankingMetrics.Names.Select(name => metrics[name]));
        Assert.Throws<ArgumentException>(() => metrics["HR@10"]);
    }
}
