using Actors.Grains.Encoding;
using Actors.Grains.Index;
using Actors.Grains.Items;
using Actors.Grains.Popularity;
using Actors.Grains.Transitions;
using Actors.Grains.Users;
using Actors.Tests.Infrastructure;
using Orleans.TestingHost;

namespace Actors.Tests.Cluster;

/// <summary>
/// Maintenance methods (<see cref="ClusterInternalAttribute"/>: the internal maintenance interfaces and the bulk import)
/// refuse external clients in a cluster configured as shipped, while the public methods, and the maintenance calls grains
/// make of each other, go on working. This test's client reaches the internal interfaces through InternalsVisibleTo, as a
/// client that crafted their messages by alias would.
/// </summary>
public sealed class ClusterInternalCallTests : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    private IClusterClient Client => _cluster!.Client;

    public async Task InitializeAsync() => _cluster = await TestClusters.StartAsync(1, new Dictionary<string, string?>());

    public Task DisposeAsync() => TestClusters.StopAsync(_cluster);

    [Fact]
    public async Task An_external_client_cannot_write_past_the_checks()
    {
        var shardUpsert = await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            Client.GetGrain<IIndexShardMaintenance>(0).UpsertAsync("planted", new float[384], "any", "planted text"));
        Assert.Contains("IIndexShardMaintenance", shardUpsert.Message, StringComparison.Ordinal);
        Assert.Contains("Orleans:TrustExternalClients", shardUpsert.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            Client.GetGrain<IItemImportGrain>(0).ImportAsync(new ItemImportBatch(["planted"], ["planted text"], new float[384], "any")));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            Client.GetGrain<IUserMaintenance>("u1").ApplyAsync([new InteractionEvent("e1", "u1", "planted", DateTimeOffset.UtcNow)]));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            Client.GetGrain<IItemMaintenance>("planted").ImportAsync("planted text", new float[384], "any"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Client.GetGrain<IEncoderGrain>(0).EncodeAsync("text"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Client.GetGrain<ITransitionMaintenance>(0).RepartitionAsync(1));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Client.GetGrain<IPopularityMaintenance>(0).AdoptAsync(["planted"], [1e9], DateTimeOffset.UtcNow));

        // Nothing was stored by the refused calls.
        Assert.Null(await Client.GetGrain<IItemGrain>("planted").GetAsync());
        Assert.Equal(0, await Client.GetGrain<IIndexShardGrain>(0).CountAsync());
        Assert.Empty(await Client.GetGrain<IUserGrain>("u1").GetHistoryAsync());
    }

    [Fact]
    public async Task An_external_client_cannot_use_the_test_hooks()
    {
        // Reads, but of what a shard or a user holds beyond what the API shows: maintenance too since they left the contracts.
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Client.GetGrain<IIndexShardMaintenance>(0).ListItemIdsAsync());
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Client.GetGrain<IUserMaintenance>("u1").RecomputeEmbeddingAsync());
    }

    [Fact]
    public async Task Public_methods_work_and_grains_still_reach_the_maintenance_methods()
    {
        // The item grain encodes the text (an encoder call) and indexes it (a shard upsert): grain to grain, allowed.
        await Client.GetGrain<IItemGrain>("public-item").UpsertAsync("a telescope eyepiece with a wide field of view");
        var similar = await Client.GetGrain<IRetrievalGrain>(0).CountItemsAsync();
        Assert.Equal(1, similar);
        var embeddings = await Client.GetGrain<IItemGrain>("public-item").GetEmbeddingsAsync();
        Assert.NotNull(embeddings);
    }
}
