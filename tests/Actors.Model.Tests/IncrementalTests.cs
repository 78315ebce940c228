namespace Actors.Model.Tests;

public sealed class IncrementalTests
{
    public static TheoryData<int, bool, PositionEncoding> Variants => new()
    {
        { 1, false, PositionEncoding.None },
        { 2, false, PositionEncoding.Learned },
        { 3, true, PositionEncoding.None },
        { 4, true, PositionEncoding.Learned },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Append_EveryEventOf200_EqualsFullRecomputationOverTheWindow(int seed, bool normFirst, PositionEncoding positions)
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(normFirst, positions), seed);
        var events = TestModels.RandomEvents(200, model.ContentDimension, seed + 100);
        var state = model.CreateUserState();

        for (var i = 0; i < events.Length; i++)
        {
            state.Append(events[i]);

            var window = events[Math.Max(0, i + 1 - 50)..(i + 1)];
            Assert.Equal(window.Length, state.Count);
            TestModels.AssertClose(model.UserEmbedding(window), state.Embedding, 1e-4, $"after event {i}");
            if (i % 40 == 0 || i == 50 || i == 199)
            {
                // The full recomputation shares the library's kernel; the naive reference does not.
                TestModels.AssertClose(NaiveTower.User(model, window), state.Embedding, 1e-4, $"naive, after event {i}");
            }
        }
    }

    [Theory]
    [InlineData(false, PositionEncoding.None)]
    [InlineData(true, PositionEncoding.Learned)]
    public void Append_WithSlack_EqualsFullRecomputationOverTheCurrentWindow(bool normFirst, PositionEncoding positions)
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(normFirst, positions, maxLength: 20), 7);
        var events = TestModels.RandomEvents(90, model.ContentDimension, 8);
        var state = model.CreateUserState(maxLength: 15, slack: 5);
        var sawLengths = new HashSet<int>();

        for (var i = 0; i < events.Length; i++)
        {
            state.Append(events[i]);

            Assert.InRange(state.Count, Math.Min(i + 1, 15), 20);
            sawLengths.Add(state.Count);
            var window = events[(i + 1 - state.Count)..(i + 1)];
            var full = model.CreateUserState(maxLength: window.Length);
            full.Rebuild(window);
            TestModels.AssertClose(full.Embedding, state.Embedding, 1e-4, $"after event {i}");
            if (i % 10 == 0)
            {
                TestModels.AssertClose(NaiveTower.User(model, window), state.Embedding, 1e-4, $"naive, after event {i}");
            }
        }

        Assert.Contains(20, sawLengths);
        Assert.Contains(15, sawLengths);
    }

    [Fact]
    public void Rebuild_KeepsTheLastMaxLengthItems_AndEqualsAppendingThemOneByOne()
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.None, maxLength: 10), 5);
        var events = TestModels.RandomEvents(25, model.ContentDimension, 6);
        var appended = TestModels.AppendedOneByOne(model, events);

        var rebuilt = model.CreateUserState();
        rebuilt.Rebuild(events);

        Assert.Equal(10, rebuilt.Count);
        TestModels.AssertClose(appended.Embedding, rebuilt.Embedding, 1e-5, "rebuilt vs appended");
        TestModels.AssertClose(model.UserEmbedding(events), rebuilt.Embedding, 0, "UserEmbedding truncates to MaxLength too");
    }

    [Fact]
    public void EmptyState_HasNoEmbedding_AndEmptyHistoryIsRejected()
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.None), 1);
        var state = model.CreateUserState();

        Assert.Equal(0, state.Count);
        Assert.True(state.Embedding.IsEmpty);
        Assert.Throws<ArgumentException>(() => model.UserEmbedding([]));
    }

    [Fact]
    public void Append_WrongLength_IsRejectedAndLeavesTheStateUnchanged()
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.None), 1);
        var state = model.CreateUserState();
        state.Append(new float[model.ContentDimension]);

        var error = Assert.Throws<ArgumentException>(() => state.Append(new float[3]));

        Assert.Contains($"length {model.ContentDimension}", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, state.Count);
    }

    [Fact]
    public void CreateUserState_LearnedPositionsBeyondTheTable_IsRejected()
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.Learned, maxLength: 10), 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateUserState(maxLength: 10, slack: 1));
    }

    [Fact]
    public void ItemEmbedding_SharedTower_EqualsUserEmbeddingOfThatItemAlone()
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(true, PositionEncoding.Learned), 9);
        var item = TestModels.RandomEvents(1, model.ContentDimension, 10)[0];

        Assert.Equal(model.UserEmbedding([item]), model.ItemEmbedding(item));
    }
}
