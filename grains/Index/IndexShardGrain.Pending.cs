using Actors.Grains.Hosting;
using Actors.Grains.Items;

namespace Actors.Grains.Index;

// Pending items: loading them from their stored item records on the pending timer, and the completeness they decide.
internal sealed partial class IndexShardGrain
{
    /// <summary>
    /// Loads pending items from their stored item records: the stored item embedding when it was made with this silo's
    /// model, else the item tower over the stored content embedding. Items gone from storage are dropped; items whose
    /// content another encoder made are asked to refresh themselves (they upsert here when done). An item upserted or
    /// removed while the records were read is left as that call made it.
    /// </summary>
    private async Task LoadPendingAsync(string[] itemIds, CancellationToken cancellationToken)
    {
        var records = new GrainState<ItemState>[itemIds.Length];
        var next = -1;
        async Task ReadAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < itemIds.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                records[i] = new GrainState<ItemState>();
                await Storage.ReadStateAsync(ItemState.StateName, GrainReferences.Get<IItemGrain>(GrainFactory, itemIds[i]).GetGrainId(), records[i]);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Min(ReadConcurrency, itemIds.Length)).Select(_ => ReadAsync()));

        var embeddings = new float[itemIds.Length][];
        await Task.Run(() => Parallel.For(0, itemIds.Length, i =>
        {
            if (records[i] is { RecordExists: true, State: { } item })
            {
                embeddings[i] = item.ModelVersion == _model.Version && item.Item is { } stored ? stored
                    : item.EncoderVersion == encoder.ModelVersion && item.Content is { } content ? _model.ItemEmbedding(itemIds[i], content)
                    : null!;
            }
        }), cancellationToken);

        var now = DateTime.UtcNow;
        var loaded = 0;
        for (var i = 0; i < itemIds.Length; i++)
        {
            var itemId = itemIds[i];
            if (!_pending.Contains(itemId))
            {
                continue;
            }
            if (records[i] is not { RecordExists: true, State: { Text: not null, Deleted: false } })
            {
                // Gone, or deleted (a delete whose removal call never came, the silo having died): in no answer.
                _pending.Remove(itemId);
                _index.Remove(itemId);
            }
            else if (embeddings[i] is { } embedding && (_index.Index is null || _index.Index.Dimension == embedding.Length))
            {
                _index.Upsert(itemId, embedding, records[i].State!.Text, records[i].State!.Attributes);
                _pending.Remove(itemId);
                _refreshRequested.Remove(itemId);
                loaded++;
            }
            else if (!_refreshRequested.TryGetValue(itemId, out var asked) || now - asked > options.Value.ExpectTimeout)
            {
                // Made by another encoder: only the item can re-encode it. One-way, so no call waits on this shard.
                _refreshRequested[itemId] = now;
                _ = GrainFactory.GetGrain<IItemMaintenance>(itemId).RefreshAsync();
            }
        }
        if (loaded > 0)
        {
            _dirty = true;
            _onlyExpectationsDirty = false;
            LogLoaded(Shard, loaded, _pending.Count);
        }
        UpdateCompleteness();
    }

    /// <summary>
    /// The pending timer: expectations past <see cref="IndexOptions.ExpectTimeout"/> become pending, the next chunk of
    /// pending items is loaded, a migrating shard asks whether the migration is done. Once a rebuild completes the
    /// snapshot is written, so the next activation needs no rebuild.
    /// </summary>
    private async Task PendingTickAsync(CancellationToken cancellationToken)
    {
        if (_retired || _superseded)
        {
            return;
        }
        var now = DateTime.UtcNow;
        foreach (var (itemId, since) in _expected.Where(e => now - e.Value > options.Value.ExpectTimeout).ToArray())
        {
            // Announced, never upserted: the caller died between storing the item and indexing it.
            _expected.Remove(itemId);
            _pending.Add(itemId);
            LogExpectationTimedOut(Shard, itemId, since);
        }
        if (_migrating)
        {
            _migrating = !await GrainFactory.GetGrain<IIndexLayoutGrain>(0).IsSettledAsync();
        }
        var due = _pending.Where(id => !_refreshRequested.TryGetValue(id, out var asked) || now - asked > options.Value.ExpectTimeout)
            .Take(PendingChunk).ToArray();
        if (due.Length > 0)
        {
            await LoadPendingAsync(due, cancellationToken);
            if (_pending.Count == 0)
            {
                await SnapshotAsync(cancellationToken);
            }
        }
        UpdateCompleteness();
    }

    private void UpdateCompleteness() =>
        _index.Incomplete = (Slot != 0 && !journal.State.Seeded) || _pending.Count > 0 || _migrating || HasOverdueExpectations();

    private bool HasOverdueExpectations()
    {
        if (_expected.Count == 0)
        {
            return false;
        }
        var now = DateTime.UtcNow;
        return _expected.Values.Any(since => now - since > options.Value.ExpectTimeout);
    }
}
