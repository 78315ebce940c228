using System.Diagnostics;
using Actors.Grains.Hosting;
using Actors.Ingest;
using Actors.Tests.Events;
using Actors.Tests.Infrastructure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;

namespace Actors.Tests.Durability;

/// <summary>
/// What a 202 promises in the durable profile: an event on the Azure queue is applied, however long the user's grain
/// storage fails; the stream never gives up on it (Orleans would after <c>MaxEventDeliveryTime</c>, deleting it).
/// </summary>
public sealed class EventDeliveryTests
{
    [Fact]
    public async Task The_durable_stream_never_gives_up_delivering_an_event_by_default()
    {
        var durable = new DurableCluster();
        await durable.RunAsync(cluster =>
        {
            foreach (var silo in cluster.Silos)
            {
                var agent = cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<IOptionsMonitor<StreamPullingAgentOptions>>().Get(StreamNames.Provider);
                Assert.Equal(Timeout.InfiniteTimeSpan, agent.MaxEventDeliveryTime);
            }
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task Events_published_while_the_users_storage_fails_are_applied_once_it_recovers()
    {
        var durable = new DurableCluster();
        var faults = new StorageFaults();
        var container = durable.Settings["Storage:Container"];
        durable.ConfigureSilo = silo =>
        {
            silo.AddAzureBlobGrainStorage("actors-unfaulted", o =>
            {
                o.BlobServiceClient = new BlobServiceClient(AzureStorageEnvironment.ConnectionString);
                o.ContainerName = container!;
            });
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Actors, (sp, _) =>
                new FaultInjectingStorage(sp.GetRequiredKeyedService<IGrainStorage>("actors-unfaulted"), faults));
        };
        var catalog = DurableCluster.Catalog(6);
        var userId = $"user-{Guid.NewGuid():N}";
        var events = catalog.Select((item, n) => new InteractionEvent($"{userId}:e{n}", userId, item.Id, DateTimeOffset.UtcNow)).ToArray();

        await durable.RunAsync(async cluster =>
        {
            try
            {
                var client = cluster.Client;
                await DurableCluster.UpsertAsync(client, catalog);
                faults.Target = client.GetGrain<IUserGrain>(userId).GetGrainId();
                faults.FailWrites = true;
                await new EventPublisher(client) { MaxBatch = 2 }.PublishAsync(events);

                // Failing for longer than the queue's visibility timeout (5 s here), so the messages are also handed out again.
                var outage = Stopwatch.StartNew();
                await Eventually.MatchesAsync(() => Task.FromResult(faults.FailedWrites), n => n >= 3 && outage.Elapsed > TimeSpan.FromSeconds(12), "several failed writes over 12 s", TimeSpan.FromSeconds(60));
                Assert.Empty(await client.GetGrain<IUserGrain>(userId).GetHistoryAsync());
                faults.FailWrites = false;

                var history = await Eventually.MatchesAsync(
                    () => client.GetGrain<IUserGrain>(userId).GetHistoryAsync(),
                    h => h.Length >= events.Length,
                    "every event applied once storage is back",
                    TimeSpan.FromSeconds(90));
                Assert.Equal(events.Select(e => e.EventId), history.Select(h => h.EventId));
            }
            finally
            {
                faults.FailWrites = false;
            }
        });
    }
}
