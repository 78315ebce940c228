using Actors.Grains.Hosting;
using Actors.Grains.Model;
using Actors.VectorIndex;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;

namespace Actors.Grains.Index;

/// <summary>
/// One partition of the item index: exact top-k while small, an HNSW graph once it passes <c>Index:HnswThreshold</c>
/// (<see cref="AdaptiveVectorIndex"/>); items are added, updated and removed in place.
/// The embeddings are snapshotted to grain storage at most every <see cref="IndexOptions.SnapshotInterval"/>
/// and on deactivation, so a reactivated shard answers without re-encoding anything.
/// Hash-based placement spreads the shards over the silos.
/// </summary>
[HashBasedPlacement]
internal sealed partial class IndexShardGrain(
    [PersistentState("shard", StorageNames.Actors)] IPersistentState<ShardState> state,
    IOptions<IndexOptions> options,
    ServingModel model,
    ILogger<IndexShardGrain> logger) : Grain, IIndexShardGrain
{
    private AdaptiveVectorIndex? _index;
    private bool _dirty;

    private long Shard => this.GetPrimaryKeyLong();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var (itemId, embedding) in state.State.Embeddings)
        {
            IndexFor(embedding.Length).Upsert(itemId, embedding);
        }
        var restored = state.State.Embeddings.Count;
        LogActivated(Shard, restored);
        if (restored > 0 && state.State.ModelVersion != model.Version)
        {
            // A new model was deployed: the items recompute their embeddings (no re-encoding) and upsert them here.
            // One-way calls, so this shard never waits on an item that is waiting on it.
            LogModelChanged(Shard, state.State.ModelVersion, model.Version, restored);
            foreach (var itemId in state.State.Embeddings.Keys)
            {
                _ = GrainFactory.GetGrain<IItemGrain>(itemId).RefreshAsync();
            }
        }
        // The snapshot lives in the index from here on; the state object is refilled only when written.
        state.State.Embeddings.Clear();
        this.RegisterGrainTimer(SnapshotIfDirtyAsync, options.Value.SnapshotInterval, options.Value.SnapshotInterval);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await SnapshotIfDirtyAsync(cancellationToken);
        _index?.Dispose();
    }

    public Task UpsertAsync(string itemId, float[] embedding, string modelVersion)
    {
        if (modelVersion != model.Version)
        {
            // An item computed on a silo that serves another model (a rolling deployment in progress): kept, and
            // logged so that mixed embedding spaces are visible; the item is refreshed when it next activates.
            LogForeignModel(Shard, itemId, modelVersion, model.Version);
        }
        IndexFor(embedding.Length).Upsert(itemId, embedding);
        _dirty = true;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string itemId)
    {
        _dirty |= _index?.Remove(itemId) ?? false;
        return Task.CompletedTask;
    }

    public Task<ShardHit[]> SearchAsync(float[] query, int k, string[] exclude, CancellationToken cancellationToken = default)
    {
        if (_index is null || _index.Count == 0)
        {
            return Task.FromResult(Array.Empty<ShardHit>());
        }
        var hits = _index.Search(query, k, exclude.Length == 0 ? null : new HashSet<string>(exclude, StringComparer.Ordinal));
        var result = new ShardHit[hits.Length];
        for (var i = 0; i < hits.Length; i++)
        {
            result[i] = new ShardHit(hits[i].Key, hits[i].Score);
        }
        return Task.FromResult(result);
    }

    public Task<int> CountAsync() => Task.FromResult(_index?.Count ?? 0);

    public Task<string[]> ListItemIdsAsync() => Task.FromResult(_index?.Keys() ?? []);

    private AdaptiveVectorIndex IndexFor(int dimension)
    {
        _index ??= new AdaptiveVectorIndex(dimension, options.Value.HnswThreshold, options.Value.Hnsw());
        if (_index.Dimension != dimension)
        {
            throw new ArgumentException($"Embedding has {dimension} dimensions; shard {Shard} holds {_index.Dimension}.", nameof(dimension));
        }
        return _index;
    }

    private async Task SnapshotIfDirtyAsync(CancellationToken cancellationToken)
    {
        if (!_dirty || _index is null)
        {
            return;
        }
        _dirty = false;
        state.State.ModelVersion = model.Version;
        foreach (var (itemId, embedding) in _index.Snapshot())
        {
            state.State.Embeddings[itemId] = embedding;
        }
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            _dirty = true;
            throw;
        }
        finally
        {
            state.State.Embeddings.Clear();
        }
    }
}
