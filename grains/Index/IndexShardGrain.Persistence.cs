using Actors.Grains.Hosting;

namespace Actors.Grains.Index;

// A shard's durability: restoring snapshots and batch records, replaying the journal, journalling changes and batches, writing snapshots.
internal sealed partial class IndexShardGrain
{
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

    /// <summary>
    /// A snapshot or batch record: loaded when made with this silo's model and the index's dimension; otherwise its items
    /// become pending (and an older entry of theirs goes: the record superseded it).
    /// </summary>
    private void Restore(ShardBatchState record)
    {
        if (record.ModelVersion == _model.Version && (_index.Index is null || _index.Index.Dimension == record.Dimension))
        {
            _index.UpsertMany(record.ItemIds, record.Embeddings, record.Dimension, record.Texts, record.Attributes);
            _pending.ExceptWith(record.ItemIds);
            return;
        }
        foreach (var itemId in record.ItemIds)
        {
            _index.Remove(itemId);
        }
        _pending.UnionWith(record.ItemIds);
    }

    private void Replay(ShardChange change, HashSet<string> reindex)
    {
        // Removals are no longer journalled (nothing removes a single item), but journals of earlier versions may hold one.
        if (change.Removed)
        {
            _index.Remove(change.ItemId);
            _pending.Remove(change.ItemId);
            reindex.Remove(change.ItemId);
        }
        else
        {
            reindex.Add(change.ItemId);
        }
    }

    /// <summary>Makes an applied change durable before it is acknowledged; a long journal is folded into a snapshot.</summary>
    private async Task JournalAsync(ShardChange change)
    {
        _dirty = true;
        _onlyExpectationsDirty = false;
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
        DropSatisfiedExpectations(batch.ItemIds);
        journal.State.Batches.Add(new ShardBatchRef(sequence, journal.State.Changes.Count));
        await journal.WriteStateAsync();
        _batchedSinceSnapshot += batch.ItemIds.Length;
        if (_batchedSinceSnapshot >= Math.Max(options.Value.JournalLimit, _index.Count / 2))
        {
            await SnapshotAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Takes the journal's set entries of <paramref name="itemIds"/> out (the batch record now holds those items, and a
    /// replay would drop them after reading it anyway), keeping every batch reference at its place among the entries
    /// left. Without this, a bulk import's expectations grow the journal by every item imported, each batch rewrites
    /// all of it, and the snapshot timer writes the whole shard every interval while the import runs.
    /// </summary>
    private void DropSatisfiedExpectations(string[] itemIds)
    {
        var satisfied = new HashSet<string>(itemIds, StringComparer.Ordinal);
        var changes = journal.State.Changes;
        var droppedBefore = new int[changes.Count + 1];
        var kept = new List<ShardChange>(changes.Count);
        for (var i = 0; i < changes.Count; i++)
        {
            var drop = !changes[i].Removed && satisfied.Contains(changes[i].ItemId) && !_pending.Contains(changes[i].ItemId);
            droppedBefore[i + 1] = droppedBefore[i] + (drop ? 1 : 0);
            if (!drop)
            {
                kept.Add(changes[i]);
            }
        }
        if (kept.Count == changes.Count)
        {
            return;
        }
        var batches = journal.State.Batches;
        for (var b = 0; b < batches.Count; b++)
        {
            var at = Math.Min(batches[b].AfterChanges, changes.Count);
            batches[b] = batches[b] with { AfterChanges = at - droppedBefore[at] };
        }
        journal.State.Changes = kept;
        // What is left is expectations whose batches are still to come (or time out into pending loads, which mark the
        // shard dirty): nothing for the snapshot timer to fold, the journal holds them.
        if (_onlyExpectationsDirty && kept.TrueForAll(c => !c.Removed && _expected.ContainsKey(c.ItemId)))
        {
            _dirty = false;
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
    /// <summary>
    /// Whether this activation is still the shard's only writer. After a silo failure Orleans may, for a while, run a
    /// second activation of a grain; for most grains every call goes through the directory, which in time finds and
    /// ends the duplicate, but searches read a shard through its silo's <see cref="SiloShardRegistry"/>, not by a call,
    /// so a stale activation that receives no calls would stay registered (keep-alive) and answer searches with what it
    /// held when it was superseded. Every acknowledged change is journalled, so a journal in storage with another ETag
    /// than this activation last wrote or read means another activation is writing: this one leaves the registry and
    /// deactivates without writing anything.
    /// </summary>
    private async Task ConfirmCurrentAsync(CancellationToken cancellationToken)
    {
        var stored = new GrainState<ShardJournal>();
        await Storage.ReadStateAsync(JournalStateName, this.GetGrainId(), stored);
        if (stored.ETag != journal.Etag)
        {
            _superseded = true;
            registry.Unregister(_index);
            LogSuperseded(Shard, journal.Etag, stored.ETag);
            DeactivateOnIdle();
        }
    }

    private Task SnapshotIfDirtyAsync(CancellationToken cancellationToken) =>
        _dirty && !_retired && !_superseded ? SnapshotAsync(cancellationToken) : Task.CompletedTask;

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
        _onlyExpectationsDirty = false;
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
                    ModelVersion = _model.Version,
                    Attributes = Array.ConvertAll(part, e => _index.AttributesOf(e.Key)),
                }));
            }
            var replaced = state.State.Chunks;
            state.State.ModelVersion = _model.Version;
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
        // Only once the snapshot holds them may the journalled changes go; pending and expected items stay journalled
        // until the shard holds them.
        var folded = journal.State.Batches.Select(b => b.Sequence).ToArray();
        journal.State.Changes.Clear();
        journal.State.Changes.AddRange(_pending.Concat(_expected.Keys).Distinct(StringComparer.Ordinal).Select(id => new ShardChange(id, Removed: false)));
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
