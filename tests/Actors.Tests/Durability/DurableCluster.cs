using System.Globalization;
using Actors.Dataset;
using Actors.Grains.Hosting;
using Microsoft.Extensions.Configuration;
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

    /// <summary>More silo configuration after the recommender's own (e.g. a fault injector in front of a provider).</summary>
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
        };
    }

    public async Task<InProcessTestCluster> StartAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ServiceId = _serviceId;
        builder.Options.ClusterId = $"{_serviceId}-{Guid.NewGuid():N}"[..40];
        var settings = Settings;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        var configure = ConfigureSilo;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddActors().AddActorsProviders();
            configure?.Invoke(silo);
        });
        builder.ConfigureClient(client => client.AddActorsStreams(configuration));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static async Task StopAsync(InProcessTestCluster cluster)
    {
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }

    public static IReadOnlyList<CatalogItem> Catalog(int count) =>
        UniSRecDataset.Load(Infrastructure.RepositoryPaths.Scientific).Items.Take(count).ToArray();
}
