using Actors.Encoder;
using Actors.Grains.Hosting;
using Actors.Grains.Model;
using Actors.Grains.Models;
using Actors.Grains.Placement;
using Actors.VectorIndex;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Actors.Grains.Index;

/// <summary>
/// One partition of the item index: exact top-k while small, an HNSW graph once it passes <c>Index:HnswThreshold</c>
/// (<see cref="AdaptiveVectorIndex"/>); items are added, updated and removed in place, singly or a batch at a time.
/// The index lives in a <see cref="ShardIndex"/> registered with the silo's <see cref="SiloShardRegistry"/>, where the
/// silo's search grain reads it directly; the grain itself is the partition's writer and owner of its durability:
/// single changes are journalled by id before they are acknowledged, batches are written whole to records of their own,
/// and a snapshot of embeddings and texts, itself written as records of a bounded size, folds both in (at most every
/// <see cref="IndexOptions.SnapshotInterval"/> for single changes, once the batches since the last one reach half the
/// shard), so a reactivated shard answers without re-encoding anything. Spread placement puts shard n on silo n mod count; keep-alive, because queries no longer call
/// the grain and idle collection would otherwise drop a busy index.
/// <para>
/// Every entry is in the embedding space of this silo's model (<see cref="ShardIndex.ModelVersion"/>). Records written
/// with another model (or dimension), upserts computed by a silo serving another model, journalled single changes and
/// expectations that timed out (<see cref="IIndexShardMaintenance.ExpectAsync"/>) are <em>pending</em>: the shard loads
/// those items from their stored item records itself, recomputing the item embedding with its own model from the stored
/// content embedding (no encoder, no call to an item grain, so no call cycle), and asks an item to refresh itself only
/// when its content was made by another encoder. Journalled single changes are loaded before the shard registers, so it
/// never answers without them; the rest are loaded a chunk every <see cref="IndexOptions.PendingInterval"/>, and while any
/// is left (or the index is re-partitioning, <see cref="IIndexLayoutGrain"/>) every answer that includes this shard is
/// partial. Pending ids stay in the journal across snapshots, so a crash mid-rebuild resumes it.
/// </para>
/// <para>
/// Each model version with an index has shards of its own (<see cref="ShardKeys"/>: slot 0 is the configured model,
/// whose shards these always were). A shard of an uploaded version's slot is built by <see cref="BuildAsync"/>: it
/// copies the ids acknowledged to slot 0's shard of its number and loads them as pending items, through its own model;
/// it is incomplete until then. A shard of a slot that is no longer live (retired) holds nothing and accepts nothing.
/// </para>
/// </summary>
[SpreadPlacement, KeepAlive]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The index is disposed in OnDeactivateAsync, where a grain's lifetime ends.")]
internal sealed partial class IndexShardGrain(
    [PersistentState("shard", StorageNames.Actors)] IPersistentState<ShardState> state,
    [PersistentState(IndexShardGrain.JournalStateName, StorageNames.Actors)] IPersistentState<ShardJournal> journal,
    IOptions<IndexOptions> options,
    ServedModels models,
    TextEncoder encoder,
    SiloShardRegistry registry,
    IServiceProvider services,
    ILogger<IndexShardGrain> logger) : Grain, IIndexShardGrain, IIndexShardMaintenance
{
    // Pending items loaded from storage per timer tick, and storage reads in flight while loading.
    private const int PendingChunk = 1024;
    private const int ReadConcurrency = 64;

    // Items acknowledged to this shard that it does not hold in its model's space yet; journalled (see SnapshotAsync).
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);

    // Items announced by ExpectAsync, with when; journalled. Past Index:ExpectTimeout they become pending.
    private readonly Dictionary<string, DateTime> _expected = new(StringComparer.Ordinal);

    // Pending items whose content was made by another encoder: asked to refresh themselves (when), not loaded here.
    private readonly Dictionary<string, DateTime> _refreshRequested = new(StringComparer.Ordinal);

    // ETags of the batch records written or read since the last snapshot, to delete them once it folds them in.
    private readonly Dictionary<long, string?> _batchETags = [];
    private ShardIndex _index = null!;
    private IGrainStorage? _storage;
    private bool _dirty;

    // True while everything _dirty stands for is ExpectAsync's journal entries (the batch import's), which its batches satisfy.
    private bool _onlyExpectationsDirty;
    private bool _migrating;
    private int _batchedSinceSnapshot;
    private bool _superseded;

    // The model of this shard's slot: every entry is in its embedding space.
    private ServingModel _model = null!;

    // A shard of a slot that is no longer live: it neither registers nor takes changes.
    private bool _retired;

    private int Shard => ShardKeys.ShardOf(this.GetPrimaryKeyLong());

    private int Slot => ShardKeys.SlotOf(this.GetPrimaryKeyLong());

    private IGrainStorage Storage => _storage ??= services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Actors);

    private const string JournalStateName = "shard-journal";

    private static string BatchStateName(long sequence) => $"shard-batch-{sequence}";

    /// <summary>
    /// Whether the registry itself lists this shard's slot as live. A silo's routing is read every
    /// <c>Model:RoutingRefresh</c>, so an item write from a silo that has seen a new version may activate its shard here
    /// before this silo has: without reading the registry again, the shard would take itself for retired and turn the
    /// write away.
    /// </summary>
    private async Task<bool> LiveInRegistryAsync()
    {
        await models.RefreshAsync();
        return models.Routing.Live.Any(s => s.Slot == Slot);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Slot != 0 && !(await models.CurrentAsync()).Live.Any(s => s.Slot == Slot) && !await LiveInRegistryAsync())
        {
            // Retired (or a straggling call after the registry dropped it): nothing to serve; DropAsync may still clear it.
            _retired = true;
            _index = new ShardIndex(Shard, Slot, options.Value.HnswThreshold, options.Value.Hnsw(), "");
            DeactivateOnIdle();
            return;
        }
        _model = await models.GetForSlotAsync(Slot);
        _index = new ShardIndex(Shard, Slot, options.Value.HnswThreshold, options.Value.Hnsw(), _model.Version, options.Value.FilterExactLimit);
        if (state.State.Embeddings.Count > 0)
        {
            if (state.State.ModelVersion == _model.Version)
            {
                RestoreWholeSnapshot();
            }
            else
            {
                _pending.UnionWith(state.State.Embeddings.Keys);
            }
        }
        foreach (var sequence in state.State.Chunks)
        {
            if (await ReadBatchAsync(sequence, cancellationToken) is not { } chunk)
            {
                LogBatchMissing(Shard, sequence);
                continue;
            }
            Restore(chunk);
        }
        // Records the snapshot names may be newer than the journal's counter (a crash between the two writes).
        journal.State.NextBatch = Math.Max(journal.State.NextBatch,
            1 + Math.Max(state.State.Chunks.DefaultIfEmpty(-1).Max(), journal.State.Batches.Select(b => b.Sequence).DefaultIfEmpty(-1).Max()));
        // Changes acknowledged after the snapshot, in the order applied: batches are read back whole, single removals are
        // applied here, single sets (and expectations) are loaded from their items' stored records below.
        var reindex = new HashSet<string>(StringComparer.Ordinal);
        var changes = journal.State.Changes;
        var next = 0;
        foreach (var batchRef in journal.State.Batches)
        {
            for (; next < Math.Min(batchRef.AfterChanges, changes.Count); next++)
            {
                Replay(changes[next], reindex);
            }
            var batch = await ReadBatchAsync(batchRef.Sequence, cancellationToken);
            if (batch is null)
            {
                LogBatchMissing(Shard, batchRef.Sequence);
                continue;
            }
            Restore(batch);
            reindex.ExceptWith(batch.ItemIds);
            _batchedSinceSnapshot += batch.ItemIds.Length;
        }
        for (; next < changes.Count; next++)
        {
            Replay(changes[next], reindex);
        }
        if (_pending.Count > 0)
        {
            // A new model (or dimension) since these were written: rebuilt from the items' stored content embeddings.
            LogModelChanged(Shard, state.State.ModelVersion, _model.Version, _pending.Count);
        }
        _pending.UnionWith(reindex);
        if (reindex.Count > 0)
        {
            // Loaded before the shard registers: a reactivated shard never answers without its journalled items.
            LogReplaying(Shard, reindex.Count);
            await LoadPendingAsync([.. reindex], cancellationToken);
        }
        _dirty = changes.Count > 0;
        _migrating = !await GrainFactory.GetGrain<IIndexLayoutGrain>(0).IsSettledAsync();
        UpdateCompleteness();
        LogActivated(Shard, _index.Count);
        // The snapshot lives in the index from here on.
        state.State.Embeddings.Clear();
        registry.Register(_index);
        this.RegisterGrainTimer(SnapshotIfDirtyAsync, options.Value.SnapshotInterval, options.Value.SnapshotInterval);
        this.RegisterGrainTimer(PendingTickAsync, options.Value.PendingInterval, options.Value.PendingInterval);
        this.RegisterGrainTimer(ConfirmCurrentAsync, options.Value.SnapshotInterval, options.Value.SnapshotInterval);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Searches on this silo stop seeing the shard before its index goes; a new activation registers its own.
        registry.Unregister(_index);
        try
        {
            if (!_superseded && !_retired)
            {
                await SnapshotIfDirtyAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Typically storage already gone while the silo shuts down. Nothing is lost: every change since the last
            // snapshot is in the journal or a batch record, written before the change was acknowledged.
            LogSnapshotOnDeactivationFailed(Shard, reason.ReasonCode.ToString(), ex.GetBaseException().Message);
        }
        finally
        {
            _index.Dispose();
        }
    }

    public async Task UpsertAsync(string itemId, float[] embedding, string modelVersion, string? text = null, ItemAttributes? attributes = null)
    {
        if (_retired)
        {
            return;
        }
        var expected = _expected.Remove(itemId);
        if (modelVersion != _model.Version)
        {
            // An item computed on a silo that serves another model (a rolling deployment in progress): not compared with
            // this shard's queries; the shard recomputes it with its own model from the stored record.
            LogForeignModel(Shard, itemId, modelVersion, _model.Version);
            _index.Remove(itemId);
            _pending.Add(itemId);
        }
        else
        {
            _index.Upsert(itemId, embedding, text, attributes);
            _pending.Remove(itemId);
            _refreshRequested.Remove(itemId);
        }
        UpdateCompleteness();
        if (expected)
        {
            // Journalled by ExpectAsync before the item's record was written, and a replay reads that record: durable.
            _dirty = true;
            _onlyExpectationsDirty = false;
            return;
        }
        await JournalAsync(new ShardChange(itemId, Removed: false));
    }

    public async Task RemoveAsync(string itemId)
    {
        ArgumentException.ThrowIfNullOrEmpty(itemId);
        if (_retired)
        {
            return;
        }
        _expected.Remove(itemId);
        _pending.Remove(itemId);
        _refreshRequested.Remove(itemId);
        _index.Remove(itemId);
        UpdateCompleteness();
        await JournalAsync(new ShardChange(itemId, Removed: true));
    }

    public async Task ExpectAsync(string[] itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        if (_retired)
        {
            return;
        }
        var now = DateTime.UtcNow;
        foreach (var itemId in itemIds)
        {
            ArgumentException.ThrowIfNullOrEmpty(itemId, nameof(itemIds));
            _expected[itemId] = now;
            journal.State.Changes.Add(new ShardChange(itemId, Removed: false));
        }
        // Dirty only for the expectations: a batch that brings these items takes their entries out again (JournalBatchAsync).
        _onlyExpectationsDirty = !_dirty || _onlyExpectationsDirty;
        _dirty = true;
        await journal.WriteStateAsync();
    }

    public async Task<int> UpsertBatchAsync(IndexBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_retired)
        {
            return 0;
        }
        var (itemIds, embeddings, texts, attributes) = Changed(batch, onlyAbsent: false);
        if (_expected.Count > 0)
        {
            // Every expected item of the batch has come, those this shard holds as given already too (an import that
            // found them stored identically: their journal entries stay, and a replay reads their stored records).
            foreach (var itemId in batch.ItemIds)
            {
                _expected.Remove(itemId);
            }
            UpdateCompleteness();
        }
        return await ApplyBatchAsync(batch, itemIds, embeddings, texts, attributes, cancellationToken);
    }

    private async Task<int> ApplyBatchAsync(IndexBatch batch, List<string> itemIds, float[] embeddings, List<string?> texts, List<ItemAttributes?> attributes, CancellationToken cancellationToken)
    {
        if (itemIds.Count == 0)
        {
            return 0;
        }
        foreach (var itemId in itemIds)
        {
            _expected.Remove(itemId);
        }
        if (batch.ModelVersion != _model.Version)
        {
            // Another model's embedding space: recomputed here from the stored records (written before the batch came).
            LogForeignModel(Shard, itemIds[0], batch.ModelVersion, _model.Version);
            foreach (var itemId in itemIds)
            {
                _index.Remove(itemId);
            }
            _pending.UnionWith(itemIds);
            journal.State.Changes.AddRange(itemIds.Select(id => new ShardChange(id, Removed: false)));
            _dirty = true;
            _onlyExpectationsDirty = false;
            UpdateCompleteness();
            await journal.WriteStateAsync(cancellationToken);
            return itemIds.Count;
        }
        cancellationToken.ThrowIfCancellationRequested();
        // The bulk add runs its graph inserts on several threads; reads go on meanwhile (they interleave).
        await Task.Run(() => _index.UpsertMany(itemIds, embeddings, batch.Dimension, texts, attributes), CancellationToken.None);
        _pending.ExceptWith(itemIds);
        UpdateCompleteness();
        await JournalBatchAsync(new ShardBatchState
        {
            ItemIds = [.. itemIds],
            Embeddings = embeddings,
            Dimension = batch.Dimension,
            Texts = [.. texts],
            ModelVersion = batch.ModelVersion,
            Attributes = attributes.Any(a => a is not null) ? [.. attributes] : null,
        });
        return itemIds.Count;
    }

    public Task<bool> IsCompleteAsync(string? modelVersion = null) => Task.FromResult(_index.IsComplete(modelVersion));

    public Task<ShardHit[]> SearchAsync(float[] query, int k, string[] exclude, string? modelVersion = null, ItemFilter? filter = null, CancellationToken cancellationToken = default)
    {
        if (!_index.Comparable(modelVersion))
        {
            return Task.FromResult(Array.Empty<ShardHit>());
        }
        var hits = _index.Search(query, k, exclude.Length == 0 ? null : new HashSet<string>(exclude, StringComparer.Ordinal), filter);
        return Task.FromResult(Array.ConvertAll(hits, h => new ShardHit(h.Key, h.Score)));
    }

    public Task<ShardHit[]> ScoreAsync(float[] query, string[] itemIds, string? modelVersion = null, ItemFilter? filter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(itemIds);
        if (!_index.Comparable(modelVersion))
        {
            return Task.FromResult(Array.Empty<ShardHit>());
        }
        if (_index.Index is { } index && query.Length != index.Dimension)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; shard {Shard} holds {index.Dimension}.", nameof(query));
        }
        var result = new List<ShardHit>(itemIds.Length);
        foreach (var itemId in itemIds)
        {
            // The same dot product the search ranks by.
            if (itemId is not null && _index.Passes(itemId, filter) && _index.TryScore(itemId, query, out var score))
            {
                result.Add(new ShardHit(itemId, score));
            }
        }
        return Task.FromResult(result.ToArray());
    }

    public Task<int> CountAsync() => Task.FromResult(_index.Count);

    public async Task<ShardBuild> BuildAsync()
    {
        if (_retired)
        {
            return new ShardBuild(false, 0, 0);
        }
        if (Slot != 0 && !journal.State.Seeded)
        {
            var acknowledged = await GrainFactory.GetGrain<IIndexShardMaintenance>(ShardKeys.Of(0, Shard)).ListAcknowledgedAsync();
            foreach (var itemId in acknowledged)
            {
                if (!_index.Contains(itemId) && _pending.Add(itemId))
                {
                    journal.State.Changes.Add(new ShardChange(itemId, Removed: false));
                }
            }
            journal.State.Seeded = true;
            _dirty = true;
            _onlyExpectationsDirty = false;
            await journal.WriteStateAsync();
            UpdateCompleteness();
            LogSeeded(Shard, Slot, _pending.Count);
        }
        return new ShardBuild(!_index.Incomplete, _index.Count, _pending.Count);
    }

    public async Task DropAsync()
    {
        registry.Unregister(_index);
        _retired = true;
        var records = state.State.Chunks.Concat(journal.State.Batches.Select(b => b.Sequence)).ToArray();
        foreach (var sequence in records)
        {
            if (!_batchETags.ContainsKey(sequence))
            {
                await ReadBatchAsync(sequence, CancellationToken.None);
            }
            await DeleteBatchAsync(sequence);
        }
        await state.ClearStateAsync();
        await journal.ClearStateAsync();
        _pending.Clear();
        _expected.Clear();
        LogDropped(Shard, Slot, records.Length);
        DeactivateOnIdle();
    }

    public Task<string[]> ListAcknowledgedAsync() =>
        Task.FromResult((_index.Index?.Keys() ?? []).Concat(_pending).Concat(_expected.Keys).Distinct(StringComparer.Ordinal).ToArray());

    public Task<string[]> ListItemIdsAsync() => Task.FromResult(_index.Index?.Keys() ?? []);

    /// <summary>The items of <paramref name="batch"/> this shard does not hold already as given (a repeated id keeps its last row).</summary>
    private (List<string> ItemIds, float[] Embeddings, List<string?> Texts, List<ItemAttributes?> Attributes) Changed(IndexBatch batch, bool onlyAbsent)
    {
        var count = batch.ItemIds.Length;
        if (batch.Texts.Length != count || batch.Dimension <= 0 || batch.Embeddings.Length != (long)count * batch.Dimension
            || (batch.Attributes is { } given && given.Length != count))
        {
            throw new ArgumentException(
                $"A batch of {count} items needs {count} texts and {count} × dimension embedding values; got {batch.Texts.Length} texts, dimension {batch.Dimension}, {batch.Embeddings.Length} values.",
                nameof(batch));
        }
        var last = new Dictionary<string, int>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var itemId = batch.ItemIds[i];
            if (string.IsNullOrEmpty(itemId) || Partitioner.ShardOf(itemId, options.Value.Shards) != Shard)
            {
                throw new ArgumentException($"Item '{itemId}' does not belong to shard {Shard} of {options.Value.Shards}.", nameof(batch));
            }
            last[itemId] = i;
        }
        var itemIds = new List<string>(last.Count);
        var texts = new List<string?>(last.Count);
        var attributes = new List<ItemAttributes?>(last.Count);
        var rows = new List<int>(last.Count);
        for (var i = 0; i < count; i++)
        {
            var itemId = batch.ItemIds[i];
            var row = batch.Embeddings.AsSpan(i * batch.Dimension, batch.Dimension);
            if (last[itemId] == i && (onlyAbsent ? !_index.Contains(itemId) && !_expected.ContainsKey(itemId) : !_index.Holds(itemId, row, batch.Texts[i])))
            {
                itemIds.Add(itemId);
                texts.Add(batch.Texts[i]);
                attributes.Add(batch.Attributes?[i]);
                rows.Add(i);
            }
        }
        var embeddings = new float[rows.Count * batch.Dimension];
        for (var j = 0; j < rows.Count; j++)
        {
            batch.Embeddings.AsSpan(rows[j] * batch.Dimension, batch.Dimension).CopyTo(embeddings.AsSpan(j * batch.Dimension));
        }
        return (itemIds, embeddings, texts, attributes);
    }
}
