using System.Globalization;
using Actors.Dataset;

namespace Actors.Ingest;

/// <summary>Where an import is: <paramref name="Stage"/> is "items" or "events".</summary>
public readonly record struct ImportProgress(string Stage, int Done, int Total);

/// <summary>
/// Imports a data set into the cluster: every item (text → encoder → item grain → index shard), then each
/// user's training sequence replayed as events on the stream. Event ids are derived from the data set, user and
/// position, so importing twice applies nothing twice.
/// </summary>
public sealed class CatalogImporter(IClusterClient client)
{
    /// <summary>Concurrent item upserts; the encoder grains batch them. Default 64.</summary>
    public int MaxParallelItems { get; init; } = 64;

    public async Task ImportItemsAsync(UniSRecDataset dataset, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var done = 0;
        var total = dataset.Items.Count;
        await Parallel.ForEachAsync(
            dataset.Items,
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelItems, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                await client.GetGrain<IItemGrain>(item.Id).UpsertAsync(item.Text, ct);
                progress?.Report(new ImportProgress("items", Interlocked.Increment(ref done), total));
            });
    }

    /// <summary>The training interactions of <paramref name="dataset"/> as events, each user's in order.</summary>
    public static List<InteractionEvent> TrainingEvents(UniSRecDataset dataset, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var sequences = dataset.TrainingSequences();
        var events = new List<InteractionEvent>();
        for (var user = 0; user < sequences.Length; user++)
        {
            var userId = dataset.UserIds[user];
            for (var position = 0; position < sequences[user].Length; position++)
            {
                events.Add(new InteractionEvent(
                    string.Create(CultureInfo.InvariantCulture, $"{dataset.Name}:train:{userId}:{position}"),
                    userId,
                    dataset.Items[sequences[user][position]].Id,
                    timestamp));
            }
        }
        return events;
    }

    public async Task ReplayTrainingAsync(UniSRecDataset dataset, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var events = TrainingEvents(dataset, DateTimeOffset.UtcNow);
        var publisher = new EventPublisher(client);
        const int Chunk = 2_000;
        for (var start = 0; start < events.Count; start += Chunk)
        {
            var count = Math.Min(Chunk, events.Count - start);
            await publisher.PublishAsync(events.GetRange(start, count), cancellationToken);
            progress?.Report(new ImportProgress("events", start + count, events.Count));
        }
    }
}
