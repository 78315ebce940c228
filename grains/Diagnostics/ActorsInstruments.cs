using System.Diagnostics.Metrics;

namespace Actors.Grains.Diagnostics;

/// <summary>The grains' metrics (meter <c>Actors</c>), exported by the host's OpenTelemetry setup.</summary>
public static class ActorsInstruments
{
    public const string MeterName = "Actors";

    private static readonly Meter Meter = new(MeterName);

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
}
