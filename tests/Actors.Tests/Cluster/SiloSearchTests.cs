using Actors.Grains.Placement;
using Actors.Tests.Infrastructure;
using Actors.VectorIndex;

namespace Actors.Tests.Cluster;

/// <summary>
/// Retrieval through one search grain per silo (every shard on the silo in one local call) answers what searching every
/// shard answers, over exact shards and over HNSW shards.
/// </summary>
public abstract class SiloSearchContract(ClusterFixture fixture)
{
    private const int Shards = 5;

    private IClusterClient Client => fixture.Client;

    private ISiloSearchGrain SearchOn(Orleans.TestingHost.InProcessSiloHandle silo) =>
        Client.GetGrain<ISiloSearchGrain>(SiloKeyedPlacement.KeyOf(silo.SiloAddress));

    private async Task<float[]> ItemEmbeddingOf(string itemId) => (await Client.GetGrain<IItemGrain>(itemId).GetEmbeddingsAsync())!.Item;

    /// <summary>The top k of every shard's own search, merged: what the silo searches must add up to.</summary>
    private async Task<ScoredKey[]> EveryShardAsync(float[] query, int k, string[] exclude)
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, Shards).Select(s => Client.GetGrain<IIndexShardGrain>(s).SearchAsync(query, k, exclude)));
        return TopK.Merge(answers.Select(a => (IReadOnlyList<ScoredKey>)a.Select(h => new ScoredKey(h.ItemId, h.Score)).ToArray()), k);
    }

    [Fact]
    public async Task Each_silo_searches_its_own_shards_and_together_they_cover_every_shard_once()
    {
        var query = await ItemEmbeddingOf(fixture.Seeded[5].Id);
        // Reach every shard once, so each is active somewhere.
        await Client.GetGrain<IRetrievalGrain>(0).CountItemsAsync();

        var answers = await Task.WhenAll(fixture.Cluster.Silos.Select(silo => SearchOn(silo).SearchAsync(query, 10, [], [])));

        var covered = answers.SelectMany(a => a.Shards).ToArray();
        Assert.Equal(Enumerable.Range(0, Shards), covered.Order());
        // Spread placement: shard n on silo n mod 2, so neither silo holds them all.
        Assert.All(answers, a => Assert.InRange(a.Shards.Length, 2, 3));
    }

    [Fact]
    public async Task Retrieval_over_the_silo_searches_equals_searching_every_shard_and_brings_the_texts()
    {
        var retrieval = Client.GetGrain<IRetrievalGrain>(0);
        var texts = fixture.Seeded.ToDictionary(i => i.Id, i => i.Text);
        foreach (var probe in new[] { fixture.Seeded[0], fixture.Seeded[77], fixture.Seeded[199] })
        {
            var query = await ItemEmbeddingOf(probe.Id);

            var served = await retrieval.SimilarAsync(probe.Id, 25);
            var expected = await EveryShardAsync(query, 25, [probe.Id]);

            Assert.NotNull(served);
            Assert.False(served.Partial);
            Assert.Equal(expected.Select(e => e.Key), served.Items.Select(i => i.ItemId));
            Assert.Equal(expected.Select(e => e.Score), served.Items.Select(i => i.Score));
            Assert.All(served.Items, i => Assert.Equal(texts.GetValueOrDefault(i.ItemId, i.Text), i.Text));
            Assert.All(served.Items, i => Assert.False(string.IsNullOrEmpty(i.Text)));
        }
    }

    [Fact]
    public async Task A_silo_search_scores_the_items_asked_that_its_shards_hold()
    {
        var query = await ItemEmbeddingOf(fixture.Seeded[9].Id);
        var asked = fixture.Seeded.Skip(100).Take(12).Select(i => i.Id).Append("no-such-item").ToArray();

        var answers = await Task.WhenAll(fixture.Cluster.Silos.Select(silo => SearchOn(silo).SearchAsync(query, 3, [], asked)));

        var scored = answers.SelectMany(a => a.Scored).ToArray();
        Assert.Equal(asked.SkipLast(1).Order(), scored.Select(s => s.ItemId).Order());
        foreach (var item in scored)
        {
            var embedding = await ItemEmbeddingOf(item.ItemId);
            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.Dot(query, embedding), item.Score, 1e-5f);
        }
    }

    [Fact]
    public async Task A_silo_search_asked_for_vectors_sends_those_of_its_hits_its_scored_items_and_the_asked_items_it_holds()
    {
        var query = await ItemEmbeddingOf(fixture.Seeded[11].Id);
        var scoredAsked = fixture.Seeded.Skip(120).Take(4).Select(i => i.Id).ToArray();
        var vectorsAsked = fixture.Seeded.Skip(60).Take(6).Select(i => i.Id).Append("no-such-item").ToArray();
        await Client.GetGrain<IRetrievalGrain>(0).CountItemsAsync();

        var answers = await Task.WhenAll(fixture.Cluster.Silos.Select(silo => SearchOn(silo).SearchAsync(query, 5, [], scoredAsked, vectorsOf: vectorsAsked)));
        var plain = await Task.WhenAll(fixture.Cluster.Silos.Select(silo => SearchOn(silo).SearchAsync(query, 5, [], scoredAsked)));

        Assert.All(plain, a => Assert.Null(a.Vectors));
        foreach (var answer in answers)
        {
            var held = answer.Vectors!;
            Assert.Equal(held.ItemIds.Length, held.ItemIds.Distinct().Count());
            Assert.Subset(held.ItemIds.ToHashSet(), answer.Hits.Select(h => h.ItemId).Concat(answer.Scored.Select(h => h.ItemId)).ToHashSet());
        }
        var sent = answers.SelectMany(a => a.Vectors!.ItemIds.Select((id, i) => (id, Vector: a.Vectors.Vectors[i], Text: a.Vectors.Texts[i]))).ToArray();
        // Every asked item is held by exactly one silo (the unknown one by none), as are every hit and scored item.
        Assert.Equal(sent.Length, sent.Select(s => s.id).Distinct().Count());
        Assert.Superset(vectorsAsked.SkipLast(1).Concat(scoredAsked).ToHashSet(), sent.Select(s => s.id).ToHashSet());
        Assert.DoesNotContain("no-such-item", sent.Select(s => s.id));
        var texts = fixture.Seeded.ToDictionary(i => i.Id, i => i.Text);
        foreach (var (id, vector, text) in sent)
        {
            Assert.Equal(await ItemEmbeddingOf(id), vector);
            Assert.Equal(texts.GetValueOrDefault(id, text), text);
        }
    }

    [Fact]
    public async Task A_shard_active_nowhere_is_searched_directly_and_the_answer_stays_whole()
    {
        var probe = fixture.Seeded[42];
        var retrieval = Client.GetGrain<IRetrievalGrain>(0);
        var before = await retrieval.SimilarAsync(probe.Id, 15);

        await fixture.Cluster.DeactivateAsync(Client.GetGrain<IIndexShardGrain>(3));
        var after = await retrieval.SimilarAsync(probe.Id, 15);

        Assert.False(after!.Partial);
        Assert.Equal(before!.Items.Select(i => i.ItemId), after.Items.Select(i => i.ItemId));
        Assert.Equal(before.Items.Select(i => i.Text), after.Items.Select(i => i.Text));
    }
}

/// <summary>The contract over shards that search exactly (the default below the HNSW threshold).</summary>
[Collection(ClusterCollectionDefinition.Name)]
public sealed class ExactSiloSearchTests(ClusterFixture fixture) : SiloSearchContract(fixture);

/// <summary>The contract over shards that search with HNSW from their first item.</summary>
[Collection(ModelClusterCollectionDefinition.Name)]
public sealed class HnswSiloSearchTests(ModelClusterFixture fixture) : SiloSearchContract(fixture);
