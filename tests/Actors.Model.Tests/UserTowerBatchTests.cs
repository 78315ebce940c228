namespace Actors.Model.Tests;

/// <summary><see cref="UserTowerBatch"/>: one batched step over many states equals stepping each state on its own.</summary>
public sealed class UserTowerBatchTests
{
    /// <summary>What the batch promises (the kernels make it exact; the promise is 1e-5).</summary>
    private const double Tolerance = 1e-5;

    public static TheoryData<bool, PositionEncoding, int, bool, int> Shapes => new()
    {
        // normFirst, positions, id embeddings, input norm, batch size
        { false, PositionEncoding.Learned, 0, false, 1 },
        { false, PositionEncoding.None, 12, false, 3 },
        { true, PositionEncoding.Learned, 12, true, 64 },
        { true, PositionEncoding.None, 0, false, 64 },
        { false, PositionEncoding.Learned, 12, true, 3 },
        { true, PositionEncoding.Learned, 0, false, 70 },
    };

    [Fact]
    public void Append_ShippedModel_64Users_EqualsAppendingOneByOne()
    {
        var model = PreferenceModel.Load(TestModels.ShippedModelPath);
        var ids = model.ItemIds;
        var random = new Random(3);
        string? Token(int i) => i % 7 == 3 ? null : i % 11 == 5 ? "cold-item" : ids[random.Next(ids.Count)];

        // Real lengths 0–50: empty states, short ones, and full windows (50) that slide on the first batched step.
        var lengths = Enumerable.Range(0, 64).Select(u => u < 3 ? 0 : u < 8 ? model.MaxLength : random.Next(1, model.MaxLength)).ToArray();
        var (batched, single) = TwinStates(model, lengths, u => model.CreateUserState(), Token, seed: 5);

        var worst = StepBothWays(model, batched, single, rounds: 3, Token, seed: 6);

        Assert.InRange(worst, 0, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Append_RandomModels_MixedWindows_EqualsAppendingOneByOne(bool normFirst, PositionEncoding positions, int idEmbeddings, bool inputNorm, int users)
    {
        var config = TestModels.Small(normFirst, positions, maxLength: 12) with { IdEmbeddings = idEmbeddings, InputNorm = inputNorm };
        var model = PreferenceModel.CreateRandom(config, seed: users + idEmbeddings);
        string? Token(int i) => idEmbeddings == 0 || i % 5 == 0 ? null : (i % idEmbeddings).ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Windows of their own length and slack (some full, so they slide inside the batch), lengths 0 up to full.
        UserTowerState Create(int u) => (u % 3) switch
        {
            0 => model.CreateUserState(),
            1 => model.CreateUserState(maxLength: 8, slack: 4),
            _ => model.CreateUserState(maxLength: 5),
        };
        var lengths = Enumerable.Range(0, users).Select(u => (u * 5) % 13).ToArray();
        var (batched, single) = TwinStates(model, lengths, Create, Token, seed: 7);

        var worst = StepBothWays(model, batched, single, rounds: 14, Token, seed: 8);

        Assert.InRange(worst, 0, Tolerance);
    }

    [Fact]
    public void Rebuild_LongerThanOneBlock_EqualsAppendingOneByOne_AndTheNaiveTower()
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.Learned), 4);
        var events = TestModels.RandomEvents(47, model.ContentDimension, 5);
        var appended = TestModels.AppendedOneByOne(model, events);

        var rebuilt = model.CreateUserState();
        rebuilt.Rebuild(events);

        TestModels.AssertClose(appended.Embedding, rebuilt.Embedding, Tolerance, "rebuilt (blocks of positions) vs appended");
        TestModels.AssertClose(NaiveTower.User(model, events), rebuilt.Embedding, 1e-4, "rebuilt vs naive");
    }

    [Fact]
    public void Append_SameStateTwice_IsRejected_AndNoStateMoves()
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.None), 1);
        var a = model.CreateUserState();
        var b = model.CreateUserState();
        var item = TestModels.RandomEvents(1, model.ContentDimension, 2)[0];

        var error = Assert.Throws<ArgumentException>(() => new UserTowerBatch(model).Append([a, b, a], [item, item, item]));

        Assert.Contains("State 2", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0), (a.Count, b.Count));
    }

    [Fact]
    public void Append_InvalidInput_IsRejected_AndNoStateMoves()
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.None), 1);
        var other = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.None), 2);
        var batch = new UserTowerBatch(model);
        var a = model.CreateUserState();
        var b = model.CreateUserState();
        var item = TestModels.RandomEvents(1, model.ContentDimension, 2)[0];

        var wrongLength = Assert.Throws<ArgumentException>(() => batch.Append([a, b], [item, new float[3]]));
        Assert.Contains($"length {model.ContentDimension}", wrongLength.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => batch.Append([a, b], [item]));
        Assert.Throws<ArgumentException>(() => batch.Append([a, b], [item, item], ["x"]));
        Assert.Throws<ArgumentException>(() => batch.Append([a, b], [item, null!]));
        Assert.Throws<ArgumentException>(() => batch.Append([a, other.CreateUserState()], [item, item]));
        Assert.Equal((0, 0), (a.Count, b.Count));

        // The batch is still usable after a rejected call.
        batch.Append([a, b], [item, item]);
        Assert.Equal((1, 1), (a.Count, b.Count));
    }

    [Fact]
    public void Append_NoStates_DoesNothing()
    {
        var model = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.None), 1);

        new UserTowerBatch(model).Append([], []);
    }

    /// <summary>Two identical sets of states: history u of length <paramref name="lengths"/>[u] appended to both.</summary>
    private static (UserTowerState[] Batched, UserTowerState[] Single) TwinStates(
        PreferenceModel model, int[] lengths, Func<int, UserTowerState> create, Func<int, string?> token, int seed)
    {
        var batched = new UserTowerState[lengths.Length];
        var single = new UserTowerState[lengths.Length];
        for (var u = 0; u < lengths.Length; u++)
        {
            batched[u] = create(u);
            single[u] = create(u);
            var history = TestModels.RandomEvents(lengths[u], model.ContentDimension, (seed * 1000) + u);
            for (var i = 0; i < history.Length; i++)
            {
                var id = token(i + u);
                batched[u].Append(history[i], id);
                single[u].Append(history[i], id);
            }
        }

        return (batched, single);
    }

    /// <summary>
    /// <paramref name="rounds"/> steps: the batched states through one <see cref="UserTowerBatch"/>, their twins one by one;
    /// returns the largest difference of any embedding after any round.
    /// </summary>
    private static double StepBothWays(
        PreferenceModel model, UserTowerState[] batched, UserTowerState[] single, int rounds, Func<int, string?> token, int seed)
    {
        var batch = new UserTowerBatch(model);
        var worst = 0.0;
        var slid = false;
        for (var round = 0; round < rounds; round++)
        {
            var contents = TestModels.RandomEvents(batched.Length, model.ContentDimension, (seed * 1000) + round);
            var ids = Enumerable.Range(0, batched.Length).Select(u => token(u + round)).ToArray();
            for (var u = 0; u < single.Length; u++)
            {
                slid |= single[u].Count == single[u].MaxLength + single[u].Slack;
                single[u].Append(contents[u], ids[u]);
            }

            batch.Append(batched, contents, ids);

            for (var u = 0; u < batched.Length; u++)
            {
                Assert.Equal(single[u].Count, batched[u].Count);
                var expected = single[u].Embedding;
                var actual = batched[u].Embedding;
                Assert.Equal(expected.Length, actual.Length);
                for (var i = 0; i < expected.Length; i++)
                {
                    worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
                }
            }
        }

        Assert.True(slid, "Some window should have been full, so the batch had to slide it.");
        return worst;
    }
}
