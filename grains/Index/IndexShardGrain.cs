using Actors.Grains.Hosting;
using Actors.Grains.Model;
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
/// </summary>
[SpreadPlacement, KeepAlive]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The index is disposed in OnDeactivateAsync, where a grain's lifetime ends.")]
internal sealed partial class IndexShardGrain(
    [PersistentState("shard", StorageNames.Actors)] IPersistentState<ShardState> state,
    [PersistentState("shard-journal", StorageNames.Actors)] IPersistentState<ShardJournal> journal,
    IOptions<IndexOptions> options,
    ServingModel model,
    SiloShardRegistry registry,
    IServiceProvider services,
    ILogger<IndexShardGrain> logger) : Grain, IIndexShardGrain
{
    private readonly HashSet<string> _awaitingReindex = new(StringComparer.Ordinal);

    // ETags of the batch records written or read since the last snapshot, to delete them once it folds them in.
    private readonly Dictionary<long, string?> _batchETags = [];
    private ShardIndex _index = null!;
    private IGrainStorage? _storage;
    private bool _dirty;
    private int _batchedSinceSnapshot;

    private long Shard => this.GetPrimaryKeyLong();

    private IGrainStorage Storage => _storage ??= services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Actors);

    private static string BatchStateName(long sequence) => $"shard-batch-{sequence}";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _index = new ShardIndex((int)Shard, options.Value.HnswThreshold, options.Value.Hnsw());
        var staleModel = false;
        if (state.State.Embeddings.Count > 0)
        {
            RestoreWholeSnapshot();
            staleModel = state.State.ModelVersion != model.Version;
        }
        foreach (var sequence in state.State.Chunks)
        {
            if (await ReadBatchAsync(sequence, cancellationToken) is not { } chunk)
            {
                LogBatchMissing(Shard, sequence);
                continue;
            }
            _index.UpsertMany(chunk.ItemIds, chunk.Embeddings, chunk.Dimension, chunk.Texts);
            staleModel |= chunk.ModelVersion != model.Version;
        }
        // Records the snapshot names may be newer than the journal's counter (a crash between the two writes).
        journal.State.NextBatch = Math.Max(journal.State.NextBatch,
            1 + Math.Max(state.State.Chunks.DefaultIfEmpty(-1).Max(), journal.State.Batches.Select(b => b.Sequence).DefaultIfEmpty(-1).Max()));
        // Changes acknowledged after the snapshot, in the order applied: batches are read back whole, single removals are
        // applied here, single sets are fetched again from their items by a one-way request (a call that waited here
        // could wait on this shard).
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
            _index.UpsertMany(batch.ItemIds, batch.Embeddings, batch.Dimension, batch.Texts);
            reindex.ExceptWith(batch.ItemIds);
            staleModel |= batch.ModelVersion != model.Version;
            _batchedSinceSnapshot += batch.ItemIds.Length;
        }
        for (; next < changes.Count; next++)
        {
            Replay(changes[next], reindex);
        }
        foreach (var itemId in reindex)
        {
            _awaitingReindex.Add(itemId);
            _ = GrainFactory.GetGrain<IItemGrain>(itemId).ReindexAsync();
        }
        if (reindex.Count > 0)
        {
            LogReplaying(Shard, reindex.Count);
        }
        _dirty = changes.Count > 0;
        var restored = _index.Count;
        LogActivated(Shard, restored);
        if (restored > 0 && staleModel)
        {
            // A new model was deployed: the items recompute their embeddings (no re-encoding) and upsert them here.
            // One-way calls, so this shard never waits on an item that is waiting on it.
            LogModelChanged(Shard, state.State.ModelVersion, model.Version, restored);
            foreach (var itemId in _index.Index!.Keys())
            {
                _ = GrainFactory.GetGrain<IItemGrain>(itemId).RefreshAsync();
            }
        }
        // The snapshot lives in the index from here on.
        state.State.Embeddings.Clear();
        registry.Register(_index);
        this.RegisterGrainTimer(SnapshotIfDirtyAsync, options.Value.SnapshotInterval, options.Value.SnapshotInterval);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Searches on this silo stop seeing the shard before its index goes; a new activation registers its own.
        registry.Unregister(_index);
        try
        {
            await SnapshotIfDirtyAsync(cancellationToken);
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

    public async Task UpsertAsync(string itemId, float[] embedding, string modelVersion, string? text = null)
    {
        if (modelVersion != model.Version)
        {
            // An item computed on a silo that serves another model (a rolling deployment in progress): kept, and
            // logged so that mixed embedding spaces are visible; the item is refreshed when it next activates.
            LogForeignModel(Shard, itemId, modelVersion, model.Version);
        }
        _index.Upsert(itemId, embedding, text);
        _awaitingReindex.Remove(itemId);
        await JournalAsync(new ShardChange(itemId, Removed: false));
    }

    public async Task<int> UpsertBatchAsync(IndexBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var (itemIds, embeddings, texts) = Changed(batch);
        if (itemIds.Count == 0)
        {
            return 0;
        }
        if (batch.ModelVersion != model.Version)
        {
            LogForeignModel(Shard, itemIds[0], batch.ModelVersion, model.Version);
        }
        cancellationToken.ThrowIfCancellationRequested();
        // The bulk add runs its graph inserts on several threads; reads go on meanwhile (they interleave).
        await Task.Run(() => _index.UpsertMany(itemIds, embeddings, batch.Dimension, texts), CancellationToken.None);
        _awaitingReindex.ExceptWith(itemIds);
        await JournalBatchAsync(new ShardBatchState
        {
            ItemIds = [.. itemIds],
            Embeddings = embeddings,
            Dimension = batch.Dimension,
            Texts = [.. texts],
            ModelVersion = batch.ModelVersion,
        });
        return itemIds.Count;
    }

    public async Task RemoveAsync(string itemId)
    {
        if (_index.Remove(itemId))
        {
            await JournalAsync(new ShardChange(itemId, Removed: true));
        }
    }

    public Task<ShardHit[]> SearchAsync(float[] query, int k, string[] exclude, CancellationToken cancellationToken = default)
    {
        var hits = _index.Search(query, k, exclude.Length == 0 ? null : new HashSet<string>(exclude, StringComparer.Ordinal));
        return Task.FromResult(Array.ConvertAll(hits, h => new ShardHit(h.Key, h.Score)));
    }

    public Task<ShardHit[]> ScoreAsync(float[] query, string[] itemIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(itemIds);
        if (_index.Index is { } index && query.Length != index.Dimension)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; shard {Shard} holds {index.Dimension}.", nameof(query));
        }
        var result = new List<ShardHit>(itemIds.Length);
        foreach (var itemId in itemIds)
        {
            // The same dot product the search ranks by.
            if (itemId is not null && _index.TryScore(itemId, query, out var score))
            {
                result.Add(new ShardHit(itemId, score));
            }
        }
        return Task.FromResult(result.ToArray());
    }

    public Task<int> CountAsync() => Task.FromResult(_index.Count);

    public Task<string[]> ListItemIdsAsync() => Task.FromResult(_index.Index?.Keys() ?? []);

    /// <summary>A snapshot written whole into the state record by earlier versions.</summary>
    private void RestoreWholeSnapshot()
    {
        var embeddings = state.State.Embeddings;
        var dimension = embeddings.First().Value.Length;
        var itemIds = new string[embeddings.Count];
        var flat = new float[embeddings.Count * dimension];
        var i = 0;
        foreach (var (itemId, embedding) in embeddings)
        {
            itemIds[i] = itemId;
            embedding.CopyTo(flat, i * dimension);
            i++;
        }
        _index.UpsertMany(itemIds, flat, dimension, null);
    }

    private void Replay(ShardChange change, HashSet<string> reindex)
    {
        if (change.Removed)
        {
            _index.Remove(change.ItemId);
            reindex.Remove(change.ItemId);
        }
        else
        {
            reindex.Add(change.ItemId);
        }
    }

    /// <summary>The items of <paramref name="batch"/> this shard does not hold already as given (a repeated id keeps its last row).</summary>
    private (List<string> ItemIds, float[] Embeddings, List<string?> Texts) Changed(IndexBatch batch)
    {
        var count = batch.ItemIds.Length;
        if (batch.Texts.Length != count || batch.Dimension <= 0 || batch.Embeddings.Length != (long)count * batch.Dimension)
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
        var rows = new List<int>(last.Count);
        for (var i = 0; i < count; i++)
        {
            var itemId = batch.ItemIds[i];
            var row = batch.Embeddings.AsSpan(i * batch.Dimension, batch.Dimension);
            if (last[itemId] == i && !_index.Holds(itemId, row, batch.Texts[i]))
            {
                itemIds.Add(itemId);
                texts.Add(batch.Texts[i]);
                rows.Add(i);
            }
        }
        var embeddings = new float[rows.Count * batch.Dimension];
        for (var j = 0; j < rows.Count; j++)
        {
            batch.Embeddings.AsSpan(rows[j] * batch.Dimension, batch.Dimension).CopyTo(embeddings.AsSpan(j * batch.Dimension));
        }
        return (itemIds, embeddings, texts);
    }

    /// <summary>Makes an applied change durable before it is acknowledged; a long journal is folded into a snapshot.</summary>
    private async Task JournalAsync(ShardChange change)
    {
        _dirty = true;
        journal.State.Changes.Add(change);
        await journal.WriteStateAsync();
        if (journal.State.Changes.Count >= options.Value.JournalLimit)
        {
            await SnapshotAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Makes an applied batch durable before it is acknowledged: the batch is written whole to a record of its own, then the
    /// journal names it. Once the batches since the snapshot reach half the shard a snapshot folds them in, so snapshots
    /// grow geometrically and a bulk load writes each item a small constant number of times.
    /// </summary>
    private async Task JournalBatchAsync(ShardBatchState batch)
    {
        var sequence = await WriteBatchAsync(batch);
        journal.State.Batches.Add(new ShardBatchRef(sequence, journal.State.Changes.Count));
        await journal.WriteStateAsync();
        _batchedSinceSnapshot += batch.ItemIds.Length;
        if (_batchedSinceSnapshot >= Math.Max(options.Value.JournalLimit, _index.Count / 2))
        {
            await SnapshotAsync(CancellationToken.None);
        }
    }

    /// <summary>Writes a record under the next sequence number (create-only) and returns the number.</summary>
    private async Task<long> WriteBatchAsync(ShardBatchState batch)
    {
        var sequence = journal.State.NextBatch++;
        var record = new GrainState<ShardBatchState>(batch);
        await Storage.WriteStateAsync(BatchStateName(sequence), this.GetGrainId(), record);
        _batchETags[sequence] = record.ETag;
        return sequence;
    }

    private async Task<ShardBatchState?> ReadBatchAsync(long sequence, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = new GrainState<ShardBatchState>();
        await Storage.ReadStateAsync(BatchStateName(sequence), this.GetGrainId(), record);
        if (!record.RecordExists)
        {
            return null;
        }
        _batchETags[sequence] = record.ETag;
        return record.State;
    }

    /// <summary>The timer's and deactivation's snapshot: only for journalled single changes (batches are durable whole).</summary>
    private Task SnapshotIfDirtyAsync(CancellationToken cancellationToken) =>
        _dirty ? SnapshotAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// Writes the whole index as records of at most <see cref="IndexOptions.SnapshotRecordItems"/> items, then the state
    /// naming them, then the emptied journal, then deletes the records the snapshot replaced (the previous snapshot's and
    /// the folded batches'). A crash anywhere in between leaves a state and a journal that still restore every
    /// acknowledged item.
    /// </summary>
    private async Task SnapshotAsync(CancellationToken cancellationToken)
    {
        var dirty = _dirty;
        _dirty = false;
        var chunks = new List<long>();
        try
        {
            var entries = _index.Index?.Snapshot() ?? [];
            for (var start = 0; start < entries.Count; start += options.Value.SnapshotRecordItems)
            {
                var part = entries.Skip(start).Take(options.Value.SnapshotRecordItems).ToArray();
                var dimension = part[0].Value.Length;
                var embeddings = new float[part.Length * dimension];
                for (var i = 0; i < part.Length; i++)
                {
                    part[i].Value.CopyTo(embeddings, i * dimension);
                }
                chunks.Add(await WriteBatchAsync(new ShardBatchState
                {
                    ItemIds = Array.ConvertAll(part, e => e.Key),
                    Embeddings = embeddings,
                    Dimension = dimension,
                    Texts = Array.ConvertAll(part, e => _index.TextOf(e.Key)),
                    ModelVersion = model.Version,
                }));
            }
            var replaced = state.State.Chunks;
            state.State.ModelVersion = model.Version;
            state.State.Chunks = chunks;
            try
            {
                await state.WriteStateAsync(cancellationToken);
            }
            catch
            {
                state.State.Chunks = replaced;
                throw;
            }
            chunks = replaced;
        }
        catch
        {
            _dirty = dirty;
            foreach (var sequence in chunks)
            {
                await DeleteBatchAsync(sequence);
            }
            throw;
        }
        // Only once the snapshot holds them may the journalled changes go; items asked to register again after an
        // unclean stop stay journalled until they have.
        var folded = journal.State.Batches.Select(b => b.Sequence).ToArray();
        journal.State.Changes.Clear();
        journal.State.Changes.AddRange(_awaitingReindex.Select(id => new ShardChange(id, Removed: false)));
        journal.State.Batches.Clear();
        await journal.WriteStateAsync(cancellationToken);
        _batchedSinceSnapshot = 0;
        foreach (var sequence in chunks.Concat(folded))
        {
            await DeleteBatchAsync(sequence);
        }
    }

    /// <summary>Deletes a batch record the snapshot holds now; a failure leaves garbage that nothing reads again.</summary>
    private async Task DeleteBatchAsync(long sequence)
    {
        if (!_batchETags.Remove(sequence, out var etag))
        {
            return;
        }
        try
        {
            await Storage.ClearStateAsync(BatchStateName(sequence), this.GetGrainId(), new GrainState<ShardBatchState> { ETag = etag, RecordExists = true });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogBatchDeleteFailed(Shard, sequence, ex.GetBaseException().Message);
        }
    }
}
