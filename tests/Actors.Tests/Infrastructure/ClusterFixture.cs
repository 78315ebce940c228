using Actors.Dataset;
using Orleans.TestingHost;

namespace Actors.Tests.Infrastructure;

/// <summary>
/// A real two-silo Orleans cluster in this process, configured exactly as the silo host configures itself
/// (grains, ONNX encoder, memory storage, memory streams: <see cref="TestClusters"/>), seeded with the first items of the sample catalog.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    public const int SeedItems = 200;

    /// <summary>Window length of user histories in this cluster (small, so tests can slide it).</summary>
    public const int HistoryLength = 8;

    private InProcessTestCluster? _cluster;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    public IClusterClient Client => Cluster.Client;

    public UniSRecDataset Dataset { get; } = UniSRecDataset.Load(RepositoryPaths.Scientific);

    /// <summary>The seeded items, in data-set order.</summary>
    public IReadOnlyList<CatalogItem> Seeded => Dataset.Items.Take(SeedItems).ToArray();

    /// <summary>Configuration of every silo, on top of the silo's defaults.</summary>
    protected virtual Dictionary<string, string?> Settings() => new()
    {
        ["Index:Shards"] = "5",
        ["Users:HistoryLength"] = HistoryLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Users:RememberedEventIds"] = "100",
        // The tests drive maintenance methods (shard upserts, event application) from the test cluster's client.
        ["Orleans:TrustExternalClients"] = "true",
    };

    public virtual async Task InitializeAsync()
    {
        _cluster = await TestClusters.StartAsync(2, Settings());

        await Parallel.ForEachAsync(Seeded, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (item, ct) =>
            await Client.GetGrain<IItemGrain>(item.Id).UpsertAsync(item.Text, ct));
    }

    public virtual Task DisposeAsync() => TestClusters.StopAsync(_cluster);
}

[CollectionDefinition(Name)]
public sealed class ClusterCollectionDefinition : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
