using Actors.Grains.Experiments;
using Actors.Grains.Hosting;
using Actors.Tests.Cluster;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Actors.Tests.Durability;

/// <summary>
/// The experiment counts on Azurite across three runs: saved by the metrics grain's timer, they survive every silo being
/// killed; saved on deactivation, they survive a graceful restart with a save interval far longer than the run.
/// </summary>
public sealed class ExperimentMetricsRestartTests
{
    [Fact]
    public async Task Experiment_counts_survive_a_kill_after_their_save_and_a_graceful_restart()
    {
        var durable = new DurableCluster { ConfigureSilo = silo => ExperimentMetricsTests.AddExperimentMetrics(silo.Services) };
        durable.Settings["Experiments:FlushInterval"] = "01:00:00";
        durable.Settings["Experiments:SaveInterval"] = "00:00:00.200";
        var experiment = $"exp-{Guid.NewGuid():N}";
        ArmCounts[] afterFirst = [new("v1", 3, 2, 1), new("v2", 1, 1, 0)];
        ArmCounts[] afterSecond = [new("v1", 3, 2, 1), new("v2", 2, 3, 2)];

        await durable.RunThenKillEverySiloAsync(async cluster =>
        {
            var metrics = MetricsOn(cluster, 0);
            ExperimentMetricsTests.Count(metrics, experiment, "v1", served: 3, events: 2, hits: 1);
            ExperimentMetricsTests.Count(metrics, experiment, "v2", served: 1, events: 1, hits: 0);
            await metrics.FlushAsync();
            await Eventually.MatchesAsync(() => cluster.Client.GetGrain<IExperimentMetricsGrain>(experiment).GetAsync(),
                c => c.SequenceEqual(afterFirst), "the first run's counts in the metrics grain", TimeSpan.FromSeconds(20));
            // Killed once the timer has written them: nothing is flushed or saved on the way out.
            await Eventually.MatchesAsync(() => StoredAsync(cluster, experiment), c => c.SequenceEqual(afterFirst),
                "the first run's counts in storage", TimeSpan.FromSeconds(20));
        });

        durable.Settings["Experiments:SaveInterval"] = "01:00:00";
        await durable.RunAsync(async cluster =>
        {
            var grain = cluster.Client.GetGrain<IExperimentMetricsGrain>(experiment);
            Assert.Equal(afterFirst, await grain.GetAsync());
            var metrics = MetricsOn(cluster, 1);
            ExperimentMetricsTests.Count(metrics, experiment, "v2", served: 1, events: 2, hits: 2);
            await metrics.FlushAsync();
            await Eventually.MatchesAsync(grain.GetAsync, c => c.SequenceEqual(afterSecond), "the second run's counts added", TimeSpan.FromSeconds(20));
            // No timer save within the hour: the graceful stop's deactivation writes them.
            Assert.Equal(afterFirst, await StoredAsync(cluster, experiment));
        });

        await durable.RunAsync(async cluster =>
            Assert.Equal(afterSecond, await cluster.Client.GetGrain<IExperimentMetricsGrain>(experiment).GetAsync()));
    }

    private static SiloExperimentMetrics MetricsOn(InProcessTestCluster cluster, int silo) =>
        cluster.GetSiloServiceProvider(cluster.Silos[silo].SiloAddress).GetRequiredService<SiloExperimentMetrics>();

    /// <summary>The experiment's counts as its grain storage holds them, ordered by version.</summary>
    private static async Task<ArmCounts[]> StoredAsync(InProcessTestCluster cluster, string experiment)
    {
        var storage = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredKeyedService<IGrainStorage>(StorageNames.Actors);
        var stored = new GrainState<ExperimentMetricsState>();
        await storage.ReadStateAsync("experiment-metrics", cluster.Client.GetGrain<IExperimentMetricsGrain>(experiment).GetGrainId(), stored);
        var arms = stored.State?.Arms.Values.ToArray() ?? [];
        Array.Sort(arms, static (a, b) => string.CompareOrdinal(a.Version, b.Version));
        return arms;
    }
}
