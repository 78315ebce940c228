using System.Numerics.Tensors;
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
    [PersistentState("shard-journal", StorageNames.Actors)] IPersistentState<ShardJournal> journal,
    IOptions<IndexOptions> options,
    ServingModel model,
    ILogger<IndexShardGrain> logger) : Grain, IIndexShardGrain
{
    private readonly HashSet<string> _awaitingReindex = new(StringComparer.Ordinal);
    private AdaptiveVectorIndex? _index;
    private bool _dirty;

    private long Shard => this.GetPrimaryKeyLong();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var (itemId, embedding) in state.State.Embeddings)
        {
            IndexFor(embedding.Length).Upsert(itemId, embedding);
        }
        // Changes acknowledged after the snapshot was taken, in order: removals are applied here, set embeddings are
        // fetched again from their items by a one-way request (a call that waited here could wait on this shard).
        var reindex = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in journal.State.Changes)
        {
            if (change.Removed)
            {
                _index?.Remove(change.ItemId);
                reindex.Remove(change.ItemId);
            }
            else
            {
                reindex.Add(change.ItemId);
            }
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
        _dirty = journal.State.Changes.Count > 0;
        var restored = _index?.Count ?? 0;
        LogActivated(Shard, restored);
        if (restored > 0 && state.State.ModelVersion != model.Version)
        {
            // A new model was deployed: the items recompute their embeddings (no re-encoding) and upsert them here.
            // One-way calls, so this shard never waits on an item that is waiting on it.
            LogModelChanged(Shard, state.State.ModelVersion, model.Version, restored);
            foreach (var itemId in _index!.Keys())
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
        try
        {
            await SnapshotIfDirtyAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Typically storage already gone while the silo shuts down. Nothing is lost: every change since the last
            // snapshot is in the journal, written before the change was acknowledged.
            LogSnapshotOnDeactivationFailed(this.GetPrimaryKeyLong(), reason.ReasonCode.ToString(), ex.GetBaseException().Message);
        }
        finally
        {
            _index?.Dispose();
        }
    }

    public async Task UpsertAsync(string itemId, float[] embedding, string modelVersion)
    {
        if (modelVersion != model.Version)
        {
            // An item computed on a silo that serves another model (a rolling deployment in progress): kept, and
            // logged so that mixed embedding spaces are visible; the item is refreshed when it next activates.
            LogForeignModel(Shard, itemId, modelVersion, model.Version);
        }
        IndexFor(embedding.Length).Upsert(itemId, embedding);
        _awaitingReindex.Remove(itemId);
        await JournalAsync(new ShardChange(itemId, Removed: false));
    }

    public async Task RemoveAsync(string itemId)
    {
        if (_index?.Remove(itemId) ?? false)
        {
            await JournalAsync(new ShardChange(itemId, Removed: true));
        }
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

    public Task<ShardHit[]> ScoreAsync(float[] query, string[] itemIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(itemIds);
        if (_index is null || _index.Count == 0)
        {
            return Task.FromResult(Array.Empty<ShardHit>());
        }
        if (query.Length != _index.Dimension)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; shard {Shard} holds {_index.Dimension}.", nameof(query));
        }
        var result = new List<ShardHit>(itemIds.Length);
        foreach (var itemId in itemIds)
        {
            // The same dot product the exact search ranks by.
            if (itemId is not null && _index.GetVector(itemId) is { } embedding)
            {
                result.Add(new ShardHit(itemId, TensorPrimitives.Dot(query, embedding)));
            }
        }
        return Task.FromResult(result.ToArray());
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

    /// <summary>Makes an applied change durable before it is acknowledged; a long journal is folded into a snapshot.</summary>
    private async Task JournalAsync(ShardChange change)
    {
        _dirty = true;
        journal.State.Changes.Add(change);
        await journal.WriteStateAsync();
        if (journal.State.Changes.Count >= options.Value.JournalLimit)
        {
            await SnapshotIfDirtyAsync(CancellationToken.None);
        }
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
        // Only once the snapshot holds them may the journalled changes go; items asked to register again after an
        // unclean stop stay journalled until they have.
        journal.State.Changes.Clear();
        journal.State.Changes.AddRange(_awaitingReindex.Select(id => new ShardChange(id, Removed: false)));
        await journal.WriteStateAsync(cancellationToken);
    }
}
