using System.Collections.Concurrent;
using Actors.Grains.Index;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Durability;

/// <summary>
/// An item whose record was stored but whose index call never happened (the caller's silo dying in between, made
/// deterministic by a filter that fails that one shard call) becomes searchable without anyone retrying: on Azurite,
/// real cluster, real shards.
/// </summary>
public sealed class IndexFaultTests
{
    private static DurableCluster Cluster()
    {
        var durable = new DurableCluster { ConfigureSilo = silo => silo.AddIncomingGrainCallFilter<FailShardCallOnce>() };
        durable.Settings["Index:ExpectTimeout"] = "00:00:03";
        durable.Settings["Index:PendingInterval"] = "00:00:00.100";
        return durable;
    }

    /// <summary>The fault fired and the record was stored; then a whole answer finds the item without anyone retrying.</summary>
    private static async Task AssertStoredThenFoundWithoutRetryAsync(IClusterClient client, IReadOnlyList<Dataset.CatalogItem> catalog, Dataset.CatalogItem victim)
    {
        Assert.False(FailShardCallOnce.IsArmed(victim.Id));
        Assert.Equal(victim.Text, (await client.GetGrain<IItemGrain>(victim.Id).GetAsync())?.Text);

        var retrieval = client.GetGrain<IRetrievalGrain>(0);
        var probe = catalog.First(c => c.Id != victim.Id).Id;
        var answer = await Eventually.MatchesAsync(
            () => retrieval.SimilarAsync(probe, catalog.Count),
            a => a is { Partial: false } && a.Items.Any(i => i.ItemId == victim.Id),
            $"{victim.Id}, stored but never indexed by its caller, to be found by a whole answer",
            TimeSpan.FromSeconds(30));
        Assert.Equal(catalog.Where(c => c.Id != probe).Select(c => c.Id).Order(), answer!.Items.Select(i => i.ItemId).Order());
    }

    [Fact]
    public async Task An_item_stored_but_never_indexed_by_its_upsert_becomes_searchable_without_a_retry()
    {
        var catalog = DurableCluster.Catalog(12);
        var victim = catalog[5];
        FailShardCallOnce.Arm(victim.Id);
        await Cluster().RunAsync(async cluster =>
        {
            var client = cluster.Client;
            await DurableCluster.UpsertAsync(client, catalog.Where(c => c != victim));
            // The state write succeeds, the shard call fails: the caller sees an error, yet GET returns the item.
            await Assert.ThrowsAnyAsync<Exception>(() => client.GetGrain<IItemGrain>(victim.Id).UpsertAsync(victim.Text));
            await AssertStoredThenFoundWithoutRetryAsync(client, catalog, victim);
        });
    }

    [Fact]
    public async Task Items_a_batch_import_stored_but_never_indexed_become_searchable_without_a_retry()
    {
        var catalog = DurableCluster.Catalog(24);
        var victim = catalog[7];
        FailShardCallOnce.Arm(victim.Id);
        await Cluster().RunAsync(async cluster =>
        {
            var client = cluster.Client;
            var precomputed = PrecomputedCatalog.Encode(cluster, catalog);
            // The shard batch holding the victim fails after every record of the batch was stored.
            await Assert.ThrowsAnyAsync<Exception>(() => precomputed.ImportAsync(client, batchSize: 24));
            await AssertStoredThenFoundWithoutRetryAsync(client, catalog, victim);
        });
    }

    /// <summary>Fails the first index-shard upsert (single or batch) that carries an armed item id; test-only.</summary>
    private sealed class FailShardCallOnce : IIncomingGrainCallFilter
    {
        private static readonly ConcurrentDictionary<string, bool> Armed = new(StringComparer.Ordinal);

        public static void Arm(string itemId) => Armed[itemId] = true;

        public static bool IsArmed(string itemId) => Armed.ContainsKey(itemId);

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.Grain is IIndexShardGrain && context.Request.GetArgumentCount() > 0)
            {
                var carried = context.InterfaceMethod?.Name switch
                {
                    nameof(IIndexShardMaintenance.UpsertAsync) => context.Request.GetArgument(0) is string id ? [id] : [],
                    nameof(IIndexShardMaintenance.UpsertBatchAsync) => context.Request.GetArgument(0) is IndexBatch batch ? batch.ItemIds : [],
                    _ => Array.Empty<string>(),
                };
                foreach (var itemId in carried)
                {
                    if (Armed.TryRemove(itemId, out _))
                    {
                        throw new InvalidOperationException($"Injected fault: the index call for '{itemId}' is lost after its record was stored.");
                    }
                }
            }
            return context.Invoke();
        }
    }
}
