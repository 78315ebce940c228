using System.Globalization;
using Actors.Dataset;

namespace Actors.Ingest;

/// <summary>Where an import is: <paramref name="Stage"/> is "items" or "events".</summary>
public readonly record struct ImportProgress(string Stage, int Done, int Total);

/// <summary>
/// Imports a data set into the cluster: every item (text → encoder → item grain → index shard), or items whose content
/// embeddings are already computed in batches (<see cref="ImportPrecomputedAsync(IReadOnlyList{CatalogItem}, IReadOnlyList{ReadOnlyMemory{float}}, IReadOnlyList{ItemAttributes}, string, IProgress{ImportProgress}, CancellationToken)"/>), then each user's training sequence
/// replayed as events on the stream. Event ids are derived from the data set, user and position, so importing twice
/// applies nothing twice.
/// </summary>
public sealed class CatalogImporter(IClusterClient client)
{
    // Ids and texts checked per call before a precomputed import stores anything.
    private const int CheckChunk = 16_384;

    /// <summary>Concurrent item upserts; the encoder grains batch them. Default 64.</summary>
    public int MaxParallelItems { get; init; } = 64;

    /// <summary>
    /// Items per batch of <see cref="ImportPrecomputedAsync(IReadOnlyList{CatalogItem}, IReadOnlyList{ReadOnlyMemory{float}}, IReadOnlyList{ItemAttributes}, string, IProgress{ImportProgress}, CancellationToken)"/>: the unit of validation, storage writes and shard bulk adds
    /// (split over the shards). Default 4,096.
    /// </summary>
    public int BatchSize { get; init; } = 4096;

    /// <summary>Batches of <see cref="ImportPrecomputedAsync(IReadOnlyList{CatalogItem}, IReadOnlyList{ReadOnlyMemory{float}}, IReadOnlyList{ItemAttributes}, string, IProgress{ImportProgress}, CancellationToken)"/> in flight at once. Default 4.</summary>
    public int MaxParallelBatches { get; init; } = 4;

    /// <summary>
    /// Imports items with content embeddings made elsewhere by encoder <paramref name="encoderVersion"/> (row i of
    /// <paramref name="contents"/> for item i) through <see cref="IItemImportGrain"/>, <see cref="BatchSize"/> at a time:
    /// each batch's new item records are written straight to storage and then indexed with one bulk add per shard. The
    /// whole import is checked before anything is stored (the cluster's encoder version and dimension, finite values, no
    /// id twice, the cluster's id and text rules), so bad input stores nothing. Idempotent and resumable: importing the
    /// same items again writes nothing, and after an interruption (cancellation, a failure) it stores and indexes only
    /// what is missing; an item is never indexed before it is stored. Returns the totals over every batch.
    /// </summary>
    public Task<ItemImportResult> ImportPrecomputedAsync(
        IReadOnlyList<CatalogItem> items,
        IReadOnlyList<ReadOnlyMemory<float>> contents,
        string encoderVersion,
        IProgress<ImportProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        ImportPrecomputedAsync(items, contents, null, encoderVersion, progress, cancellationToken);

    /// <summary>
    /// As <see cref="ImportPrecomputedAsync(IReadOnlyList{CatalogItem}, IReadOnlyList{ReadOnlyMemory{float}}, string, IProgress{ImportProgress}?, CancellationToken)"/>,
    /// with item i's attributes <paramref name="attributes"/>[i] (null: none; the list null: none for any item), checked
    /// with the ids and texts before anything is stored.
    /// </summary>
    public async Task<ItemImportResult> ImportPrecomputedAsync(
        IReadOnlyList<CatalogItem> items,
        IReadOnlyList<ReadOnlyMemory<float>> contents,
        IReadOnlyList<ItemAttributes?>? attributes,
        string encoderVersion,
        IProgress<ImportProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(contents);
        ArgumentException.ThrowIfNullOrEmpty(encoderVersion);
        if (contents.Count != items.Count)
        {
            throw new ArgumentException($"{items.Count} items need as many content embeddings; got {contents.Count}.", nameof(contents));
        }
        if (attributes is not null && attributes.Count != items.Count)
        {
            throw new ArgumentException($"{items.Count} items need as many attributes; got {attributes.Count}.", nameof(attributes));
        }
        var importer = client.GetGrain<IItemImportGrain>(0);
        var rules = await importer.GetRulesAsync();
        CheckContents(items, contents, encoderVersion, rules);
        for (var start = 0; start < items.Count; start += CheckChunk)
        {
            var chunk = Enumerable.Range(start, Math.Min(CheckChunk, items.Count - start));
            await importer.CheckAsync([.. chunk.Select(i => items[i].Id)], [.. chunk.Select(i => items[i].Text)], attributes is null ? null : [.. chunk.Select(i => attributes[i])]);
        }

        var batches = (items.Count + BatchSize - 1) / BatchSize;
        int stored = 0, unchanged = 0, updated = 0, indexed = 0, done = 0;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, batches),
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelBatches, CancellationToken = cancellationToken },
            async (b, ct) =>
            {
                var start = b * BatchSize;
                var count = Math.Min(BatchSize, items.Count - start);
                var flat = new float[count * rules.Dimension];
                for (var i = 0; i < count; i++)
                {
                    contents[start + i].Span.CopyTo(flat.AsSpan(i * rules.Dimension));
                }
                var batch = new ItemImportBatch(
                    [.. Enumerable.Range(start, count).Select(i => items[i].Id)],
                    [.. Enumerable.Range(start, count).Select(i => items[i].Text)],
                    flat,
                    encoderVersion,
                    attributes is null ? null : [.. Enumerable.Range(start, count).Select(i => attributes[i])]);
                var result = await importer.ImportAsync(batch, ct);
                Interlocked.Add(ref stored, result.Stored);
                Interlocked.Add(ref unchanged, result.Unchanged);
                Interlocked.Add(ref updated, result.Updated);
                Interlocked.Add(ref indexed, result.Indexed);
                progress?.Report(new ImportProgress("items", Interlocked.Add(ref done, count), items.Count));
            });
        return new ItemImportResult(stored, unchanged, updated, indexed);
    }

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

    /// <summary>The checks that need no round trip: the encoder, the dimension, finite values, no id twice.</summary>
    private static void CheckContents(IReadOnlyList<CatalogItem> items, IReadOnlyList<ReadOnlyMemory<float>> contents, string encoderVersion, ImportRules rules)
    {
        if (encoderVersion != rules.EncoderVersion)
        {
            throw new ArgumentException($"The content embeddings were made by encoder '{encoderVersion}'; the cluster encodes with '{rules.EncoderVersion}'.", nameof(encoderVersion));
        }
        var seen = new HashSet<string>(items.Count, StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] ?? throw new ArgumentException($"Item {i} is null.", nameof(items));
            if (item.Id is null || !seen.Add(item.Id))
            {
                throw new ArgumentException($"Item {i} ('{item.Id}'): the id is missing or appears twice; nothing was imported.", nameof(items));
            }
            var content = contents[i].Span;
            if (content.Length != rules.Dimension || !AllFinite(content))
            {
                throw new ArgumentException(
                    $"Item {i} ('{item.Id}'): the content embedding has {content.Length} values or a non-finite one; the cluster expects {rules.Dimension} finite values. Nothing was imported.",
                    nameof(contents));
            }
        }
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }
        return true;
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
