using Orleans.Streams;

namespace Actors.Ingest;

/// <summary>
/// Publishes interaction events on the per-user event stream. Events of one user are sent in order; users are
/// sent in parallel. A returned task means every event was accepted by the stream provider.
/// </summary>
public sealed class EventPublisher(IClusterClient client)
{
    private readonly IStreamProvider _streams = client.GetStreamProvider(StreamNames.Provider);

    /// <summary>The maximum number of users whose events are sent concurrently. Default 64.</summary>
    public int MaxParallelUsers { get; init; } = 64;

    public async Task PublishAsync(IReadOnlyList<InteractionEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var byUser = new Dictionary<string, List<InteractionEvent>>(StringComparer.Ordinal);
        foreach (var evt in events)
        {
            if (!byUser.TryGetValue(evt.UserId, out var list))
            {
                byUser[evt.UserId] = list = [];
            }
            list.Add(evt);
        }
        await Parallel.ForEachAsync(
            byUser,
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelUsers, CancellationToken = cancellationToken },
            async (pair, _) =>
            {
                var stream = _streams.GetStream<InteractionEvent>(StreamId.Create(StreamNames.Interactions, pair.Key));
                foreach (var evt in pair.Value)
                {
                    await stream.OnNextAsync(evt);
                }
            });
    }
}
