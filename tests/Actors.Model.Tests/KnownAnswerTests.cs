namespace Actors.Model.Tests;

public sealed class KnownAnswerTests
{
    private static readonly float[][] History =
    [
        [0.3f, -1.2f, 0.8f],
        [-0.5f, 0.4f, 1.5f],
        [1.1f, 0.2f, -0.7f],
    ];

    public static TheoryData<bool, PositionEncoding, bool> Variants => new()
    {
        { false, PositionEncoding.None, false },
        { false, PositionEncoding.Learned, false },
        { true, PositionEncoding.None, false },
        { true, PositionEncoding.Learned, false },
        { true, PositionEncoding.None, true },
        { false, PositionEncoding.Learned, true },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void UserEmbedding_TinyModel_MatchesNaiveReference(bool normFirst, PositionEncoding positions, bool finalNorm)
    {
        var model = TestModels.Tiny(normFirst, positions, finalNorm);

        for (var length = 1; length <= History.Length; length++)
        {
            var prefix = History[..length];
            var expected = NaiveTower.User(model, prefix);
            TestModels.AssertClose(expected, model.UserEmbedding(prefix), 1e-5, $"user embedding over {length} items");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void ItemEmbedding_TinyModel_MatchesNaiveReferenceOfOneItem(bool normFirst, PositionEncoding positions, bool finalNorm)
    {
        var model = TestModels.Tiny(normFirst, positions, finalNorm);

        foreach (var item in History)
        {
            TestModels.AssertClose(NaiveTower.User(model, [item]), model.ItemEmbedding(item), 1e-5, "item embedding");
        }
    }

    [Fact]
    public void Gelu_MatchesPublishedValuesOfExactGelu()
    {
        // x·Φ(x) from tables of the normal distribution.
        double[] inputs = [-6, -3, -1, -0.5, 0, 0.5, 1, 3, 6];
        var x = Array.ConvertAll(inputs, v => (float)v);
        double[] expected =
        [
            -6 * 9.865876450376946e-10, -3 * 0.0013498980316301, -0.15865525393145707, -0.5 * 0.3085375387259869,
            0, 0.5 * 0.6914624612740131, 0.8413447460685429, 3 * 0.9986501019683699, 6 * 0.9999999990134123,
        ];

        TowerMath.Gelu(x);

        for (var i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(x[i] - expected[i]) <= 1e-7 + (2e-7 * Math.Abs(expected[i])), $"gelu #{i}: {x[i]} vs {expected[i]}");
            Assert.True(Math.Abs(NaiveTower.Gelu(inputs[i]) - expected[i]) <= 1e-12, $"reference gelu #{i}");
        }
    }

    [Fact]
    public void ItemEmbedding_ContentTower_IsTheNormalisedContent()
    {
        var config = new PreferenceModelConfig { ContentDimension = 3, Hidden = 4, Heads = 1, Layers = 1, FeedForward = 4, OutputDimension = 3, ItemTower = ItemTowerKind.Content };
        var model = PreferenceModel.CreateRandom(config, 1);

        var embedding = model.ItemEmbedding([3f, 0f, 4f]);

        Assert.Equal([0.6f, 0f, 0.8f], embedding);
    }

    [Fact]
    public void Config_ContentTowerWithOtherOutputDimension_IsRejected()
    {
        var config = new PreferenceModelConfig { OutputDimension = 64, ContentDimension = 384, ItemTower = ItemTowerKind.Content };

        var error = Assert.Throws<ArgumentException>(() => PreferenceModel.CreateRandom(config, 1));
        Assert.Contains("OutputDimension", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_HiddenNotDivisibleByHeads_IsRejected()
    {
        var config = new PreferenceModelConfig { Hidden = 10, Heads = 3 };

        var error = Assert.Throws<ArgumentException>(() => PreferenceModel.CreateRandom(config, 1));
        Assert.Contains("divisible", error.Message, StringComparison.Ordinal);
    }
}
