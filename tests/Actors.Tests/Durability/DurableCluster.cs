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

    public async Task<InProcessTestCluster> StartAsync()
    {
        var builder = Infrastructure.TestClusters.Builder(2, Settings, ConfigureSilo);
        builder.Options.ServiceId = _serviceId;
        builder.Options.ClusterId = $"{_serviceId}-{Guid.NewGuid():N}"[..40];
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static Task StopAsync(InProcessTestCluster cluster) => Infrastructure.TestClusters.StopAsync(cluster);

    public static IReadOnlyList<CatalogItem> Catalog(int count) =>
        UniSRecDataset.Load(Infrastructure.RepositoryPaths.Scientific).Items.Take(count).ToArray();
}
