using Actors.VectorIndex;

namespace Actors.Grains.Index;

// The re-partition side of a shard (Index:Shards changed): adopting moved items, handing out and forgetting misplaced ones, finishing the migration.
internal sealed partial class IndexShardGrain
{
    public async Task AdoptAsync(IndexBatch batch, string[] pendingIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(pendingIds);
        var (itemIds, embeddings, texts, attributes) = Changed(batch, onlyAbsent: true);
        await ApplyBatchAsync(batch, itemIds, embeddings, texts, attributes, cancellationToken);
        var fresh = pendingIds.Where(id => !_index.Contains(id) && Partitioner.ShardOf(id, options.Value.Shards) == Shard).ToArray();
        if (fresh.Length > 0)
        {
            _pending.UnionWith(fresh);
            journal.State.Changes.AddRange(fresh.Select(id => new ShardChange(id, Removed: false)));
            _dirty = true;
            _onlyExpectationsDirty = false;
            await journal.WriteStateAsync(cancellationToken);
            UpdateCompleteness();
        }
    }

    public Task<MisplacedItems> ExtractMisplacedAsync(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var shards = options.Value.Shards;
        var ids = new List<string>();
        foreach (var itemId in _index.Index?.Keys() ?? [])
        {
            if (ids.Count == max)
            {
                break;
            }
            if (Partitioner.ShardOf(itemId, shards) != Shard)
            {
                ids.Add(itemId);
            }
        }
        var dimension = _index.Index?.Dimension ?? 0;
        var embeddings = new float[ids.Count * dimension];
        var texts = new string?[ids.Count];
        var attributes = new ItemAttributes?[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            _index.Index!.GetVector(ids[i])!.CopyTo(embeddings, i * dimension);
            texts[i] = _index.TextOf(ids[i]);
            attributes[i] = _index.AttributesOf(ids[i]);
        }
        var pending = _pending.Concat(_expected.Keys)
            .Where(id => Partitioner.ShardOf(id, shards) != Shard).Distinct(StringComparer.Ordinal).ToArray();
        return Task.FromResult(new MisplacedItems(new IndexBatch([.. ids], embeddings, Math.Max(dimension, 1), texts, _model.Version, attributes), pending));
    }

    public Task DropMovedAsync(string[] itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        foreach (var itemId in itemIds)
        {
            _index.Remove(itemId);
            _pending.Remove(itemId);
            _expected.Remove(itemId);
        }
        _dirty = true;
        _onlyExpectationsDirty = false;
        UpdateCompleteness();
        return Task.CompletedTask;
    }

    public async Task CompleteMigrationAsync()
    {
        var shards = options.Value.Shards;
        // Ids moved as pending went with the batches' pending lists; nothing that belongs elsewhere stays journalled.
        _pending.RemoveWhere(id => Partitioner.ShardOf(id, shards) != Shard);
        foreach (var itemId in _expected.Keys.Where(id => Partitioner.ShardOf(id, shards) != Shard).ToArray())
        {
            _expected.Remove(itemId);
        }
        _dirty = true;
        _onlyExpectationsDirty = false;
        await SnapshotAsync(CancellationToken.None);
        if (Shard >= shards)
        {
            // Beyond the configured count: empty now, and nothing routes to it.
            DeactivateOnIdle();
        }
    }
}
