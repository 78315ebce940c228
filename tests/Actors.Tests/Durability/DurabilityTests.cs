using Actors.Grains.Users;
using Actors.Ingest;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Tests.Durability;

/// <summary>
/// The production providers against Azurite: Azure Blob grain state and Azure Queue event streams survive a full
/// cluster restart, and an event delivered again is applied once.
/// </summary>
public sealed class DurabilityTests
{
    private static Task<HistoryEntry[]> WaitForHistoryAsync(IClusterClient client, string userId, int length) =>
        Eventually.MatchesAsync(
            () => client.GetGrain<IUserGrain>(userId).GetHistoryAsync(),
            h => h.Length >= length,
            $"{length} events of {userId} to arrive over the Azure Queue stream",
            TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Items_histories_and_recommendations_survive_a_full_cluster_restart_and_redelivery_is_applied_once()
    {
        var durable = new DurableCluster();
        var catalog = DurableCluster.Catalog(40);
        var users = Enumerable.Range(0, 4).Select(u => $"user-{u}-{Guid.NewGuid():N}").ToArray();
        var events = users.SelectMany((u, i) => Enumerable.Range(0, 5).Select(n => DurableCluster.Event(u, catalog[(i * 7 + n * 3) % catalog.Count].Id, n))).ToList();

        var (histories, before) = await durable.RunAsync(async cluster =>
        {
            var client = cluster.Client;
            await DurableCluster.UpsertAsync(client, catalog);

            // Through the client's Azure Queue stream provider: the same path POST /events takes.
            var publisher = new EventPublisher(client);
            await publisher.PublishAsync(events);
            var histories = await Task.WhenAll(users.Select(u => WaitForHistoryAsync(client, u, 5)));
            Assert.All(histories, h => Assert.Equal(5, h.Length));

            // Delivered again (a client retry, or the queue handing the messages out a second time): applied once.
            await publisher.PublishAsync(events);
            var marker = DurableCluster.Event(users[0], catalog[^1].Id, 99);
            await publisher.PublishAsync([marker]);
            var afterRedelivery = await WaitForHistoryAsync(client, users[0], 6);
            Assert.Equal([.. histories[0].Select(h => h.EventId), marker.EventId], afterRedelivery.Select(h => h.EventId));
            histories[0] = afterRedelivery;

            var before = await Task.WhenAll(users.Select(u => client.GetGrain<IRetrievalGrain>(0).RecommendAsync(u, 5)));
            Assert.All(before, r => Assert.Equal("embedding", r.Source));
            return (histories, before);
        });

        await durable.RunAsync(async cluster =>
        {
            var client = cluster.Client;
            Assert.Equal(catalog.Count, await client.GetGrain<IRetrievalGrain>(0).CountItemsAsync());
            foreach (var item in catalog.Take(10))
            {
                Assert.Equal(item.Text, (await client.GetGrain<IItemGrain>(item.Id).GetAsync())?.Text);
            }
            for (var u = 0; u < users.Length; u++)
            {
                Assert.Equal(histories[u], await client.GetGrain<IUserGrain>(users[u]).GetHistoryAsync());
                var after = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(users[u], 5);
                Assert.Equal(before[u].Source, after.Source);
                Assert.Equal(before[u].Items.Select(i => i.ItemId), after.Items.Select(i => i.ItemId));
            }

            // The dedup state was persisted with the history: replaying every event after the restart changes nothing.
            var publisher = new EventPublisher(client);
            await publisher.PublishAsync(events);
            var marker = DurableCluster.Event(users[1], catalog[^2].Id, 100);
            await publisher.PublishAsync([marker]);
            var replayed = await WaitForHistoryAsync(client, users[1], 6);
            Assert.Equal([.. histories[1].Select(h => h.EventId), marker.EventId], replayed.Select(h => h.EventId));
        });
    }

    [Fact]
    public async Task Items_acknowledged_just_before_every_silo_dies_are_still_searchable_after_a_restart()
    {
        // No snapshot will be taken: only the shards' journals can bring the items back.
        var durable = DurableCluster.WithoutSnapshots();
        var catalog = DurableCluster.Catalog(30);

        await durable.RunThenKillEverySiloAsync(cluster => DurableCluster.UpsertAsync(cluster.Client, catalog));

        await durable.RunAsync(async cluster =>
        {
            var retrieval = cluster.Client.GetGrain<IRetrievalGrain>(0);
            // Reactivated shards ask the journalled items to register again: one-way, so allow it a moment.
            await Eventually.MatchesAsync(retrieval.CountItemsAsync, n => n == catalog.Count, $"all {catalog.Count} items back in the index");
            var similar = await retrieval.SimilarAsync(catalog[0].Id, catalog.Count - 1);
            Assert.Equal(catalog.Skip(1).Select(c => c.Id).Order(), similar!.Items.Select(i => i.ItemId).Order());
        });
    }

    [Fact]
    public async Task A_batch_import_survives_every_silo_dying_right_after_it()
    {
        var durable = new DurableCluster();
        // A short journal limit, so the import folds batch records into snapshots (and deletes them) as it goes.
        durable.Settings["Index:JournalLimit"] = "40";
        durable.Settings["Index:SnapshotInterval"] = "01:00:00";
        var catalog = DurableCluster.Catalog(240);

        var (precomputed, before) = await durable.RunThenKillEverySiloAsync(async cluster =>
        {
            var precomputed = PrecomputedCatalog.Encode(cluster, catalog);
            var imported = await precomputed.ImportAsync(cluster.Client, batchSize: 60);
            Assert.Equal(catalog.Count, imported.Stored);
            var before = await cluster.Client.GetGrain<IRetrievalGrain>(0).SimilarAsync(catalog[3].Id, 10);
            return (precomputed, before);
        });

        await durable.RunAsync(async cluster =>
        {
            var retrieval = cluster.Client.GetGrain<IRetrievalGrain>(0);
            Assert.Equal(catalog.Count, await retrieval.CountItemsAsync());
            var after = await retrieval.SimilarAsync(catalog[3].Id, 10);
            Assert.Equal(before!.Items.Select(i => (i.ItemId, i.Text)), after!.Items.Select(i => (i.ItemId, i.Text)));
            foreach (var item in catalog.Take(10))
            {
                Assert.Equal(item.Text, (await cluster.Client.GetGrain<IItemGrain>(item.Id).GetAsync())?.Text);
            }
            // Importing again after the restart finds everything stored and indexed.
            var again = await precomputed.ImportAsync(cluster.Client, batchSize: 60);
            Assert.Equal(new ItemImportResult(0, catalog.Count, 0, 0), again);
        });
    }

    [Fact]
    public async Task Applying_the_same_event_ids_directly_and_on_the_stream_counts_them_once()
    {
        var durable = new DurableCluster();
        var catalog = DurableCluster.Catalog(5);
        await durable.RunAsync(async cluster =>
        {
            var client = cluster.Client;
            foreach (var item in catalog)
            {
                await client.GetGrain<IItemGrain>(item.Id).UpsertAsync(item.Text);
            }
            var userId = $"user-{Guid.NewGuid():N}";
            var events = catalog.Select((item, n) => DurableCluster.Event(userId, item.Id, n)).ToArray();
            var user = client.GetGrain<IUserMaintenance>(userId);

            Assert.Equal(5, await user.ApplyAsync(events));
            Assert.Equal(0, await user.ApplyAsync(events));
            await new EventPublisher(client).PublishAsync([.. events, DurableCluster.Event(userId, catalog[0].Id, 50)]);
            var history = await WaitForHistoryAsync(client, userId, 6);
            Assert.Equal(6, history.Length);
            Assert.Equal(6, history.Select(h => h.EventId).Distinct().Count());
        });
    }

    [Theory]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Actors.Hosting.AzureStorageConnection.DevelopmentAccountKey + ";BlobEndpoint=http://10.1.2.3:10000/devstoreaccount1;", true)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=" + Actors.Hosting.AzureStorageConnection.DevelopmentAccountKey + ";", true)]
    [InlineData("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://storage.example.com", true)]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Actors.Hosting.AzureStorageConnection.DevelopmentAccountKey + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://localhost:10001/devstoreaccount1;", false)]
    [InlineData("UseDevelopmentStorage=true", false)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net", false)]
    public void The_development_key_is_refused_off_loopback(string connectionString, bool refused)
    {
        var check = () => Actors.Hosting.AzureStorageConnection.Check(connectionString);
        if (refused)
        {
            Assert.Contains("development", Assert.Throws<InvalidOperationException>(check).Message, StringComparison.OrdinalIgnoreCase);
        }
        else
        {
            check();
        }
    }
}
