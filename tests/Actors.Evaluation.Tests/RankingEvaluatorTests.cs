using Actors.Dataset;

namespace Actors.Evaluation.Tests;

public sealed class RankingEvaluatorTests
{
    [Fact]
    public void Evaluate_SeenItemsScoringHigher_CountUnlessMasked()
    {
        // Items 1 and 2 are in the history and beat the target 3; item 0 is unseen and below it.
        var ranker = new FixedRanker([0.1f, 0.9f, 0.8f, 0.5f]);
        Interaction[] rows = [new(0, [1, 2], 3)];

        var plain = RankingEvaluator.Evaluate(ranker, rows);
        var masked = RankingEvaluator.Evaluate(ranker, rows, new EvaluationOptions { MaskSeen = true });

        Assert.Equal(3, plain.Ranks[0]);
        Assert.Equal(1, masked.Ranks[0]);
        Assert.Equal(1.0, masked.Metrics.Mrr);
    }

    [Fact]
    public void Evaluate_MaskSeen_KeepsTheTargetWhenItIsInTheHistory()
    {
        var ranker = new FixedRanker([0.1f, 0.9f, 0.8f, 0.5f]);
        Interaction[] rows = [new(0, [3, 1], 3)];

        var masked = RankingEvaluator.Evaluate(ranker, rows, new EvaluationOptions { MaskSeen = true });

        // Item 1 is masked, item 3 (the target) is not, item 2 still beats it.
        Assert.Equal(2, masked.Ranks[0]);
    }

    [Fact]
    public void Evaluate_GivesTheRankerAtMostMaxHistoryItems_TheNewest()
    {
        var ranker = new FixedRanker([0f, 0f, 0f, 0f, 1f]);
        Interaction[] rows = [new(0, [0, 1, 2, 3], 4)];

        RankingEvaluator.Evaluate(ranker, rows, new EvaluationOptions { MaxHistory = 2 });

        Assert.Equal([2, 3], ranker.LastHistory);
    }

    [Fact]
    public void Evaluate_RanksDoNotDependOnThreads()
    {
        using var data = SyntheticDataset.Create(users: 300, items: 60, seed: 7);
        var ranker = new ContentOnlyRanker(data.RandomContent(8, seed: 3));

        var one = RankingEvaluator.Evaluate(ranker, data.Data.Test, new EvaluationOptions { Parallelism = 1 });
        var two = RankingEvaluator.Evaluate(ranker, data.Data.Test, new EvaluationOptions { Parallelism = 2 });

        Assert.Equal(one.Ranks, two.Ranks);
        Assert.Equal(one.Metrics, two.Metrics);
        Assert.Equal(300, one.Metrics.Users);
    }

    [Fact]
    public void Evaluate_ReportsProgressUpToEveryRow()
    {
        using var data = SyntheticDataset.Create(users: 600, items: 30, seed: 8);
        var reported = new List<int>();
        var progress = new SynchronousProgress(reported);

        RankingEvaluator.Evaluate(PopularityRanker.FromTraining(data.Data), data.Data.Valid, progress: progress);

        Assert.Equal(600, reported[^1]);
    }

    [Fact]
    public void Evaluate_TargetOutsideTheCatalog_SaysWhichUser()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            RankingEvaluator.Evaluate(new FixedRanker([0f, 1f]), [new Interaction(5, [0], 2)]));
        Assert.Contains("User 5", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The same scores for every user; remembers the last history it was given.</summary>
    private sealed class FixedRanker(float[] scores) : IRanker, IUserScorer
    {
        public int[] LastHistory { get; private set; } = [];

        public string Name => "fixed";

        public int ItemCount => scores.Length;

        public IUserScorer CreateScorer() => this;

        public void Score(ReadOnlySpan<int> history, Span<float> destination)
        {
            LastHistory = history.ToArray();
            scores.CopyTo(destination);
        }
    }

    private sealed class SynchronousProgress(List<int> values) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (values)
            {
                values.Add(value);
            }
        }
    }
}
