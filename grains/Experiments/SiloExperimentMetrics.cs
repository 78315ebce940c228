using Actors.Grains.Diagnostics;
using Actors.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Experiments;

/// <summary>
/// This silo's side of the experiment figures: the grains on the silo count answers served and events after them here,
/// in memory (no grain call on the query or event path), and every <see cref="ExperimentOptions.FlushInterval"/> each
/// experiment's counts go to its <see cref="IExperimentMetricsGrain"/> in one one-way call. A flush whose call fails
/// keeps its counts for the next one; the counts of the last interval are lost if the silo dies. Thread-safe.
/// <para>
/// It also reads back, at each flush, the cluster-wide counts of the experiment <see cref="Watch"/> names and publishes
/// them to the observable instruments of <see cref="ActorsInstruments"/> (<c>actors.experiment.*</c>), so the silo's
/// <c>/metrics</c> shows every arm's figures without a grain call per scrape.
/// </para>
/// </summary>
internal sealed class SiloExperimentMetrics(
    IGrainFactory grains,
    IOptions<ExperimentOptions> options,
    TimeProvider time,
    ILogger<SiloExperimentMetrics> logger) : SiloAggregator(time, logger)
{
    private readonly Lock _gate = new();
    private Dictionary<(string Experiment, string Version), Pending> _pending = [];
    private string? _watched;
    private ExperimentSnapshot? _snapshot;

    protected override TimeSpan Interval => options.Value.FlushInterval;

    /// <summary>The experiment whose cluster-wide counts this silo reads back (null: none).</summary>
    public string? Watched => Volatile.Read(ref _watched);

    /// <summary>The cluster-wide counts of <see cref="Watched"/> as of the last flush (null before the first read, or when nothing is watched).</summary>
    public ExperimentSnapshot? Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Counts one recommendation answer of <paramref name="version"/> served in <paramref name="experiment"/>.</summary>
    public void Served(string experiment, string version)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(version);
        lock (_gate)
        {
            PendingOf(experiment, version).Served++;
        }
    }

    /// <summary>
    /// Counts one event within the hit window after an answer of <paramref name="version"/> in
    /// <paramref name="experiment"/>; <paramref name="hit"/> when the event's item was in that answer.
    /// </summary>
    public void Event(string experiment, string version, bool hit)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(version);
        lock (_gate)
        {
            var pending = PendingOf(experiment, version);
            pending.Events++;
            if (hit)
            {
                pending.Hits++;
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="experiment"/> the one whose cluster-wide counts the instruments report from the next flush
    /// on (null: none, and the instruments report nothing). Called when the routing changes; the same name again changes nothing.
    /// </summary>
    public void Watch(string? experiment)
    {
        lock (_gate)
        {
            if (_watched != experiment)
            {
                Volatile.Write(ref _watched, experiment);
                Publish(null);
            }
        }
    }

    /// <summary>Sends each experiment's pending counts in one call, then reads the watched experiment's totals back.</summary>
    protected override async Task FlushCoreAsync(CancellationToken cancellationToken)
    {
        Dictionary<(string Experiment, string Version), Pending>? pending = null;
        lock (_gate)
        {
            if (_pending.Count > 0)
            {
                pending = _pending;
                _pending = [];
            }
        }
        if (pending is not null)
        {
            var byExperiment = new Dictionary<string, List<ArmCounts>>(StringComparer.Ordinal);
            foreach (var ((experiment, version), counts) in pending)
            {
                if (!byExperiment.TryGetValue(experiment, out var arms))
                {
                    byExperiment[experiment] = arms = [];
                }
                arms.Add(new ArmCounts(version, counts.Served, counts.Events, counts.Hits));
            }
            await Task.WhenAll(byExperiment.Select(pair => SendAsync(pair.Key, [.. pair.Value])));
        }

        if (Watched is { } watched)
        {
            var arms = await grains.GetGrain<IExperimentMetricsGrain>(watched).GetAsync().WaitAsync(cancellationToken);
            lock (_gate)
            {
                // Watch may have moved on while the answer was on its way: then this one is not for the instruments.
                if (_watched == watched)
                {
                    Publish(new ExperimentSnapshot(watched, arms));
                }
            }
        }
    }

    /// <summary>One experiment's counts in one call; when the call fails, they go back to be sent with the next flush.</summary>
    private async Task SendAsync(string experiment, ArmCounts[] deltas)
    {
        try
        {
            await grains.GetGrain<IExperimentMetricsGrain>(experiment).AddAsync(deltas);
        }
        catch
        {
            lock (_gate)
            {
                foreach (var delta in deltas)
                {
                    var pending = PendingOf(experiment, delta.Version);
                    pending.Served += delta.Served;
                    pending.Events += delta.Events;
                    pending.Hits += delta.Hits;
                }
            }
            throw;
        }
    }

    /// <summary>Replaces the snapshot this silo and the instruments report; callers hold <see cref="_gate"/>.</summary>
    private void Publish(ExperimentSnapshot? snapshot)
    {
        Volatile.Write(ref _snapshot, snapshot);
        ActorsInstruments.ReportExperiment(snapshot);
    }

    /// <summary>The pending counts of one arm, created when missing; callers hold <see cref="_gate"/>.</summary>
    private Pending PendingOf(string experiment, string version)
    {
        if (!_pending.TryGetValue((experiment, version), out var pending))
        {
            _pending[(experiment, version)] = pending = new Pending();
        }
        return pending;
    }

    private sealed class Pending
    {
        public long Served;
        public long Events;
        public long Hits;
    }
}

/// <summary>The cluster-wide counts of one experiment, per arm version, as a silo last read them.</summary>
internal sealed record ExperimentSnapshot(string Experiment, ArmCounts[] Arms);
