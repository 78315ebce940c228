using Orleans.Streams;

namespace Actors.Ingest;

/// <summary>
/// Publishes interaction events on the per-user event stream. Events of one user are sent in order, in batches of
/// at most <see cref="MaxBatch"/> (one queue message each, delivered to the user grain as one batch: one state write);
/// users are sent in parallel. A returned task means every event was accepted by the stream provider.
/// </summary>
public sealed class EventPublisher(IClusterClient client)
{
    private readonly IStreamProvider _streams = client.GetStreamProvider(StreamNames.Provider);

    /// <summary>The maximum number of users whose events are sent concurrently. Default 64.</summary>
    public int MaxParallelUsers { get; init; } = 64;

    /// <summary>
    /// The most events of one user sent as one stream message. Default 16: with ids of up to 256 characters a batch
    /// stays well inside an Azure queue message (64 KB, Base64-encoded).
    /// </summary>
    public int MaxBatch { get; init; } = 16;

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
                foreach (var chunk in pair.Value.Chunk(MaxBatch))
                {
                    if (chunk.Length == 1)
                    {
                        await stream.OnNextAsync(chunk[0]);
                    }
                    else
                    {
                        await stream.OnNextBatchAsync(chunk);
                    }
                }
            });
    }
}
