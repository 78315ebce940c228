using System.Globalization;
using Actors.Grains.Users;
using Actors.Ingest;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Durability;

/// <summary>
/// <c>Users:HistoryLength</c> changed between two runs on Azurite: a shorter window trims the stored histories when
/// their grains activate (oldest out, their ids still deduplicated) and the answers follow the trimmed history; a
/// longer one keeps the stored history and lets it grow.
/// </summary>
public sealed class HistoryLengthRestartTests
{
    private static Task<HistoryEntry[]> WaitForHistoryAsync(IClusterClient client, string userId, Func<HistoryEntry[], bool> condition, string what) =>
        Eventually.MatchesAsync(() => client.GetGrain<IUserGrain>(userId).GetHistoryAsync(), condition, what, TimeSpan.FromSeconds(30));

    private static void SetHistoryLength(DurableCluster durable, int length) =>
        durable.Settings["Users:HistoryLength"] = length.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_shorter_history_length_trims_stored_histories_and_keeps_their_ids_deduplicated_and_a_longer_one_lets_them_grow()
    {
        var durable = new DurableCluster();
        SetHistoryLength(durable, 12);
        var catalog = DurableCluster.Catalog(30);
        var userId = $"user-{Guid.NewGuid():N}";
        var events = Enumerable.Range(0, 12).Select(n => DurableCluster.Event(userId, catalog[n].Id, n)).ToArray();

        await durable.RunAsync(async cluster =>
        {
            await DurableCluster.UpsertAsync(cluster.Client, catalog);
            await new EventPublisher(cluster.Client).PublishAsync(events);
            await WaitForHistoryAsync(cluster.Client, userId, h => h.Length == 12, "all 12 events in the 12-long window");
        });

        SetHistoryLength(durable, 5);
        await durable.RunAsync(async cluster =>
        {
            var client = cluster.Client;
            var user = client.GetGrain<IUserGrain>(userId);
            Assert.Equal(events.Skip(7).Select(e => e.EventId), (await user.GetHistoryAsync()).Select(h => h.EventId));

            // The answers are those of the trimmed window: the embedding is the one recomputed over the five items kept.
            var profile = await user.GetProfileAsync();
            var recomputed = await client.GetGrain<IUserMaintenance>(userId).RecomputeEmbeddingAsync();
            Assert.Equal(recomputed!, profile.Embedding!, (a, b) => Math.Abs(a - b) < 1e-5f);
            Assert.Equal(events.Skip(7).Select(e => e.ItemId).Order(), profile.SeenItems.Order());
            var recommended = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(userId, 5);
            Assert.Equal("embedding", recommended.Source);
            Assert.DoesNotContain(recommended.Items, i => profile.SeenItems.Contains(i.ItemId));

            // Every event again, then a marker: the trimmed-out ids are remembered as evicted, so only the marker is applied.
            var marker = DurableCluster.Event(userId, catalog[20].Id, 20);
            var publisher = new EventPublisher(client);
            await publisher.PublishAsync(events);
            await publisher.PublishAsync([marker]);
            var history = await WaitForHistoryAsync(client, userId, h => h.Any(e => e.EventId == marker.EventId), "the marker event");
            Assert.Equal([.. events.Skip(8).Select(e => e.EventId), marker.EventId], history.Select(h => h.EventId));
        });

        SetHistoryLength(durable, 30);
        await durable.RunAsync(async cluster =>
        {
            var client = cluster.Client;
            var before = await client.GetGrain<IUserGrain>(userId).GetHistoryAsync();
            Assert.Equal(5, before.Length);
            var more = Enumerable.Range(21, 8).Select(n => DurableCluster.Event(userId, catalog[n].Id, n)).ToArray();
            await new EventPublisher(client).PublishAsync(more);
            var history = await WaitForHistoryAsync(client, userId, h => h.Length == 13, "the window to grow past the old length");
            Assert.Equal([.. before.Select(h => h.EventId), .. more.Select(e => e.EventId)], history.Select(h => h.EventId));
        });
    }
}
