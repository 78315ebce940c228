using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Actors.Grains.Diagnostics;
using Actors.Grains.Experiments;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Actors.Tests.Cluster;

/// <summary>
/// The experiment counts on a real two-silo cluster: what the silos' <see cref="SiloExperimentMetrics"/> count reaches
/// the experiment's metrics grain as sums, a flush whose call fails keeps its counts for the next one, and the
/// <c>actors.experiment.*</c> instruments report the watched experiment's cluster-wide figures. The flush loop is set to
/// an hour, so only the tests' own flushes send anything.
/// </summary>
public sealed class ExperimentMetricsTests : IAsyncLifetime
{
    private readonly FailingMetricsCalls _faults = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await TestClusters.StartAsync(2, new Dictionary<string, string?>
        {
            ["Orleans:TrustExternalClients"] = "true",
            ["Experiments:FlushInterval"] = "01:00:00",
        }, silo =>
        {
            AddExperimentMetrics(silo.Services);
            silo.AddOutgoingGrainCallFilter(_faults.InvokeAsync);
        });

    public Task DisposeAsync() => TestClusters.StopAsync(_cluster);

    /// <summary>
    /// The experiment services as <c>AddActors</c> registers them; nothing when it already does (the registration is the
    /// lead's, in ActorsSiloBuilderExtensions).
    /// </summary>
    internal static void AddExperimentMetrics(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(SiloExperimentMetrics)))
        {
            return;
        }
        services.AddOptions<ExperimentOptions>().BindConfiguration(ExperimentOptions.Section)
            .Validate(o => o.HitWindow > TimeSpan.Zero && o.FlushInterval > TimeSpan.Zero && o.SaveInterval > TimeSpan.Zero,
                "Experiments:HitWindow, FlushInterval and SaveInterval must be positive.").ValidateOnStart();
        services.AddSingleton<SiloExperimentMetrics>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloExperimentMetrics>());
    }

    [Fact]
    public async Task Counts_from_both_silos_arrive_as_sums_per_experiment_and_version()
    {
        var (a, b) = (MetricsOn(0), MetricsOn(1));
        var (first, second) = (NewExperiment(), NewExperiment());
        Count(a, first, "v1", served: 3, events: 5, hits: 2);
        Count(b, first, "v1", served: 4, events: 6, hits: 1);
        Count(b, first, "v2", served: 1, events: 2, hits: 2);
        Count(a, second, "v1", served: 7, events: 0, hits: 0);

        await Task.WhenAll(a.FlushAsync(), b.FlushAsync());

        await CountsMatchAsync(first, [new ArmCounts("v1", 7, 11, 3), new ArmCounts("v2", 1, 2, 2)]);
        await CountsMatchAsync(second, [new ArmCounts("v1", 7, 0, 0)]);

        // A second round adds to the totals; an empty flush sends nothing.
        Count(a, first, "v2", served: 2, events: 1, hits: 0);
        await a.FlushAsync();
        await b.FlushAsync();
        await CountsMatchAsync(first, [new ArmCounts("v1", 7, 11, 3), new ArmCounts("v2", 3, 3, 2)]);
    }

    [Fact]
    public async Task Concurrent_counts_on_one_silo_are_all_counted()
    {
        var metrics = MetricsOn(0);
        var experiment = NewExperiment();
        const int Threads = 8;
        const int PerThread = 5_000;
        var flushes = 0;
        // Flushes run alongside the counting: every count lands in exactly one of them.
        using var counting = new CancellationTokenSource();
        var flusher = Task.Run(async () =>
        {
            while (!counting.IsCancellationRequested)
            {
                await metrics.FlushAsync();
                flushes++;
            }
        });
        await Parallel.ForAsync(0, Threads, async (t, _) =>
        {
            await Task.Yield();
            var version = t % 2 == 0 ? "even" : "odd";
            for (var i = 0; i < PerThread; i++)
            {
                metrics.Served(experiment, version);
                metrics.Event(experiment, version, hit: i % 4 == 0);
            }
        });
        await counting.CancelAsync();
        await flusher;
        await metrics.FlushAsync();

        const long PerVersion = Threads / 2 * PerThread;
        await CountsMatchAsync(experiment, [new ArmCounts("even", PerVersion, PerVersion, PerVersion / 4), new ArmCounts("odd", PerVersion, PerVersion, PerVersion / 4)]);
        Assert.True(flushes > 0, "no flush ran while the threads counted");
    }

    [Fact]
    public async Task A_failed_flush_keeps_its_counts_for_the_next_flush()
    {
        var metrics = MetricsOn(0);
        var (failing, healthy) = (NewExperiment(), NewExperiment());
        Count(metrics, failing, "v1", served: 5, events: 4, hits: 1);
        Count(metrics, healthy, "v1", served: 2, events: 0, hits: 0);

        _faults.Fail(failing);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => metrics.FlushAsync());
        Assert.Contains(failing, error.Message, StringComparison.Ordinal);
        // The other experiment's call went out; the failed one's counts never reached its grain.
        await CountsMatchAsync(healthy, [new ArmCounts("v1", 2, 0, 0)]);
        Assert.Empty(await MetricsGrain(failing).GetAsync());

        _faults.Heal(failing);
        Count(metrics, failing, "v1", served: 1, events: 1, hits: 1);
        await metrics.FlushAsync();
        await CountsMatchAsync(failing, [new ArmCounts("v1", 6, 5, 2)]);
        await CountsMatchAsync(healthy, [new ArmCounts("v1", 2, 0, 0)]);
    }

    [Fact]
    public async Task The_instruments_report_the_watched_experiments_cluster_wide_counts_with_the_wilson_interval()
    {
        var (a, b) = (MetricsOn(0), MetricsOn(1));
        var experiment = NewExperiment();
        Count(a, experiment, "v1", served: 10, events: 263, hits: 81);
        Count(b, experiment, "v2", served: 4, events: 0, hits: 0);
        await Task.WhenAll(a.FlushAsync(), b.FlushAsync());
        await CountsMatchAsync(experiment, [new ArmCounts("v1", 10, 263, 81), new ArmCounts("v2", 4, 0, 0)]);

        a.Watch(experiment);
        Assert.Equal(experiment, a.Watched);
        Assert.Null(a.Snapshot);
        // Silo a reads the totals back at its next flush, and its instruments report them (other test classes may
        // publish another experiment between two reads, so the probe flushes and reads again until this one shows).
        var seen = await Eventually.MatchesAsync(async () =>
        {
            await a.FlushAsync();
            return Observe(experiment);
        }, m => m.Count == 9, "the served, events and hits of both arms and the rates of v1", TimeSpan.FromSeconds(20));

        var (low, high) = WilsonInterval.Of(81, 263);
        Assert.Equal(10, seen[("actors.experiment.served", "v1")]);
        Assert.Equal(263, seen[("actors.experiment.events", "v1")]);
        Assert.Equal(81, seen[("actors.experiment.hits", "v1")]);
        Assert.Equal(81 / 263.0, seen[("actors.experiment.hit_rate", "v1")], 12);
        Assert.Equal(low, seen[("actors.experiment.hit_rate.low", "v1")], 12);
        Assert.Equal(high, seen[("actors.experiment.hit_rate.high", "v1")], 12);
        Assert.Equal(4, seen[("actors.experiment.served", "v2")]);
        Assert.Equal(0, seen[("actors.experiment.events", "v2")]);
        Assert.Equal(0, seen[("actors.experiment.hits", "v2")]);
        // v2 has no events: no rate rather than a rate of 0.
        Assert.False(seen.ContainsKey(("actors.experiment.hit_rate", "v2")));
        Assert.Equal([new ArmCounts("v1", 10, 263, 81), new ArmCounts("v2", 4, 0, 0)], a.Snapshot!.Arms);

        a.Watch(null);
        Assert.Null(a.Snapshot);
        Assert.Empty(Observe(experiment));
    }

    [Fact]
    public async Task The_metrics_grain_drops_invalid_counts_and_adds_the_rest()
    {
        var experiment = NewExperiment();
        await MetricsGrain(experiment).AddAsync(
        [
            new ArmCounts("v1", 2, 3, 1),
            new ArmCounts("v1", 1, 1, 2),
            new ArmCounts("v2", -1, 0, 0),
            new ArmCounts("", 1, 0, 0),
            null!,
            new ArmCounts("v1", 1, 1, 1),
        ]);
        await CountsMatchAsync(experiment, [new ArmCounts("v1", 3, 4, 2)]);
    }

    private SiloExperimentMetrics MetricsOn(int silo) =>
        _cluster.GetSiloServiceProvider(_cluster.Silos[silo].SiloAddress).GetRequiredService<SiloExperimentMetrics>();

    private IExperimentMetricsGrain MetricsGrain(string experiment) => _cluster.Client.GetGrain<IExperimentMetricsGrain>(experiment);

    private static string NewExperiment() => $"exp-{Guid.NewGuid():N}";

    /// <summary>Counts <paramref name="served"/> answers and <paramref name="events"/> events after them, the first <paramref name="hits"/> of them hits.</summary>
    internal static void Count(SiloExperimentMetrics metrics, string experiment, string version, int served, int events, int hits)
    {
        for (var i = 0; i < served; i++)
        {
            metrics.Served(experiment, version);
        }
        for (var i = 0; i < events; i++)
        {
            metrics.Event(experiment, version, hit: i < hits);
        }
    }

    /// <summary>Waits until the experiment's grain holds exactly <paramref name="expected"/> (the flush's calls are one-way).</summary>
    private async Task CountsMatchAsync(string experiment, ArmCounts[] expected)
    {
        var counts = await Eventually.MatchesAsync(() => MetricsGrain(experiment).GetAsync(), c => c.SequenceEqual(expected),
            $"the counts of {experiment} to be {string.Join(", ", expected.AsEnumerable())}");
        Assert.Equal(expected, counts);
    }

    /// <summary>What the <c>actors.experiment.*</c> instruments report now for <paramref name="experiment"/>, by instrument and version.</summary>
    private static Dictionary<(string Instrument, string Version), double> Observe(string experiment)
    {
        var seen = new Dictionary<(string, string), double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ActorsInstruments.MeterName && instrument.Name.StartsWith("actors.experiment.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? name = null, version = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "experiment")
                {
                    name = tag.Value as string;
                }
                else if (tag.Key == "version")
                {
                    version = tag.Value as string;
                }
            }
            if (name == experiment && version is not null)
            {
                seen[(instrument.Name, version)] = value;
            }
        }
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }

    /// <summary>A test-only outgoing call filter on every silo: a silo's calls to add to a failing experiment's counts fail before they are sent.</summary>
    private sealed class FailingMetricsCalls
    {
        private readonly ConcurrentDictionary<string, bool> _failing = new(StringComparer.Ordinal);

        public void Fail(string experiment) => _failing[experiment] = true;

        public void Heal(string experiment) => _failing.TryRemove(experiment, out _);

        public Task InvokeAsync(IOutgoingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == nameof(IExperimentMetricsGrain.AddAsync)
                && context.TargetId.Key.ToString() is { } experiment
                && _failing.ContainsKey(experiment))
            {
                throw new InvalidOperationException($"Injected fault: the counts of {experiment} are not sent.");
            }
            return context.Invoke();
        }
    }
}
