namespace Actors.Evaluation.Tests;

public sealed class BaselineTests
{
    [Fact]
    public void Popularity_CountsEachUsersTrainingSequence_AndNeverValidOrTestTargets()
    {
        using var data = SyntheticDataset.Create(users: 50, items: 20, seed: 11, heldOutItems: 4);
        var expected = new float[20];
        foreach (var sequence in data.Sequences)
        {
            foreach (var item in sequence[..^2])
            {
                expected[item]++;
            }
        }

        var ranker = PopularityRanker.FromTraining(data.Data);

        Assert.Equal(expected, ranker.Counts.ToArray());
        // Held-out items appear only as valid and test targets: never counted.
        Assert.All(ranker.Counts[16..].ToArray(), count => Assert.Equal(0f, count));
        Assert.True(ranker.Counts[..16].ToArray().Sum() > 0);
    }

    [Fact]
    public void Popularity_ScoresAreTheSameForEveryUser()
    {
        var ranker = new PopularityRanker(3, [[0, 1, 1], [1, 2]]);
        var scorer = ranker.CreateScorer();
        var a = new float[3];
        var b = new float[3];

        scorer.Score([0], a);
        scorer.Score([2, 1], b);

        Assert.Equal([1f, 3f, 1f], a);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Popularity_ItemOutsideTheCatalog_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PopularityRanker(2, [[0, 2]]));
    }

    [Fact]
    public void ContentOnly_EqualsTheNormalisedMeanDottedWithEachItem()
    {
        float[][] content =
        [
            [1f, 0f, 0f],
            [0f, 1f, 0f],
            [0.6f, 0.8f, 0f],
            [0f, 0f, 1f],
        ];
        var scores = new float[4];

        new ContentOnlyRanker(content).CreateScorer().Score([0, 1], scores);

        // mean = (0.5, 0.5, 0), normalised = (1/√2, 1/√2, 0).
        var s = 1 / Math.Sqrt(2);
        Assert.Equal(s, scores[0], 1e-6);
        Assert.Equal(s, scores[1], 1e-6);
        Assert.Equal((0.6 * s) + (0.8 * s), scores[2], 1e-6);
        Assert.Equal(0.0, scores[3], 1e-6);
    }

    [Fact]
    public void ContentOnly_RanksTheSameAsAHandComputedRanking()
    {
        using var data = SyntheticDataset.Create(users: 40, items: 25, seed: 12);
        var content = data.RandomContent(6, seed: 5);
        var ranker = new ContentOnlyRanker(content);

        var result = RankingEvaluator.Evaluate(ranker, data.Data.Test);

        for (var r = 0; r < data.Data.Test.Count; r++)
        {
            var row = data.Data.Test[r];
            var mean = new double[6];
            foreach (var item in row.History)
            {
                for (var d = 0; d < 6; d++)
                {
                    mean[d] += content[item][d] / row.History.Length;
                }
            }

            var norm = Math.Sqrt(mean.Sum(v => v * v));
            double Score(int item) => Enumerable.Range(0, 6).Sum(d => mean[d] / norm * content[item][d]);
            var target = Score(row.Target);
            var expected = 1 + Enumerable.Range(0, 25).Count(i => i != row.Target && Score(i) >= target - 1e-9);
            Assert.Equal(expected, result.Ranks[r]);
        }
    }

    [Fact]
    public void ContentOnly_MixedDimensions_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ContentOnlyRanker([[1f, 0f], [1f]]));
    }
}
