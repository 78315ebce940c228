using System.Numerics.Tensors;
using Actors.Encoder;
using Actors.Grains.Hosting;
using Actors.Grains.Index;
using Actors.Grains.Items;
using Actors.Grains.Popularity;
using Actors.Grains.Users;
using Actors.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Actors.Tests.Infrastructure;
using Actors.VectorIndex;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Cluster;

/// <summary>The serving path on a real two-silo cluster: item text → encoder → item grain → shard, and event stream → user grain → retrieval.</summary>
[Collection(ClusterCollectionDefinition.Name)]
public sealed class ServingPathTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    private Task PublishAsync(params InteractionEvent[] events) => new EventPublisher(Client).PublishAsync(events);

    private Task<HistoryEntry[]> HistoryOf(string userId) => Client.GetGrain<IUserGrain>(userId).GetHistoryAsync();

    [Fact]
    public async Task An_upserted_item_is_searchable_when_the_upsert_returns()
    {
        var original = fixture.Seeded[17];
        var copyId = Fresh("item");

        await Client.GetGrain<IItemGrain>(copyId).UpsertAsync(original.Text);

        var similar = await Client.GetGrain<IRetrievalGrain>(0).SimilarAsync(original.Id, 5);
        Assert.NotNull(similar);
        Assert.Equal(copyId, similar.Items[0].ItemId);
        Assert.Equal(1f, similar.Items[0].Score, 1e-4f);
        Assert.Equal(original.Text, similar.Items[0].Text);
        Assert.DoesNotContain(similar.Items, i => i.ItemId == original.Id);
    }

    [Fact]
    public async Task Upserting_new_text_reencodes_and_moves_the_item_in_the_index()
    {
        var itemId = Fresh("item");
        var first = fixture.Seeded[3];
        var second = fixture.Seeded[150];
        var grain = Client.GetGrain<IItemGrain>(itemId);

        await grain.UpsertAsync(first.Text);
        var before = await grain.GetEmbeddingsAsync();
        await grain.UpsertAsync(second.Text);
        var after = await grain.GetEmbeddingsAsync();

        Assert.NotNull(before);
        Assert.NotNull(after);
        Assert.True(TensorPrimitives.Dot(before.Content, after.Content) < 0.99f);
        var similar = await Client.GetGrain<IRetrievalGrain>(0).SimilarAsync(second.Id, 1);
        Assert.Equal(itemId, similar!.Items[0].ItemId);
        Assert.Equal(second.Text, (await grain.GetAsync())!.Text);
    }

    [Fact]
    public async Task Events_on_the_stream_reach_the_history_in_order_and_set_the_embedding()
    {
        var userId = Fresh("user");
        var items = fixture.Seeded.Skip(20).Take(3).Select(i => i.Id).ToArray();

        await PublishAsync(items.Select(i => Event(userId, i)).ToArray());

        var history = await Eventually.MatchesAsync(() => HistoryOf(userId), h => h.Length == 3, "3 events in the history");
        Assert.Equal(items, history.Select(h => h.ItemId));
        var profile = await Client.GetGrain<IUserGrain>(userId).GetProfileAsync();
        Assert.NotNull(profile.Embedding);
        Assert.Equal(1f, TensorPrimitives.Norm(profile.Embedding), 1e-5f);
    }

    [Fact]
    public async Task Events_published_in_batches_arrive_whole_and_in_order()
    {
        var userId = Fresh("user");
        // A full window of events in batches of 3: three stream messages (3, 3, 2), each applied as one batch.
        var events = fixture.Seeded.Skip(40).Take(ClusterFixture.HistoryLength).Select(i => Event(userId, i.Id)).ToArray();

        await new EventPublisher(Client) { MaxBatch = 3 }.PublishAsync(events);

        var history = await Eventually.MatchesAsync(() => HistoryOf(userId), h => h.Length == events.Length, "the whole window in the history");
        Assert.Equal(events.Select(e => e.EventId), history.Select(h => h.EventId));
    }

    [Fact]
    public void Cached_grain_references_are_the_references_orleans_builds()
    {
        var factory = fixture.Cluster.GetSiloServiceProvider(fixture.Cluster.Silos[0].SiloAddress).GetRequiredService<IGrainFactory>();
        foreach (var key in new[] { "a", "b", Fresh("item") })
        {
            // The first call resolves and caches the types; later ones build from the cache.
            var expected = (GrainReference)(object)factory.GetGrain<IItemGrain>(key);
            var cached = (GrainReference)(object)GrainReferences.Get<IItemGrain>(factory, key);
            Assert.Equal(expected.GrainId, cached.GrainId);
            Assert.Equal(expected.InterfaceType, cached.InterfaceType);
            Assert.IsAssignableFrom<IItemGrain>(cached);
        }
    }

    [Fact]
    public async Task The_incremental_embedding_equals_a_recomputation_after_every_event_as_the_window_slides()
    {
        var userId = Fresh("user");
        var user = Client.GetGrain<IUserGrain>(userId);
        var maintenance = Client.GetGrain<IUserMaintenance>(userId);
        var random = new Random(7);
        for (var n = 1; n <= ClusterFixture.HistoryLength * 3; n++)
        {
            var itemId = fixture.Seeded[random.Next(fixture.Seeded.Count)].Id;
            await maintenance.ApplyAsync([Event(userId, itemId)]);

            var incremental = (await user.GetProfileAsync()).Embedding!;
            var recomputed = (await maintenance.RecomputeEmbeddingAsync())!;
            Assert.Equal(Math.Min(n, ClusterFixture.HistoryLength), (await user.GetHistoryAsync()).Length);
            for (var d = 0; d < recomputed.Length; d++)
            {
                Assert.Equal(recomputed[d], incremental[d], 1e-5f);
            }
        }
    }

    [Fact]
    public async Task Recommendations_exclude_every_item_of_the_history()
    {
        var userId = Fresh("user");
        // Neighbouring items of the catalog share a subject, so the best matches would be the history itself.
        var items = fixture.Seeded.Skip(40).Take(5).Select(i => i.Id).ToArray();
        await PublishAsync(items.Select(i => Event(userId, i)).ToArray());
        await Eventually.MatchesAsync(() => HistoryOf(userId), h => h.Length == 5, "5 events in the history");

        var result = await Client.GetGrain<IRetrievalGrain>(0).RecommendAsync(userId, 20);

        Assert.Equal("embedding", result.Source);
        Assert.Equal(20, result.Items.Length);
        Assert.Empty(result.Items.Select(i => i.ItemId).Intersect(items));
        Assert.Equal(result.Items.OrderByDescending(i => i.Score).Select(i => i.ItemId), result.Items.Select(i => i.ItemId));
        Assert.All(result.Items, i => Assert.False(string.IsNullOrEmpty(i.Text)));
    }

    [Fact]
    public async Task A_user_without_history_gets_the_popularity_list()
    {
        var hot = fixture.Seeded[90].Id;
        var warm = fixture.Seeded[91].Id;
        // Many fresh users make 'hot' clearly the most popular, 'warm' the second.
        var events = new List<InteractionEvent>();
        for (var u = 0; u < 30; u++)
        {
            var userId = Fresh("fan");
            events.Add(Event(userId, hot));
            if (u < 20)
            {
                events.Add(Event(userId, warm));
            }
        }
        await PublishAsync([.. events]);

        var stranger = Fresh("stranger");
        var result = await Eventually.MatchesAsync(
            () => Client.GetGrain<IRetrievalGrain>(0).RecommendAsync(stranger, 2),
            r => r.Items.Length == 2 && r.Items[0].ItemId == hot && r.Items[1].ItemId == warm,
            "the popular items to lead the fallback list");

        Assert.Equal("popularity", result.Source);
        Assert.True(result.Items[0].Score > result.Items[1].Score);
    }

    [Fact]
    public async Task Popularity_counted_on_either_silo_meets_in_its_partition_and_in_every_silos_snapshot()
    {
        // A fresh item (the content of a seeded one, imported without encoding), so no other test's events count for it.
        var source = (await Client.GetGrain<IItemGrain>(fixture.Seeded[42].Id).GetEmbeddingsAsync())!;
        var hot = Fresh("hot");
        await Client.GetGrain<IItemMaintenance>(hot).ImportAsync("a hot item", source.Content, source.EncoderVersion);
        // Fewer than the fallback test's popular items get, so both tests hold in either order.
        const int Fans = 6;
        var fans = Enumerable.Range(0, Fans).Select(_ => Fresh("fan")).ToArray();
        await PublishAsync([.. fans.Select(f => Event(f, hot))]);
        foreach (var fan in fans)
        {
            await Eventually.MatchesAsync(() => HistoryOf(fan), h => h.Length == 1, "the fan's event to be applied");
        }

        // Both silos' user grains counted; both send their counts, then both read the merged snapshot.
        var silos = fixture.Cluster.Silos.Select(s => fixture.Cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<SiloPopularity>()).ToArray();
        foreach (var silo in silos.Concat(silos))
        {
            await silo.FlushAsync();
        }

        var partitions = fixture.Cluster.GetSiloServiceProvider(fixture.Cluster.Silos[0].SiloAddress).GetRequiredService<IOptions<PopularityOptions>>().Value.Partitions;
        var partition = await Client.GetGrain<IPopularityGrain>(Partitioner.ShardOf(hot, partitions)).TopAsync(10_000);
        Assert.Equal(Fans, partition.Single(h => h.ItemId == hot).Score, 1e-3f);
        foreach (var silo in silos)
        {
            var top = silo.Top(1000, []);
            Assert.Equal(Fans, top.Single(h => h.ItemId == hot).Score, 1e-3f);
            Assert.Equal(top.OrderByDescending(h => h.Score).Select(h => h.ItemId), top.Select(h => h.ItemId));
            Assert.DoesNotContain(silo.Top(1000, [hot]), h => h.ItemId == hot);
        }
    }

    [Fact]
    public async Task Federated_top_k_equals_one_exact_search_over_all_items()
    {
        var retrieval = Client.GetGrain<IRetrievalGrain>(0);
        var shards = Enumerable.Range(0, 5).Select(s => Client.GetGrain<IIndexShardMaintenance>(s)).ToArray();
        var ids = (await Task.WhenAll(shards.Select(s => s.ListItemIdsAsync()))).SelectMany(x => x).ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.Equal(ids.Length, await retrieval.CountItemsAsync());
        Assert.True(ids.Length >= ClusterFixture.SeedItems);

        using var everything = new ExactVectorIndex(384);
        foreach (var id in ids)
        {
            var embeddings = await Client.GetGrain<IItemGrain>(id).GetEmbeddingsAsync();
            everything.Upsert(id, embeddings!.Item);
        }

        foreach (var probe in new[] { fixture.Seeded[0], fixture.Seeded[77], fixture.Seeded[199] })
        {
            var query = (await Client.GetGrain<IItemGrain>(probe.Id).GetEmbeddingsAsync())!.Item;
            var federated = await retrieval.SimilarAsync(probe.Id, 25);
            var exact = everything.Search(query, 25, new HashSet<string> { probe.Id });
            Assert.Equal(exact.Select(e => e.Key), federated!.Items.Select(i => i.ItemId));
            Assert.Equal(exact.Select(e => e.Score), federated.Items.Select(i => i.Score));
        }
    }

    [Fact]
    public async Task A_reactivated_shard_answers_from_its_snapshot_without_reencoding()
    {
        var shard = Client.GetGrain<IIndexShardGrain>(2);
        var maintenance = Client.GetGrain<IIndexShardMaintenance>(2);
        var query = (await Client.GetGrain<IItemGrain>(fixture.Seeded[30].Id).GetEmbeddingsAsync())!.Item;
        var idsBefore = (await maintenance.ListItemIdsAsync()).Order().ToArray();
        var before = await shard.SearchAsync(query, 10, []);
        Assert.NotEmpty(idsBefore);
        long Encoded() => fixture.Cluster.Silos.Sum(s => fixture.Cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<BatchingTextEncoder>().TextsEncoded);
        var encodedBefore = Encoded();

        await fixture.Cluster.DeactivateAsync(shard);

        Assert.Equal(idsBefore, (await maintenance.ListItemIdsAsync()).Order());
        Assert.Equal(before, await shard.SearchAsync(query, 10, []));
        Assert.Equal(encodedBefore, Encoded());
    }

    [Fact]
    public void Without_a_gpu_role_silo_every_silo_encodes_on_cpu()
    {
        // The fixture's 200 items were upserted through item grains placed on both silos.
        foreach (var silo in fixture.Cluster.Silos)
        {
            var services = fixture.Cluster.GetSiloServiceProvider(silo.SiloAddress);
            Assert.True(services.GetRequiredService<BatchingTextEncoder>().TextsEncoded > 0, $"silo {silo.Name} encoded nothing");
            Assert.False(services.GetRequiredService<TextEncoder>().IsUsingCuda);
        }
    }

    [Fact]
    public async Task A_duplicate_event_id_is_applied_once()
    {
        var userId = Fresh("user");
        var evt = Event(userId, fixture.Seeded[5].Id);
        var marker = Event(userId, fixture.Seeded[6].Id);

        await PublishAsync(evt, evt);
        await PublishAsync(evt);
        await PublishAsync(marker);

        var history = await Eventually.MatchesAsync(() => HistoryOf(userId), h => h.Any(e => e.EventId == marker.EventId), "the marker event");
        Assert.Equal([evt.EventId, marker.EventId], history.Select(h => h.EventId));
        // A direct retry of an applied event is a no-op too.
        Assert.Equal(0, await Client.GetGrain<IUserMaintenance>(userId).ApplyAsync([evt, marker]));
        Assert.Equal(2, (await HistoryOf(userId)).Length);
    }

    [Fact]
    public async Task Events_naming_unknown_items_or_other_users_are_dropped_by_the_user_grain()
    {
        var userId = Fresh("user");
        var user = Client.GetGrain<IUserGrain>(userId);

        var applied = await Client.GetGrain<IUserMaintenance>(userId).ApplyAsync([
            Event(userId, Fresh("no-such-item")),
            Event(Fresh("someone-else"), fixture.Seeded[1].Id),
            Event(userId, fixture.Seeded[2].Id),
        ]);

        Assert.Equal(1, applied);
        Assert.Equal([fixture.Seeded[2].Id], (await user.GetHistoryAsync()).Select(h => h.ItemId));
    }

    [Fact]
    public async Task Invalid_item_text_is_rejected_and_nothing_is_stored()
    {
        var itemId = Fresh("item");
        var grain = Client.GetGrain<IItemGrain>(itemId);

        await Assert.ThrowsAsync<ArgumentException>(() => grain.UpsertAsync("   "));
        await Assert.ThrowsAsync<ArgumentException>(() => grain.UpsertAsync(new string('x', 10_001)));

        Assert.Null(await grain.GetAsync());
        Assert.Null(await grain.GetEmbeddingsAsync());
    }
}
