using System.Numerics.Tensors;
using Actors.Grains.Model;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Actors.Tests.Cluster;

/// <summary>
/// A rolling model deploy caught half-way: one silo serves the content baseline (384 dimensions), the other the shipped
/// model (64). Items upserted on either silo are indexed (shards recompute them in their own model's space), and a query
/// is only ever compared with entries of its own model, the answer saying partial while the other model's shards
/// cannot be asked.
/// </summary>
public sealed class RollingModelDeployTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var silos = 0;
        var settings = new Dictionary<string, string?>
        {
            ["Orleans:TrustExternalClients"] = "true",
            ["Index:Shards"] = "4",
            ["Index:PendingInterval"] = "00:00:00.100",
        };
        // Random placement puts item grains on both silos whatever the load: the default, resource-optimised placement
        // prefers the silo the call arrives at, and this test needs items embedded by both models.
        _cluster = await TestClusters.StartAsync(2, settings, silo => silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>(), siloSettings: _ => new Dictionary<string, string?>
        {
            // The first silo is still on the old model, the second already on the new one.
            ["Model:Path"] = Interlocked.Increment(ref silos) == 1 ? "" : "models/learn-scientific",
        });
    }

    public Task DisposeAsync() => TestClusters.StopAsync(_cluster);

    [Fact]
    public async Task Items_upserted_on_either_model_are_indexed_and_queries_are_compared_only_with_their_own_model()
    {
        var catalog = Durability.DurableCluster.Catalog(40);
        var client = _cluster.Client;
        // Item grains land on both silos, so shards receive embeddings of both models; none of these may fail.
        await Parallel.ForEachAsync(catalog, async (item, ct) => await client.GetGrain<IItemGrain>(item.Id).UpsertAsync(item.Text, ct));

        var models = _cluster.Silos.Select(s => _cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<ServingModel>())
            .ToDictionary(m => m.Version);
        Assert.Equal(2, models.Count);

        var retrieval = client.GetGrain<IRetrievalGrain>(0);
        var versions = new HashSet<string>();
        var probed = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var probe in catalog)
        {
            var query = (await client.GetGrain<IItemGrain>(probe.Id).GetEmbeddingsAsync())!;
            versions.Add(query.ModelVersion);
            // Six probes per model are enough; the rest of the catalog only has to be indexed.
            var count = probed.GetValueOrDefault(query.ModelVersion);
            if (count == 6)
            {
                continue;
            }
            probed[query.ModelVersion] = count + 1;

            var answer = (await retrieval.SimilarAsync(probe.Id, catalog.Count))!;
            // Half the shards hold the other model's space: they are not compared with this query, and the answer says so.
            Assert.True(answer.Partial, $"the answer for {probe.Id} ({query.ModelVersion}) left out the other model's shards without saying partial");
            Assert.NotEmpty(answer.Items);
            foreach (var hit in answer.Items)
            {
                // Every score is a dot product in the query's own embedding space.
                var content = (await client.GetGrain<IItemGrain>(hit.ItemId).GetEmbeddingsAsync())!.Content;
                var expected = TensorPrimitives.Dot(query.Item, models[query.ModelVersion].ItemEmbedding(hit.ItemId, content));
                Assert.Equal(expected, hit.Score, 3);
            }
        }
        Assert.Equal(2, versions.Count);
    }
}
