using Actors.Grains.Hosting;
using Actors.Grains.Model;
using Actors.Model;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Unit;

/// <summary>
/// What an unknown user costs: the user embedding of a grain with an empty history allocates no tower state (a read of
/// a random user id must not hold the tower's caches), and the user options refuse settings that break deduplication.
/// </summary>
public sealed class UserStateAllocationTests
{
    private static readonly PreferenceModel Model = PreferenceModel.Load(Path.Combine(RepositoryPaths.Root, "models", "learn-scientific"));
    private static readonly ServingModel Shipped = ServingModel.From(Model);

    [Fact]
    public void An_unknown_users_embedding_allocates_no_tower_state()
    {
        // Warm up the JIT and the model's shared buffers on another instance first.
        var warm = Shipped.CreateUserEmbedding(50);
        warm.Rebuild([]);
        _ = warm.Current();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var embedding = Shipped.CreateUserEmbedding(50);
        embedding.Rebuild([]);
        var current = embedding.Current();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(current);
        Assert.False(embedding.HoldsState);
        // The tower's caches over a 50-long window are tens of kilobytes and more; an empty embedding is a few objects.
        Assert.True(allocated < 1024, $"an empty user embedding allocated {allocated} bytes");

        var content = new float[Model.ContentDimension];
        content[0] = 1;
        embedding.Append("item", content);
        Assert.True(embedding.HoldsState);
        Assert.NotNull(embedding.Current());
    }

    [Theory]
    [InlineData(50, 0, "Users:RememberedEventIds")]
    [InlineData(50, 49, "Users:RememberedEventIds")]
    [InlineData(0, 1000, "Users:HistoryLength")]
    [InlineData(UserOptions.MaxHistoryLength + 1, UserOptions.MaxRememberedEventIds, "Users:HistoryLength")]
    [InlineData(50, UserOptions.MaxRememberedEventIds + 1, "Users:RememberedEventIds")]
    public void User_options_that_break_the_window_or_deduplication_are_refused_naming_the_setting(int historyLength, int remembered, string setting)
    {
        var result = new UserOptionsValidator().Validate(null, new UserOptions { HistoryLength = historyLength, RememberedEventIds = remembered });
        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(50, 1000)]
    [InlineData(1, 1)]
    public void User_options_in_range_are_accepted(int historyLength, int remembered) =>
        Assert.True(new UserOptionsValidator().Validate(null, new UserOptions { HistoryLength = historyLength, RememberedEventIds = remembered }).Succeeded);
}
