using Actors.Grains.Hosting;
using Actors.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Actors.Benchmarks.Load;

/// <summary>
/// An in-process cluster configured as the silo host configures itself (grains, ONNX encoder, memory storage and
/// streams), with the given settings on top, and a client that calls it as an external client would.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private readonly InProcessTestCluster _cluster;

    private BenchCluster(InProcessTestCluster cluster) => _cluster = cluster;

    public IClusterClient Client => _cluster.Client;

    public IServiceProvider SiloServices(int silo) => _cluster.GetSiloServiceProvider(_cluster.Silos[silo].SiloAddress);

    public int SiloCount => _cluster.Silos.Count;

    public SiloAddress SiloAddress(int silo) => _cluster.Silos[silo].SiloAddress;

    public static async Task<BenchCluster> StartAsync(int silos, IReadOnlyDictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>(settings)
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
            // The harness loads shards and applies events from the test cluster's client, as the cluster would.
            ["Orleans:TrustExternalClients"] = "true",
        };
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(all));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddActors().AddActorsInMemoryProviders();
            // Bulk loads queue many calls behind a shard that is building its HNSW graph: allow for it.
            silo.Services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10));
        });
        builder.ConfigureClient(client =>
        {
            client.AddMemoryStreams(StreamNames.Provider);
            client.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new BenchCluster(cluster);
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }
}
