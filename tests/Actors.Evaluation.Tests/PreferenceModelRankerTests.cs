using System.Numerics.Tensors;
using Actors.Model;

namespace Actors.Evaluation.Tests;

public sealed class PreferenceModelRankerTests
{
    private static PreferenceModelConfig Config(int idEmbeddings = 0, int maxLength = 50) => new()
    {
        ContentDimension = 12,
        Hidden = 16,
        Layers = 2,
        Heads = 2,
        FeedForward = 32,
        OutputDimension = 8,
        Positions = PositionEncoding.Learned,
        MaxLength = maxLength,
        IdEmbeddings = idEmbeddings,
    };

    [Fact]
    public void Scores_EqualItemTowerDottedWithTheFullRecomputedUserEmbedding()
    {
        using var data = SyntheticDataset.Create(users: 30, items: 40, seed: 21);
        var content = data.RandomContent(12, seed: 22);
        var model = PreferenceModel.CreateRandom(Config(), seed: 23);
        var scorer = new PreferenceModelRanker("learn", model, content).CreateScorer();
        var scores = new float[40];

        foreach (var row in data.Data.Test)
        {
            scorer.Score(row.History, scores);

            // The evaluator appends event by event (the grain's path); the reference recomputes the whole window.
            var user = model.UserEmbedding(row.History.Select(i => content[i]).ToList());
            for (var i = 0; i < 40; i++)
            {
                var expected = TensorPrimitives.Dot(model.ItemEmbedding(content[i]), user);
                Assert.True(Math.Abs(expected - scores[i]) <= 1e-5, $"user {row.User}, item {i}: {scores[i]} vs {expected}");
            }
        }
    }

    [Fact]
    public void Scores_HistoryLongerThanTheWindow_UseTheNewestItems()
    {
        var content = Enumerable.Range(0, 10).Select(i => Enumerable.Range(0, 12).Select(d => MathF.Sin(i + (0.3f * d))).ToArray()).ToArray();
        var model = PreferenceModel.CreateRandom(Config(maxLength: 3), seed: 31);
        var scores = new float[10];

        new PreferenceModelRanker("learn", model, content).CreateScorer().Score([0, 1, 2, 3, 4, 5, 6], scores);

        var user = model.UserEmbedding([content[4], content[5], content[6]]);
        Assert.Equal(TensorPrimitives.Dot(model.ItemEmbedding(content[9]), user), scores[9], 5);
    }

    [Fact]
    public void Scores_WithIdEmbeddings_PassEachItemsToken()
    {
        using var data = SyntheticDataset.Create(users: 10, items: 15, seed: 41);
        var content = data.RandomContent(12, seed: 42);
        // CreateRandom names the id rows "0".."14"; the ranker is told each item's token.
        var model = PreferenceModel.CreateRandom(Config(idEmbeddings: 15), seed: 43);
        var tokens = Enumerable.Range(0, 15).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var withIds = new PreferenceModelRanker("learn", model, content, tokens).CreateScorer();
        var withoutIds = new PreferenceModelRanker("learn", model, content).CreateScorer();
        var scores = new float[15];
        var contentOnly = new float[15];

        var row = data.Data.Test[0];
        withIds.Score(row.History, scores);
        withoutIds.Score(row.History, contentOnly);

        var user = model.UserEmbedding(row.History.Select(i => content[i]).ToList(), row.History.Select(i => (string?)tokens[i]).ToList());
        for (var i = 0; i < 15; i++)
        {
            Assert.Equal(TensorPrimitives.Dot(model.ItemEmbedding(content[i], tokens[i]), user), scores[i], 5);
        }

        Assert.NotEqual(scores, contentOnly);
    }

    [Fact]
    public void Evaluate_RandomModelOnSyntheticData_GivesRanksWithinTheCatalog()
    {
        using var data = SyntheticDataset.Create(users: 200, items: 80, seed: 51);
        var model = PreferenceModel.CreateRandom(Config(), seed: 52);
        var ranker = new PreferenceModelRanker("learn", model, data.RandomContent(12, seed: 53));

        var valid = RankingEvaluator.Evaluate(ranker, data.Data.Valid);
        var test = RankingEvaluator.Evaluate(ranker, data.Data.Test, new EvaluationOptions { MaskSeen = true });

        Assert.All(valid.Ranks.Concat(test.Ranks), rank => Assert.InRange(rank, 1, 80));
        Assert.Equal(200, test.Metrics.Users);
        Assert.InRange(valid.Metrics.Mrr, 1.0 / 80, 1.0);
        Assert.True(valid.Metrics.RecallAt10 <= valid.Metrics.RecallAt20 && valid.Metrics.RecallAt20 <= valid.Metrics.RecallAt50);
    }

    [Fact]
    public void Constructor_ContentOfTheWrongDimension_SaysWhichItem()
    {
        var model = PreferenceModel.CreateRandom(Config(), seed: 61);
        var error = Assert.Throws<ArgumentException>(() => new PreferenceModelRanker("learn", model, [new float[12], new float[5]]));
        Assert.Contains("item 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SavedAndReloadedArtifact_GivesTheSameRanks()
    {
        using var data = SyntheticDataset.Create(users: 50, items: 30, seed: 71);
        var content = data.RandomContent(12, seed: 72);
        var model = PreferenceModel.CreateRandom(Config(), seed: 73);
        var folder = Path.Combine(data.Folder, "model");
        model.Save(folder);

        var before = RankingEvaluator.Evaluate(new PreferenceModelRanker("learn", model, content), data.Data.Test);
        var after = RankingEvaluator.Evaluate(new PreferenceModelRanker("learn", PreferenceModel.Load(folder), content), data.Data.Test);

        Assert.Equal(before.Ranks, after.Ranks);
    }
}
