using Actors.Grains.Hosting;
using Actors.Hosting;
using Actors.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace Actors.Tests.Infrastructure;

/// <summary>
/// In-process clusters set up as the silo host sets itself up: the grains (<c>AddActors</c>), grain storage and the
/// event stream as the settings choose them (memory unless they say otherwise), and a client on the same stream. The
/// test cluster's own membership stands in for <c>Orleans:Membership</c>.
/// </summary>
internal static class TestClusters
{
    /// <summary>
    /// A builder for <paramref name="silos"/> silos with <paramref name="settings"/> on top of the defaults, then
    /// <paramref name="siloSettings"/> for the silo at hand (a heterogeneous cluster), then <paramref name="configureSilo"/>
    /// (a test-only grain call filter or storage, say) after the recommender's own registrations.
    /// </summary>
    public static InProcessTestClusterBuilder Builder(
        int silos,
        IReadOnlyDictionary<string, string?> settings,
        Action<ISiloBuilder>? configureSilo = null,
        Func<InProcessTestSiloSpecificOptions, IReadOnlyDictionary<string, string?>>? siloSettings = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSiloHost((silo, host) =>
        {
            host.Configuration.AddInMemoryCollection(settings);
            if (siloSettings is not null)
            {
                host.Configuration.AddInMemoryCollection(siloSettings(silo));
            }
        });
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddActors().AddActorsGrainStorage(silo.Configuration).AddActorsStreams(silo.Configuration);
            configureSilo?.Invoke(silo);
        });
        var client = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        builder.ConfigureClient(c => c.AddActorsStreams(client));
        return builder;
    }

    /// <summary>Builds and deploys the cluster of <see cref="Builder"/>.</summary>
    public static async Task<InProcessTestCluster> StartAsync(
        int silos,
        IReadOnlyDictionary<string, string?> settings,
        Action<ISiloBuilder>? configureSilo = null,
        Func<InProcessTestSiloSpecificOptions, IReadOnlyDictionary<string, string?>>? siloSettings = null)
    {
        var cluster = Builder(silos, settings, configureSilo, siloSettings).Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Stops every silo, then releases the cluster (nothing when it never started).</summary>
    public static async Task StopAsync(InProcessTestCluster? cluster)
    {
        if (cluster is not null)
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }
}
