using System.Diagnostics.Metrics;
using Actors.Grains.Experiments;

namespace Actors.Grains.Diagnostics;

/// <summary>The grains' metrics (meter <c>Actors</c>), exported by the host's OpenTelemetry setup.</summary>
public static class ActorsInstruments
{
    public const string MeterName = "Actors";

    private static readonly Meter Meter = new(MeterName);

    // The experiment instruments observe cluster-wide counts that a silo's SiloExperimentMetrics reads back at each
    // flush, not events of this process: their callbacks report the last snapshot it published (null: none). The
    // snapshot is process-wide, as the meter is: with several silos in one process (tests) the last one to publish wins,
    // and all of them read the same metrics grain.
    private static ExperimentSnapshot? _experiment;

    internal static readonly Counter<long> ItemsEncoded =
        Meter.CreateCounter<long>("actors.items.encoded", "{item}", "Item texts encoded by item grains (new or changed text, or a new encoder).");

    internal static readonly Counter<long> EventsApplied =
        Meter.CreateCounter<long>("actors.events.applied", "{event}", "Interaction events applied to user histories.");

    internal static readonly Histogram<double> EventDelay =
        Meter.CreateHistogram<double>("actors.events.delay", "ms", "From an applied event's timestamp to the moment its user's embedding included it (freshness, when producers stamp events as they happen).");

    internal static readonly Histogram<int> TowerBatch =
        Meter.CreateHistogram<int>("actors.users.tower_batch", "{step}", "User-tower steps run together in one batched pass on a silo.");

    internal static readonly Counter<long> DuplicateEvents =
        Meter.CreateCounter<long>("actors.events.duplicates", "{event}", "Events dropped because their id was already applied.");

    internal static readonly Counter<long> ConflictingEvents =
        Meter.CreateCounter<long>("actors.events.conflicts", "{event}", "Events dropped because their id was already applied with another item (a producer reusing an event id).");

    internal static readonly Counter<long> RejectedEvents =
        Meter.CreateCounter<long>("actors.events.rejected", "{event}", "Stream events dropped by user grains (unknown item or wrong user).");

    internal static readonly Histogram<double> RecommendationDuration =
        Meter.CreateHistogram<double>("actors.recommendation.duration", "ms", "Time to answer a recommendation or similar-items query in the retrieval grain.");

    internal static readonly Histogram<int> ShardFanOut =
        Meter.CreateHistogram<int>("actors.retrieval.fanout", "{shard}", "Index shards queried per retrieval.");

    internal static readonly Counter<long> PartialAnswers =
        Meter.CreateCounter<long>("actors.retrieval.partial", "{answer}", "Retrievals answered without every shard (a shard was slow or lost).");

    internal static readonly ObservableCounter<long> ExperimentServed =
        Meter.CreateObservableCounter("actors.experiment.served", () => ArmCountsOf(static a => a.Served), "{answer}",
            "Recommendation answers served to the users of each arm of the running experiment, over the cluster (tags experiment, version).");

    internal static readonly ObservableCounter<long> ExperimentEvents =
        Meter.CreateObservableCounter("actors.experiment.events", () => ArmCountsOf(static a => a.Events), "{event}",
            "Events of each arm's users within the hit window after an answer, over the cluster (tags experiment, version).");

    internal static readonly ObservableCounter<long> ExperimentHits =
        Meter.CreateObservableCounter("actors.experiment.hits", () => ArmCountsOf(static a => a.Hits), "{event}",
            "Events of each arm's users whose item was in the answer before them, over the cluster (tags experiment, version).");

    internal static readonly ObservableGauge<double> ExperimentHitRate =
        Meter.CreateObservableGauge("actors.experiment.hit_rate", () => HitRatesOf(static (hits, events) => hits / (double)events), "1",
            "Hits / events of each arm of the running experiment; none for an arm without events (tags experiment, version).");

    internal static readonly ObservableGauge<double> ExperimentHitRateLow =
        Meter.CreateObservableGauge("actors.experiment.hit_rate.low", () => HitRatesOf(static (hits, events) => WilsonInterval.Of(hits, events).Low), "1",
            "Lower bound of the 95 % Wilson interval of each arm's hit rate (tags experiment, version).");

    internal static readonly ObservableGauge<double> ExperimentHitRateHigh =
        Meter.CreateObservableGauge("actors.experiment.hit_rate.high", () => HitRatesOf(static (hits, events) => WilsonInterval.Of(hits, events).High), "1",
            "Upper bound of the 95 % Wilson interval of each arm's hit rate (tags experiment, version).");

    /// <summary>Replaces the experiment counts the observable instruments report (null: report none).</summary>
    internal static void ReportExperiment(ExperimentSnapshot? snapshot) => Volatile.Write(ref _experiment, snapshot);

    private static Measurement<long>[] ArmCountsOf(Func<ArmCounts, long> count)
    {
        if (Volatile.Read(ref _experiment) is not { } snapshot)
        {
            return [];
        }
        var result = new Measurement<long>[snapshot.Arms.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new Measurement<long>(count(snapshot.Arms[i]), Tags(snapshot.Experiment, snapshot.Arms[i].Version));
        }
        return result;
    }

    private static List<Measurement<double>> HitRatesOf(Func<long, long, double> rate)
    {
        var result = new List<Measurement<double>>();
        if (Volatile.Read(ref _experiment) is { } snapshot)
        {
            foreach (var arm in snapshot.Arms)
            {
                // A rate of no events is undefined: the arm is left out rather than shown as 0.
                if (arm.Events > 0)
                {
                    result.Add(new Measurement<double>(rate(arm.Hits, arm.Events), Tags(snapshot.Experiment, arm.Version)));
                }
            }
        }
        return result;
    }

    private static KeyValuePair<string, object?>[] Tags(string experiment, string version) =>
        [new("experiment", experiment), new("version", version)];
}
