using Actors.Model;

namespace Actors.Evaluation.Tests;

/// <summary>The fused score (model cosine + item → next-item counts) and the search that chooses its settings.</summary>
public sealed class FusionTests
{
    [Fact]
    public void Transitions_OfTheLastItems_AreWeightedByDecayNewestFirst()
    {
        var counts = TransitionCounts.FromSequences<int>([[0, 1], [0, 1], [0, 2], [3, 2], [3, 4], [5, 4]]);
        var settings = new FusionSettings(1, Window: 2, Decay: 0.5, Temperature: 1);
        var transitions = new Dictionary<int, float>();

        // History oldest first: …, 0, 3. Item 3 is newest (weight 1), item 0 before it (weight 0.5); item 5 is outside the window.
        settings.AccumulateTransitions<int>([5, 0, 3], counts, transitions);

        Assert.Equal(new Dictionary<int, float> { [2] = 1.5f, [4] = 1f, [1] = 1f }, transitions);
    }

    [Fact]
    public void CountsOnlyRanker_ScoresLog1pOfTheTransitions_AndNothingElse()
    {
        var counts = TransitionCounts.FromSequences<int>([[0, 1], [0, 1], [0, 2]]);
        var ranker = new FusedRanker("transitions", null, 4, counts, new FusionSettings(1, 1, 1, 1));
        var scores = new float[4];

        ranker.CreateScorer().Score([3, 0], scores);

        Assert.Equal([0f, (float)Math.Log(3), (float)Math.Log(2), 0f], scores);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.0)]
    [InlineData(4.0, 2.0)]
    [InlineData(0.0, 50.0)]
    public void FusedRanker_IsTheBaseCosineOverTemperature_PlusLambdaLog1pT_MinusTheSeenPenalty(double lambda, double seenPenalty)
    {
        using var data = SyntheticDataset.Create(users: 40, items: 25, seed: 5);
        var content = RandomContent(25, 8, seed: 3);
        var baseRanker = new ContentOnlyRanker(content);
        var counts = FusedRanker.CountsOf(RankingEvaluator.SequencesBefore(data.Data, EvaluationSplit.Valid));
        var settings = new FusionSettings(lambda, 3, 0.5, 0.05, seenPenalty);
        var fused = new FusedRanker("fused", baseRanker, 25, counts, settings).CreateScorer();
        var cosine = baseRanker.CreateScorer();
        var expected = new float[25];
        var actual = new float[25];

        foreach (var row in data.Data.Valid)
        {
            cosine.Score(row.History, expected);
            var transitions = new Dictionary<int, float>();
            settings.AccumulateTransitions<int>(row.History, counts, transitions);
            for (var i = 0; i < expected.Length; i++)
            {
                expected[i] = settings.Score(expected[i], transitions.GetValueOrDefault(i), row.History.Contains(i));
            }

            fused.Score(row.History, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Search_GivesEveryGridPointTheMetricsTheEvaluatorGivesItsFusedRanker()
    {
        using var data = SyntheticDataset.Create(users: 300, items: 60, seed: 9);
        var content = RandomContent(60, 8, seed: 4);
        var baseRanker = new ContentOnlyRanker(content);
        var rows = data.Data.Valid;
        var counts = FusedRanker.CountsOf(RankingEvaluator.SequencesBefore(data.Data, EvaluationSplit.Valid));
        var grid = FusionSearch.DefaultGrid(0.05);

        var searched = FusionSearch.Run(baseRanker, 60, rows, counts, grid);

        Assert.Equal(grid.Count, searched.Count);
        foreach (var candidate in searched.Where((_, i) => i % 13 == 0 || i % 6 == 5))
        {
            var evaluated = RankingEvaluator.Evaluate(new FusedRanker("f", baseRanker, 60, counts, candidate.Settings), rows);
            Assert.Equal(evaluated.Metrics, candidate.Metrics);
        }

        // On these random sequences some grid points must differ, or the test would not tell a search from a constant.
        Assert.True(searched.Select(c => c.Metrics.NdcgAt10).Distinct().Count() > 1);
        var best = FusionSearch.Best(searched);
        Assert.All(searched, c => Assert.True(c.Metrics.NdcgAt10 <= best.Metrics.NdcgAt10));
    }

    [Fact]
    public void TestSplitCounts_IncludeTheValidationTargets_ValidCountsDoNot()
    {
        using var data = SyntheticDataset.Create(users: 30, items: 20, seed: 2);

        var valid = RankingEvaluator.SequencesBefore(data.Data, EvaluationSplit.Valid);
        var test = RankingEvaluator.SequencesBefore(data.Data, EvaluationSplit.Test);

        for (var u = 0; u < data.Sequences.Length; u++)
        {
            Assert.Equal(data.Sequences[u][..^2], valid[u]);
            Assert.Equal(data.Sequences[u][..^1], test[u]);
        }
    }

    [Fact]
    public void Settings_RoundTripThroughTheManifest_AndAModelWithoutThemIsServedAlone()
    {
        var config = new PreferenceModelConfig { ContentDimension = 6, Hidden = 8, Layers = 1, Heads = 2, FeedForward = 8, OutputDimension = 4, MaxLength = 5, ItemTower = ItemTowerKind.Adaptor };
        var plain = PreferenceModel.CreateRandom(config, 1);
        var settings = new FusionSettings(2, 3, 0.5, 0.07, 5);
        var withFusion = plain.WithMetadata(new Dictionary<string, System.Text.Json.JsonElement> { [FusionSettings.ManifestKey] = settings.ToJson() });
        var folder = Path.Combine(Path.GetTempPath(), "actors-fusion-" + Guid.NewGuid().ToString("N"));
        try
        {
            withFusion.Save(folder);
            Assert.Equal(settings, FusionSettings.Of(PreferenceModel.Load(folder)));
            Assert.Equal(FusionSettings.ModelOnly, FusionSettings.Of(plain));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Settings_OutOfRange_AreRefusedWithTheFieldNamed()
    {
        Assert.Contains("lambda", Assert.Throws<ArgumentException>(() => new FusionSettings(-1, 1, 1, 1).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("window", Assert.Throws<ArgumentException>(() => new FusionSettings(1, 0, 1, 1).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("decay", Assert.Throws<ArgumentException>(() => new FusionSettings(1, 1, 0, 1).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("temperature", Assert.Throws<ArgumentException>(() => new FusionSettings(1, 1, 1, double.NaN).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("seenPenalty", Assert.Throws<ArgumentException>(() => new FusionSettings(1, 1, 1, 1, -2).Validate()).Message, StringComparison.Ordinal);
    }

    private static float[][] RandomContent(int items, int dimension, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, items).Select(_ => Enumerable.Range(0, dimension).Select(_ => (2 * random.NextSingle()) - 1).ToArray())];
    }
}
