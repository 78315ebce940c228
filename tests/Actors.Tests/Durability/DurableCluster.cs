using System.Globalization;
using Actors.Dataset;
using Actors.Hosting;
using Orleans.TestingHost;

namespace Actors.Tests.Durability;

/// <summary>
/// A two-silo in-process cluster whose grain state is in Azure Blob storage and whose events travel on Azure Queue
/// streams (Azurite). Clusters made from the same <see cref="DurableCluster"/> share the service id, the container and the
/// queues, so starting a second one after stopping the first is a full cluster restart.
/// </summary>
internal sealed class DurableCluster
{
    public const int HistoryLength = 20;

    private readonly string _serviceId = $"durable-{Guid.NewGuid():N}"[..24];

    public Dictionary<string, string?> Settings { get; }

    /// <summary>More silo configuration (a test-only grain call filter, say), applied after the recommender's own.</summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }

    public DurableCluster()
    {
        Settings = new()
        {
            ["ConnectionStrings:AzureStorage"] = AzureStorageEnvironment.ConnectionString,
            ["Storage:Provider"] = nameof(GrainStorageProvider.AzureBlob),
            ["Storage:Container"] = _serviceId,
            ["Streams:Provider"] = nameof(EventStreamProvider.AzureQueue),
            ["Streams:MessageVisibilityTimeout"] = "00:00:05",
            ["Index:Shards"] = "3",
            ["Users:HistoryLength"] = HistoryLength.ToString(CultureInfo.InvariantCulture),
            // The tests drive maintenance methods from the test cluster's client.
            ["Orleans:TrustExternalClients"] = "true",
        };
    }

    /// <summary>A cluster whose shards take no snapshot during a test: the items they hold are only in their journals.</summary>
    public static DurableCluster WithoutSnapshots()
    {
        var durable = new DurableCluster();
        durable.Settings["Index:JournalLimit"] = "1000";
        durable.Settings["Index:SnapshotInterval"] = "01:00:00";
        return durable;
    }

    private async Task<InProcessTestCluster> StartAsync()
    {
        var builder = Infrastructure.TestClusters.Builder(2, Settings, ConfigureSilo);
        builder.Options.ServiceId = _serviceId;
        builder.Options.ClusterId = $"{_serviceId}-{Guid.NewGuid():N}"[..40];
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static Task StopAsync(InProcessTestCluster cluster) => Infrastructure.TestClusters.StopAsync(cluster);

    /// <summary>One run: starts a cluster, runs <paramref name="body"/> against it and stops it, whether the body passed or not.</summary>
    public async Task RunAsync(Func<InProcessTestCluster, Task> body) =>
        await RunAsync(async cluster =>
        {
            await body(cluster);
            return true;
        });

    /// <summary>One run, as <see cref="RunAsync(Func{InProcessTestCluster, Task})"/>, returning what the body read for a later run.</summary>
    public async Task<T> RunAsync<T>(Func<InProcessTestCluster, Task<T>> body)
    {
        var cluster = await StartAsync();
        try
        {
            return await body(cluster);
        }
        finally
        {
            await StopAsync(cluster);
        }
    }

    /// <summary>One run that ends with every silo killed (no graceful shutdown, nothing flushed on the way out).</summary>
    public async Task RunThenKillEverySiloAsync(Func<InProcessTestCluster, Task> body) =>
        await RunThenKillEverySiloAsync(async cluster =>
        {
            await body(cluster);
            return true;
        });

    /// <summary>One run that ends with every silo killed, returning what the body read for the next run.</summary>
    public async Task<T> RunThenKillEverySiloAsync<T>(Func<InProcessTestCluster, Task<T>> body)
    {
        var cluster = await StartAsync();
        var result = await body(cluster);
        foreach (var silo in cluster.Silos.ToArray())
        {
            await cluster.KillSiloAsync(silo);
        }
        await cluster.DisposeAsync();
        return result;
    }

    /// <summary>Stores <paramref name="items"/> through their item grains, concurrently.</summary>
    public static Task UpsertAsync(IClusterClient client, IEnumerable<CatalogItem> items) =>
        Parallel.ForEachAsync(items, async (item, ct) => await client.GetGrain<IItemGrain>(item.Id).UpsertAsync(item.Text, ct));

    /// <summary>Event <paramref name="n"/> of <paramref name="userId"/> (id <c>{userId}:e{n}</c>), dated <paramref name="n"/> days after the epoch.</summary>
    public static InteractionEvent Event(string userId, string itemId, int n) =>
        new($"{userId}:e{n}", userId, itemId, DateTimeOffset.UnixEpoch.AddDays(n));

    public static IReadOnlyList<CatalogItem> Catalog(int count) =>
        UniSRecDataset.Load(Infrastructure.RepositoryPaths.Scientific).Items.Take(count).ToArray();
}
