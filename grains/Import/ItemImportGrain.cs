using System.Numerics.Tensors;
using Actors.Encoder;
using Actors.Grains.Hosting;
using Actors.Grains.Index;
using Actors.Grains.Items;
using Actors.Grains.Model;
using Actors.Grains.Models;
using Actors.VectorIndex;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Actors.Grains.Import;

/// <summary>
/// Bulk import of items with precomputed content embeddings. A batch is checked whole first; then each item's record is
/// written create-only (ETag null): a new item costs one storage call. A record stored before makes that write fail; it
/// is read then, and left as it is when identical, while one with other data goes through its item grain's
/// <see cref="IItemMaintenance.ImportAsync"/>. Only then are the directly handled items indexed, one
/// <see cref="IIndexShardMaintenance.UpsertBatchAsync"/> per shard, so an item is never indexed before it is stored, an
/// interrupted batch is completed by importing it again, and a repeated batch writes nothing.
/// No item grain is activated for a new item: its grain reads the record when it is first called.
/// </summary>
[StatelessWorker]
internal sealed partial class ItemImportGrain(
    TextEncoder encoder,
    ServedModels models,
    IOptions<IndexOptions> indexOptions,
    IOptions<ItemOptions> itemOptions,
    IServiceProvider services,
    ILogger<ItemImportGrain> logger) : Grain, IItemImportGrain
{
    // Storage calls in flight per batch; the memory provider and blob storage both serve many at once.
    private const int StorageConcurrency = 128;

    private IGrainStorage? _storage;

    private IGrainStorage Storage => _storage ??= services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Actors);

    public Task<ImportRules> GetRulesAsync() =>
        Task.FromResult(new ImportRules(encoder.ModelVersion, encoder.Dimension, itemOptions.Value.MaxTextLength));

    public Task CheckAsync(string[] itemIds, string[] texts, ItemAttributes?[]? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Length != itemIds.Length)
        {
            throw new ArgumentException($"{itemIds.Length} item ids need as many texts; got {texts.Length}.", nameof(texts));
        }
        if (attributes is not null && attributes.Length != itemIds.Length)
        {
            throw new ArgumentException($"{itemIds.Length} item ids need as many attributes; got {attributes.Length}.", nameof(attributes));
        }
        for (var i = 0; i < itemIds.Length; i++)
        {
            if ((ItemValidation.CheckId(itemIds[i], "itemId") ?? ItemValidation.CheckText(texts[i], itemOptions.Value.MaxTextLength)) is { } problem)
            {
                throw new ArgumentException($"Item {i} ('{itemIds[i]}'): {problem}", nameof(itemIds));
            }
            if (ItemValidation.CheckAttributes(attributes?[i]) is { } bad)
            {
                throw new ArgumentException($"Item {i} ('{itemIds[i]}'), {bad.Field}: {bad.Problem}", nameof(attributes));
            }
        }
        return Task.CompletedTask;
    }

    private ServingModel Configured => models.Configured;

    public async Task<ItemImportResult> ImportAsync(ItemImportBatch batch, CancellationToken cancellationToken = default)
    {
        Validate(batch);
        var count = batch.ItemIds.Length;
        var dimension = encoder.Dimension;
        var grainIds = new GrainId[count];
        var records = new GrainState<ItemState>[count];
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            grainIds[i] = GrainReferences.Get<IItemGrain>(GrainFactory, batch.ItemIds[i]).GetGrainId();
            // ETag null: the write only creates; a record stored before makes it fail.
            records[i] = new GrainState<ItemState>(new ItemState
            {
                Text = batch.Texts[i],
                Attributes = AttributesOf(batch, i),
                Content = batch.Contents.AsSpan(i * dimension, dimension).ToArray(),
                EncoderVersion = batch.EncoderVersion,
                ModelVersion = Configured.Version,
                UpdatedAt = now,
            });
        }

        // The item tower over every item, on the thread pool (the model is thread-safe): the one computation here.
        await Task.Run(() => Parallel.For(0, count, i =>
        {
            var state = records[i].State!;
            state.Item = Configured.ItemEmbedding(batch.ItemIds[i], state.Content!);
        }), cancellationToken);

        // The shards journal that these items are coming before any record exists, so an import interrupted between
        // storing and indexing still ends with every stored item searchable (IIndexShardMaintenance.ExpectAsync).
        var slots = (await models.CurrentAsync()).Live;
        await ExpectAsync(batch, slots);

        // Each record written create-only: a new item is stored with one storage call. One stored before (an import
        // again, or an item its grain stored) is read instead: left as it is when identical, else its grain decides.
        // (Continuations run on this grain's scheduler, one at a time, so the lists need no lock.)
        var stored = new bool[count];
        var unchanged = new List<int>();
        var throughGrain = new List<int>();
        await ForEachAsync(count, async i =>
        {
            try
            {
                await Storage.WriteStateAsync(ItemState.StateName, grainIds[i], records[i]);
                stored[i] = true;
                return;
            }
            catch (InconsistentStateException)
            {
            }
            var existing = new GrainState<ItemState>();
            await Storage.ReadStateAsync(ItemState.StateName, grainIds[i], existing);
            if (Identical(existing, batch, i))
            {
                records[i] = existing;
                unchanged.Add(i);
            }
            else
            {
                throughGrain.Add(i);
            }
        }, cancellationToken);

        // Stored, not yet indexed: an interruption here is completed by the next import of the batch.
        cancellationToken.ThrowIfCancellationRequested();
        await ForEachAsync(throughGrain.Count, j =>
        {
            var i = throughGrain[j];
            var content = batch.Contents.AsSpan(i * dimension, dimension).ToArray();
            return GrainReferences.Get<IItemMaintenance>(GrainFactory, batch.ItemIds[i]).ImportAsync(batch.Texts[i], content, batch.EncoderVersion, AttributesOf(batch, i), cancellationToken);
        }, cancellationToken);

        var toIndex = Enumerable.Range(0, count).Where(i => stored[i]).ToList();
        toIndex.AddRange(unchanged);
        // Slot 0 from the stored item embeddings; every other live model version through its own item tower.
        var indexed = await IndexAsync(batch, records, toIndex, new ModelSlot(0, Configured.Version), cancellationToken);
        await Task.WhenAll(slots.Where(s => s.Slot != 0).Select(slot => IndexAsync(batch, records, toIndex, slot, cancellationToken)));
        var result = new ItemImportResult(toIndex.Count - unchanged.Count, unchanged.Count, throughGrain.Count, indexed);
        LogImported(count, result.Stored, result.Unchanged, result.Updated, result.Indexed);
        return result;
    }

    /// <summary>Tells each owning shard of every live model slot, in parallel, that the batch's items are about to be stored.</summary>
    private Task ExpectAsync(ItemImportBatch batch, IReadOnlyList<ModelSlot> slots)
    {
        var shards = indexOptions.Value.Shards;
        return Task.WhenAll(slots.SelectMany(slot => batch.ItemIds.GroupBy(itemId => Partitioner.ShardOf(itemId, shards))
            .Select(g => GrainFactory.GetGrain<IIndexShardMaintenance>(ShardKeys.Of(slot.Slot, g.Key)).ExpectAsync([.. g]))));
    }

    /// <summary>Whether the stored <paramref name="record"/> is item <paramref name="i"/> of the batch exactly, embedded by the configured model and not deleted.</summary>
    private bool Identical(GrainState<ItemState> record, ItemImportBatch batch, int i) =>
        record.State is { } existing && existing.Text == batch.Texts[i] && existing.EncoderVersion == batch.EncoderVersion
        && existing.ModelVersion == Configured.Version && existing.Item is not null && !existing.Deleted
        && ItemValidation.SameAttributes(existing.Attributes, AttributesOf(batch, i))
        && existing.Content.AsSpan().SequenceEqual(batch.Contents.AsSpan(i * encoder.Dimension, encoder.Dimension));

    /// <summary>
    /// One batch per shard of <paramref name="slot"/>, in parallel, of the given items' embeddings in that slot's model
    /// (slot 0: the stored item embeddings) and texts.
    /// </summary>
    private async Task<int> IndexAsync(ItemImportBatch batch, GrainState<ItemState>[] records, List<int> items, ModelSlot slot, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return 0;
        }
        var version = await models.GetAsync(slot);
        var rows = new float[records.Length][];
        await Task.Run(() => Parallel.ForEach(items, i =>
            rows[i] = slot.Slot == 0 ? records[i].State!.Item! : version.ItemEmbedding(batch.ItemIds[i], records[i].State!.Content!)), cancellationToken);
        var shards = indexOptions.Value.Shards;
        var byShard = new Dictionary<int, List<int>>();
        foreach (var i in items)
        {
            var shard = Partitioner.ShardOf(batch.ItemIds[i], shards);
            if (!byShard.TryGetValue(shard, out var owned))
            {
                byShard[shard] = owned = [];
            }
            owned.Add(i);
        }
        var dimension = rows[items[0]].Length;
        var changed = await Task.WhenAll(byShard.Select(pair =>
        {
            var owned = pair.Value;
            var embeddings = new float[owned.Count * dimension];
            for (var j = 0; j < owned.Count; j++)
            {
                rows[owned[j]].AsSpan().CopyTo(embeddings.AsSpan(j * dimension));
            }
            var entries = new IndexBatch(
                [.. owned.Select(i => batch.ItemIds[i])],
                embeddings,
                dimension,
                [.. owned.Select(i => (string?)batch.Texts[i])],
                version.Version,
                [.. owned.Select(i => records[i].State!.Attributes)]);
            return GrainFactory.GetGrain<IIndexShardMaintenance>(ShardKeys.Of(slot.Slot, pair.Key)).UpsertBatchAsync(entries, cancellationToken);
        }));
        return changed.Sum();
    }

    /// <summary>Item <paramref name="i"/>'s attributes as stored: null for none.</summary>
    private static ItemAttributes? AttributesOf(ItemImportBatch batch, int i) =>
        batch.Attributes?[i] is { } attributes && attributes != ItemAttributes.None ? attributes : null;

    /// <summary>Every check <see cref="IItemMaintenance.ImportAsync"/> makes, for the whole batch, before anything is stored.</summary>
    private void Validate(ItemImportBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(batch.ItemIds);
        ArgumentNullException.ThrowIfNull(batch.Texts);
        ArgumentNullException.ThrowIfNull(batch.Contents);
        if (batch.EncoderVersion != encoder.ModelVersion)
        {
            throw new ArgumentException($"The content embeddings were made by encoder '{batch.EncoderVersion}'; this silo encodes with '{encoder.ModelVersion}'.", nameof(batch));
        }
        var count = batch.ItemIds.Length;
        var dimension = encoder.Dimension;
        if (batch.Texts.Length != count || batch.Contents.Length != (long)count * dimension || (batch.Attributes is { } given && given.Length != count))
        {
            throw new ArgumentException(
                $"A batch of {count} items needs {count} texts, {count} × {dimension} content values and, when given, {count} attributes; got {batch.Texts.Length} texts, {batch.Contents.Length} values and {batch.Attributes?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} attributes.",
                nameof(batch));
        }
        var seen = new HashSet<string>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var itemId = batch.ItemIds[i];
            var problem = ItemValidation.CheckId(itemId, "itemId") ?? ItemValidation.CheckText(batch.Texts[i], itemOptions.Value.MaxTextLength);
            if (problem is null && ItemValidation.CheckAttributes(batch.Attributes?[i]) is { } bad)
            {
                problem = $"{bad.Field}: {bad.Problem}";
            }
            if (problem is null && !seen.Add(itemId))
            {
                problem = "the item appears twice in the batch.";
            }
            if (problem is null && !float.IsFinite(TensorPrimitives.Sum(batch.Contents.AsSpan(i * dimension, dimension))))
            {
                problem = $"the content embedding has a non-finite value; expected {dimension} finite values.";
            }
            if (problem is not null)
            {
                throw new ArgumentException($"Item {i} ('{itemId}') of the batch: {problem} Nothing of the batch was stored.", nameof(batch));
            }
        }
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1 with at most <see cref="StorageConcurrency"/> in flight, on this grain's scheduler.</summary>
    private static async Task ForEachAsync(int count, Func<int, Task> body, CancellationToken cancellationToken)
    {
        var next = -1;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await body(i);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Min(StorageConcurrency, count)).Select(_ => Worker()));
    }
}
