using Actors.Grains.Hosting;
using Actors.Grains.Index;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Actors.Tests.Cluster;

/// <summary>
/// A shard activation that another activation has superseded (Orleans may run two for a while after a silo failure)
/// must stop answering its silo's searches: searches read shards through the silo's registry, not by a grain call, so
/// nothing else would ever end a stale activation that only serves reads.
/// </summary>
public sealed class SupersededShardTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestClusters.StartAsync(1, new Dictionary<string, string?>
    {
        ["Orleans:TrustExternalClients"] = "true",
        ["Index:Shards"] = "1",
        ["Index:SnapshotInterval"] = "00:00:00.200",
    });

    public Task DisposeAsync() => TestClusters.StopAsync(_cluster);

    [Fact]
    public async Task A_shard_whose_journal_another_activation_wrote_leaves_the_searches_and_deactivates()
    {
        var client = _cluster.Client;
        await client.GetGrain<IItemGrain>(TestKeys.Fresh("superseded")).UpsertAsync("A cordless drill with two batteries.");
        var services = _cluster.GetSiloServiceProvider(_cluster.Silos[0].SiloAddress);
        var registry = services.GetRequiredService<SiloShardRegistry>();
        var stale = Assert.Single(registry.Shards, s => s.Shard == 0);

        // Once its snapshot holds the item this activation has nothing to write, so no failed write of its own can end it.
        var storage = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Actors);
        var shard = client.GetGrain<IIndexShardGrain>(0).GetGrainId();
        var journal = await Eventually.MatchesAsync(
            async () =>
            {
                var stored = new GrainState<ShardJournal>();
                await storage.ReadStateAsync("shard-journal", shard, stored);
                return stored;
            },
            stored => stored.RecordExists && stored.State?.Changes.Count == 0,
            "the shard's snapshot to fold its journal in");

        // What a second activation of shard 0 does on its first acknowledged change: it writes the shard's journal.
        await storage.WriteStateAsync("shard-journal", shard, journal);

        await Eventually.MatchesAsync(
            () => Task.FromResult(registry.Shards.Any(s => ReferenceEquals(s, stale))),
            registered => !registered,
            "the superseded shard activation to leave its silo's registry");
        // The shard itself still answers: the next call activates it afresh from storage.
        Assert.Equal(1, await client.GetGrain<IIndexShardGrain>(0).CountAsync());
    }
}
