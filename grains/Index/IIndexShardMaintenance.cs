using Orleans.Concurrency;

namespace Actors.Grains.Index;

/// <summary>
/// The calls on an index shard (key: shard number) that only the cluster makes, beside the public
/// <see cref="IIndexShardGrain"/> that <see cref="IndexShardGrain"/> also implements: the item grains' and the batch
/// importer's writes (which skip the API's checks), the index migration's moves (<see cref="IndexLayoutGrain"/>), and
/// the tests' view of what a shard holds. Internal to this assembly (tests and benchmarks reach it through
/// InternalsVisibleTo), and refused to an external client by <see cref="ClusterInternalAttribute"/> as well.
/// </summary>
[ClusterInternal]
[Alias("Actors.IIndexShardMaintenance")]
internal interface IIndexShardMaintenance : IGrainWithIntegerKey
{
    /// <summary>
    /// Adds or replaces an item's embedding, computed with model <paramref name="modelVersion"/>, the text retrieval
    /// shows it with (null: retrieval asks the item grain) and the attributes filters read (null: none).
    /// </summary>
    [Alias("Upsert")]
    Task UpsertAsync(string itemId, float[] embedding, string modelVersion, string? text = null, ItemAttributes? attributes = null);

    /// <summary>Takes an item out (it was deleted), journalled before this returns; nothing when the shard does not hold it.</summary>
    [Alias("Remove")]
    Task RemoveAsync(string itemId);

    /// <summary>
    /// Journals that <paramref name="itemIds"/> are about to be stored and then upserted here, before their records are
    /// written: should the upsert never arrive (the caller's silo dies in between), the shard loads the items from their
    /// stored records itself once <c>Index:ExpectTimeout</c> has passed, so an acknowledged item always becomes searchable.
    /// </summary>
    [Alias("Expect")]
    Task ExpectAsync(string[] itemIds);

    /// <summary>
    /// Adds or replaces many items at once (one bulk add, one durable write); items the shard already holds with the same
    /// embedding and text are left alone, so a repeated batch changes nothing. Returns how many items changed.
    /// </summary>
    [Alias("UpsertBatch")]
    Task<int> UpsertBatchAsync(IndexBatch batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Index migration (<see cref="IIndexLayoutGrain"/>): adds the items of <paramref name="batch"/> this shard does not
    /// hold yet (an entry it holds is newer: upserts go to the new owner only), and loads <paramref name="pendingIds"/>
    /// from their stored records. Durable before it returns.
    /// </summary>
    [Alias("Adopt")]
    Task AdoptAsync(IndexBatch batch, string[] pendingIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Index migration: up to <paramref name="max"/> of the items this shard holds that belong to another shard under
    /// the configured shard count, with the ids of such items it has not loaded yet.
    /// </summary>
    [Alias("ExtractMisplaced"), ReadOnly, AlwaysInterleave]
    Task<MisplacedItems> ExtractMisplacedAsync(int max);

    /// <summary>Index migration: forgets <paramref name="itemIds"/> (adopted by their owner); <see cref="CompleteMigrationAsync"/> makes it durable.</summary>
    [Alias("DropMoved")]
    Task DropMovedAsync(string[] itemIds);

    /// <summary>Index migration: writes the snapshot without the items moved away.</summary>
    [Alias("CompleteMigration")]
    Task CompleteMigrationAsync();

    /// <summary>
    /// Builds the index of this shard's model slot (slot 1 and up; a slot-0 shard just reports): the first call copies
    /// the ids of every item acknowledged to slot 0's shard of the same number (<see cref="ListAcknowledgedAsync"/>),
    /// journalled, and the shard loads them from their stored records through its own model's item tower, a chunk per
    /// pending tick. Returns how far it is; idempotent, so the registry asks every few seconds.
    /// </summary>
    [Alias("Build")]
    Task<ShardBuild> BuildAsync();

    /// <summary>Drops this shard's index and its stored records (its model slot was retired) and deactivates.</summary>
    [Alias("Drop")]
    Task DropAsync();

    /// <summary>Every item acknowledged to this shard: those in its index, those it is loading and those it expects.</summary>
    [Alias("ListAcknowledged"), ReadOnly, AlwaysInterleave]
    Task<string[]> ListAcknowledgedAsync();

    /// <summary>The ids of the items this shard holds in its index, for tests that audit where items went.</summary>
    [Alias("ListItemIds"), ReadOnly, AlwaysInterleave]
    Task<string[]> ListItemIdsAsync();
}

/// <summary>How far a shard's index build is: complete (every acknowledged item in its model's space), items held, items still to load.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ShardBuild")]
public sealed record ShardBuild(
    [property: Id(0)] bool Complete,
    [property: Id(1)] int Indexed,
    [property: Id(2)] int Pending);
