using Actors.Dataset;
using Actors.Grains.Index;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Durability;

/// <summary>
/// The index across configuration changes between runs on Azurite (a restart matrix): the served model (the content
/// baseline's 384 dimensions and the shipped model's 64) and the shard count change between runs, and after each every
/// item is found again by a similarity search, once, and the answers stop being partial once the index has settled.
/// </summary>
public sealed class IndexRestartTests
{
    private const string ShippedModel = "models/learn-scientific";

    /// <summary>An empty <c>Model:Path</c> serves the content baseline (the encoder's own embeddings).</summary>
    private const string ContentBaseline = "";

    /// <summary>
    /// Waits until a search of the first and of the last item's own embedding is whole (not partial): each must then name
    /// every other item of <paramref name="catalog"/>, once.
    /// </summary>
    private static async Task AssertEveryItemFoundOnceAsync(IClusterClient client, IReadOnlyList<CatalogItem> catalog, string run)
    {
        var retrieval = client.GetGrain<IRetrievalGrain>(0);
        foreach (var probe in new[] { catalog[0], catalog[^1] })
        {
            var answer = await Eventually.MatchesAsync(
                () => retrieval.SimilarAsync(probe.Id, catalog.Count),
                a => a is { Partial: false },
                $"a whole (non-partial) answer for {probe.Id} after {run}",
                TimeSpan.FromSeconds(60));
            var ids = answer!.Items.Select(i => i.ItemId).ToArray();
            Assert.Equal(ids.Length, ids.Distinct().Count());
            Assert.Equal(catalog.Where(c => c.Id != probe.Id).Select(c => c.Id).Order(), ids.Order());
        }
        // No stale copy anywhere, including shards beyond the current count: each item is held by exactly one shard.
        var held = await Task.WhenAll(Enumerable.Range(0, 8).Select(s => client.GetGrain<IIndexShardMaintenance>(s).ListItemIdsAsync()));
        Assert.Equal(catalog.Select(c => c.Id).Order(), held.SelectMany(ids => ids).Order());
    }

    [Fact]
    public async Task Changing_the_model_between_runs_rebuilds_the_shards_and_keeps_every_item_findable_once()
    {
        var durable = new DurableCluster();
        var catalog = DurableCluster.Catalog(40);
        durable.Settings["Index:PendingInterval"] = "00:00:00.100";

        // Run 1: the content baseline (384 dimensions).
        durable.Settings["Model:Path"] = ContentBaseline;
        await durable.RunAsync(async cluster =>
        {
            await DurableCluster.UpsertAsync(cluster.Client, catalog.Take(36));
            await AssertEveryItemFoundOnceAsync(cluster.Client, catalog.Take(36).ToArray(), "the first run");
        });

        // Run 2: the shipped model (64 dimensions), while the shards' snapshots hold 384-dimensional vectors.
        durable.Settings["Model:Path"] = ShippedModel;
        await durable.RunAsync(async cluster =>
        {
            await AssertEveryItemFoundOnceAsync(cluster.Client, catalog.Take(36).ToArray(), "the change to the shipped model");
            await DurableCluster.UpsertAsync(cluster.Client, catalog.Skip(36).Take(2));
            await AssertEveryItemFoundOnceAsync(cluster.Client, catalog.Take(38).ToArray(), "upserts under the shipped model");
        });

        // Run 3: back to the content baseline.
        durable.Settings["Model:Path"] = ContentBaseline;
        await durable.RunAsync(async cluster =>
        {
            await DurableCluster.UpsertAsync(cluster.Client, catalog.Skip(38));
            await AssertEveryItemFoundOnceAsync(cluster.Client, catalog, "the change back to the content baseline");
        });

        // Run 4: nothing changes; the rebuilt shards were made durable.
        await durable.RunAsync(cluster => AssertEveryItemFoundOnceAsync(cluster.Client, catalog, "a restart without changes"));
    }

    [Fact]
    public async Task Changing_the_shard_count_between_runs_repartitions_and_keeps_every_item_findable_once()
    {
        var durable = new DurableCluster();
        var catalog = DurableCluster.Catalog(48);
        durable.Settings["Index:PendingInterval"] = "00:00:00.100";
        durable.Settings["Model:Path"] = ShippedModel;

        await durable.RunAsync(async cluster =>
        {
            await DurableCluster.UpsertAsync(cluster.Client, catalog.Take(40));
            await AssertEveryItemFoundOnceAsync(cluster.Client, catalog.Take(40).ToArray(), "the first run, 3 shards");
        });

        durable.Settings["Index:Shards"] = "5";
        await durable.RunAsync(async cluster =>
        {
            await AssertEveryItemFoundOnceAsync(cluster.Client, catalog.Take(40).ToArray(), "growing to 5 shards");
            await DurableCluster.UpsertAsync(cluster.Client, catalog.Skip(40).Take(4));
        });

        // 5 → 2 while new items go to their new owners.
        durable.Settings["Index:Shards"] = "2";
        await durable.RunAsync(async cluster =>
        {
            await DurableCluster.UpsertAsync(cluster.Client, catalog.Skip(44));
            await AssertEveryItemFoundOnceAsync(cluster.Client, catalog, "shrinking to 2 shards");
        });

        // The model and the shard count at once, then a restart without changes.
        durable.Settings["Index:Shards"] = "4";
        durable.Settings["Model:Path"] = ContentBaseline;
        await durable.RunAsync(cluster => AssertEveryItemFoundOnceAsync(cluster.Client, catalog, "4 shards and the content baseline at once"));
        await durable.RunAsync(cluster => AssertEveryItemFoundOnceAsync(cluster.Client, catalog, "a restart without changes"));
    }

    [Fact]
    public async Task A_reactivated_shard_answers_with_its_journalled_items_or_says_partial()
    {
        // No snapshot is taken: the items are only in the shards' journals.
        var durable = DurableCluster.WithoutSnapshots();
        var catalog = DurableCluster.Catalog(30);

        await durable.RunThenKillEverySiloAsync(cluster => DurableCluster.UpsertAsync(cluster.Client, catalog));

        await durable.RunAsync(async cluster =>
        {
            // The very first answer after the restart, taken while the shards activate.
            var answer = await cluster.Client.GetGrain<IRetrievalGrain>(0).SimilarAsync(catalog[0].Id, catalog.Count);
            Assert.NotNull(answer);
            if (!answer.Partial)
            {
                Assert.Equal(catalog.Skip(1).Select(c => c.Id).Order(), answer.Items.Select(i => i.ItemId).Order());
            }
            await AssertEveryItemFoundOnceAsync(cluster.Client, catalog, "the restart");
        });
    }
}
