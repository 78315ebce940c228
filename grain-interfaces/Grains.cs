using Orleans.Concurrency;

namespace Actors;

/// <summary>
/// Owns one item (key: item id): its text, its content and item embeddings and the versions they were
/// computed with. Keeps the index shard that owns the item up to date.
/// </summary>
[Alias("Actors.IItemGrain")]
public interface IItemGrain : IGrainWithStringKey
{
    /// <summary>The item, or null when it does not exist.</summary>
    [Alias("Get")]
    Task<ItemView?> GetAsync();

    /// <summary>Sets the text; re-encodes when it changed. Returns once the item is searchable.</summary>
    [Alias("Upsert")]
    Task<ItemView> UpsertAsync(string text, CancellationToken cancellationToken = default);

    /// <summary>
    /// Brings the embeddings up to date with the silo's encoder and model (also done on activation) and re-registers
    /// the item with its shard. One-way: shards send it to their items after a model change.
    /// </summary>
    [Alias("Refresh"), ClusterInternal, OneWay]
    Task RefreshAsync();

    /// <summary>Registers the item's current embedding with its shard again (one-way: shards ask after an unclean stop).</summary>
    [Alias("Reindex"), ClusterInternal, OneWay]
    Task ReindexAsync();

    /// <summary>The embeddings and the versions they were computed with; null when the item does not exist.</summary>
    [Alias("GetEmbeddings")]
    Task<ItemEmbeddings?> GetEmbeddingsAsync();

    /// <summary>
    /// Bulk import: sets the text with a content embedding computed elsewhere by the encoder
    /// <paramref name="encoderVersion"/> (which must be this silo's), computes the item embedding and indexes it,
    /// without running the encoder. Returns once the item is searchable.
    /// </summary>
    [Alias("Import"), ClusterInternal]
    Task<ItemView> ImportAsync(string text, float[] content, string encoderVersion, CancellationToken cancellationToken = default);
}

/// <summary>
/// Encodes item text with the silo's ONNX encoder. Stateless worker: concurrent requests on a silo are
/// gathered into micro-batches, one ONNX run each.
/// </summary>
[ClusterInternal]
[Alias("Actors.IEncoderGrain")]
public interface IEncoderGrain : IGrainWithIntegerKey
{
    /// <summary>The content embedding of <paramref name="text"/> and the encoder version that made it.</summary>
    [Alias("Encode")]
    Task<(float[] Embedding, string EncoderVersion)> EncodeAsync(string text, CancellationToken cancellationToken = default);
}

/// <summary>
/// Encodes item text on a silo that declares the GPU role (<c>Encoder:GpuRole</c>). Only those silos host this grain
/// class, so placement confines it to them; concurrent requests on a silo share one micro-batching ONNX session.
/// </summary>
[ClusterInternal]
[Alias("Actors.IGpuEncoderGrain")]
public interface IGpuEncoderGrain : IGrainWithIntegerKey
{
    /// <summary>The content embedding of <paramref name="text"/> and the encoder version that made it.</summary>
    [Alias("Encode")]
    Task<(float[] Embedding, string EncoderVersion)> EncodeAsync(string text, CancellationToken cancellationToken = default);
}

/// <summary>
/// One partition of the item index (key: shard number): the embeddings and display texts of the items that hash to it,
/// exact top-k while small and HNSW beyond. Reads interleave with everything (the index is thread-safe), so they never
/// wait behind a write's storage call; queries normally reach the shard's memory through <see cref="ISiloSearchGrain"/>.
/// </summary>
[Alias("Actors.IIndexShardGrain")]
public interface IIndexShardGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Adds or replaces an item's embedding, computed with model <paramref name="modelVersion"/>, and the text retrieval
    /// shows it with (null: retrieval asks the item grain).
    /// </summary>
    [Alias("Upsert"), ClusterInternal]
    Task UpsertAsync(string itemId, float[] embedding, string modelVersion, string? text = null);

    /// <summary>
    /// Journals that <paramref name="itemIds"/> are about to be stored and then upserted here, before their records are
    /// written: should the upsert never arrive (the caller's silo dies in between), the shard loads the items from their
    /// stored records itself once <c>Index:ExpectTimeout</c> has passed, so an acknowledged item always becomes searchable.
    /// </summary>
    [Alias("Expect"), ClusterInternal]
    Task ExpectAsync(string[] itemIds);

    /// <summary>
    /// Index migration (<see cref="IIndexLayoutGrain"/>): adds the items of <paramref name="batch"/> this shard does not
    /// hold yet (an entry it holds is newer: upserts go to the new owner only), and loads <paramref name="pendingIds"/>
    /// from their stored records. Durable before it returns.
    /// </summary>
    [Alias("Adopt"), ClusterInternal]
    Task AdoptAsync(IndexBatch batch, string[] pendingIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Index migration: up to <paramref name="max"/> of the items this shard holds that belong to another shard under
    /// the configured shard count, with the ids of such items it has not loaded yet.
    /// </summary>
    [Alias("ExtractMisplaced"), ClusterInternal, ReadOnly, AlwaysInterleave]
    Task<MisplacedItems> ExtractMisplacedAsync(int max);

    /// <summary>Index migration: forgets <paramref name="itemIds"/> (adopted by their owner); <see cref="CompleteMigrationAsync"/> makes it durable.</summary>
    [Alias("DropMoved"), ClusterInternal]
    Task DropMovedAsync(string[] itemIds);

    /// <summary>Index migration: writes the snapshot without the items moved away.</summary>
    [Alias("CompleteMigration"), ClusterInternal]
    Task CompleteMigrationAsync();

    /// <summary>
    /// Whether this shard holds every item acknowledged to it, in the embedding space of <paramref name="modelVersion"/>
    /// (null: not checked): false while it rebuilds after a model change, loads items, or the index is migrating.
    /// </summary>
    [Alias("IsComplete"), ReadOnly, AlwaysInterleave]
    Task<bool> IsCompleteAsync(string? modelVersion = null);

    /// <summary>
    /// Adds or replaces many items at once (one bulk add, one durable write); items the shard already holds with the same
    /// embedding and text are left alone, so a repeated batch changes nothing. Returns how many items changed.
    /// </summary>
    [Alias("UpsertBatch"), ClusterInternal]
    Task<int> UpsertBatchAsync(IndexBatch batch, CancellationToken cancellationToken = default);

    [Alias("Remove"), ClusterInternal]
    Task RemoveAsync(string itemId);

    /// <summary>The shard's best <paramref name="k"/> items for <paramref name="query"/>, best first, none of <paramref name="exclude"/>.</summary>
    /// <remarks>
    /// A <paramref name="modelVersion"/> other than the one the shard's entries were made with finds nothing: embeddings
    /// of two models are not comparable (null: not checked).
    /// </remarks>
    [Alias("Search"), ReadOnly, AlwaysInterleave]
    Task<ShardHit[]> SearchAsync(float[] query, int k, string[] exclude, string? modelVersion = null, CancellationToken cancellationToken = default);

    [Alias("Count"), ReadOnly, AlwaysInterleave]
    Task<int> CountAsync();

    /// <summary>The ids of the items this shard holds, for audits and re-indexing.</summary>
    [Alias("ListItemIds"), ReadOnly, AlwaysInterleave]
    Task<string[]> ListItemIdsAsync();

    /// <summary>
    /// The dot product of <paramref name="query"/> with each of <paramref name="itemIds"/> this shard holds (items it
    /// does not hold are left out), in the order asked: candidates that retrieval found other than by search.
    /// </summary>
    [Alias("Score"), ReadOnly, AlwaysInterleave]
    Task<ShardHit[]> ScoreAsync(float[] query, string[] itemIds, string? modelVersion = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// The number of index shards the items are partitioned over, durably (one grain, key 0). When <c>Index:Shards</c>
/// changes between runs it re-partitions: every shard that may hold items moves those that belong elsewhere now to their
/// new owner, and until all have, every shard answers partial.
/// </summary>
[Alias("Actors.IIndexLayoutGrain")]
public interface IIndexLayoutGrain : IGrainWithIntegerKey
{
    /// <summary>True once the items are partitioned over the configured shard count (no migration in progress).</summary>
    [Alias("IsSettled"), ReadOnly, AlwaysInterleave]
    Task<bool> IsSettledAsync();
}

/// <summary>
/// Searches every index shard active on one silo in one local call (key: the silo's address, placed on that silo):
/// retrieval asks one of these per silo instead of one grain per shard. Read-only and interleaving.
/// </summary>
[Alias("Actors.ISiloSearchGrain")]
public interface ISiloSearchGrain : IGrainWithStringKey
{
    /// <summary>
    /// The best <paramref name="k"/> items for <paramref name="query"/> over the silo's shards (none of
    /// <paramref name="exclude"/>), the cosine of each of <paramref name="score"/> that those shards hold, and which
    /// shards answered.
    /// </summary>
    /// <remarks>
    /// Shards whose entries were made with a model other than <paramref name="modelVersion"/> (null: not checked) are
    /// not compared with the query; they, and shards that may miss items, make the answer <see cref="SiloSearchResult.Partial"/>.
    /// </remarks>
    [Alias("Search"), ReadOnly, AlwaysInterleave]
    Task<SiloSearchResult> SearchAsync(float[] query, int k, string[] exclude, string[] score, string? modelVersion = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// Bulk import of items whose content embeddings were computed elsewhere (stateless worker): writes new item records
/// straight to grain storage, without activating their grains, and indexes them a shard batch at a time.
/// </summary>
[ClusterInternal]
[Alias("Actors.IItemImportGrain")]
public interface IItemImportGrain : IGrainWithIntegerKey
{
    /// <summary>What an import must match on this cluster: the encoder version and dimension, the longest text.</summary>
    [Alias("GetRules")]
    Task<ImportRules> GetRulesAsync();

    /// <summary>
    /// Checks ids and texts against this cluster's rules (the ones <see cref="IItemGrain.UpsertAsync"/> applies) and
    /// stores nothing; throws <see cref="ArgumentException"/> naming the first bad item. Lets an importer refuse a whole
    /// import before any of it is stored.
    /// </summary>
    [Alias("Check")]
    Task CheckAsync(string[] itemIds, string[] texts);

    /// <summary>
    /// Stores and indexes one batch. The whole batch is checked first (nothing of a bad batch is stored); new items are
    /// written directly, items stored identically already are only made sure of in the index, items stored with other
    /// data go through their item grains. Every item is stored before it is indexed. Idempotent.
    /// </summary>
    [Alias("Import")]
    Task<ItemImportResult> ImportAsync(ItemImportBatch batch, CancellationToken cancellationToken = default);
}

/// <summary>
/// One partition of the item → next-item counts (key: shard number; a source item belongs to shard
/// XxHash32(id) mod <c>Transitions:Shards</c>, as items belong to index shards). Fed by the user grains, read by
/// retrieval when the served model fuses the counts with its cosine.
/// </summary>
[Alias("Actors.ITransitionGrain")]
public interface ITransitionGrain : IGrainWithIntegerKey
{
    /// <summary>Counts each transition once; every <see cref="ItemTransition.From"/> must belong to this shard. One-way: best effort.</summary>
    [Alias("Record"), ClusterInternal, OneWay]
    Task RecordAsync(ItemTransition[] transitions);

    /// <summary>Adds whole rows of counts (a shard moving its sources), answering once they are counted and stored; each row is trimmed to <c>Transitions:MaxSuccessorsPerItem</c>.</summary>
    [Alias("Adopt"), ClusterInternal]
    Task AdoptAsync(Successors[] rows);

    /// <summary>
    /// Moves the sources that belong to another shard under <paramref name="shards"/> shards to their owners
    /// (<see cref="AdoptAsync"/>), then forgets them. Returns how many moved.
    /// </summary>
    [Alias("Repartition"), ClusterInternal]
    Task<int> RepartitionAsync(int shards);

    /// <summary>The successors of each of <paramref name="sources"/> (which belong to this shard), in the order asked.</summary>
    /// <remarks>Interleaves with everything: it only reads memory, and must not wait behind a storage write.</remarks>
    [Alias("GetSuccessors"), ReadOnly, AlwaysInterleave]
    Task<Successors[]> GetSuccessorsAsync(string[] sources, CancellationToken cancellationToken = default);
}

/// <summary>
/// Owns one user's rolling history (key: user id) and keeps the user embedding up to date on every event.
/// Consumes the user's event stream by implicit subscription.
/// </summary>
[Alias("Actors.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>The history, oldest first.</summary>
    /// <remarks>Interleaves with an event batch in progress (it only reads memory): the events written to storage so far, none of a batch still being applied.</remarks>
    [Alias("GetHistory"), ReadOnly, AlwaysInterleave]
    Task<HistoryEntry[]> GetHistoryAsync();

    /// <summary>The user embedding and the items to exclude from recommendations.</summary>
    /// <remarks>
    /// Interleaves with an event batch in progress (it only reads memory), so a recommendation never queues behind a
    /// storage write: it sees the events written to storage so far, the embedding always that of the history it returns.
    /// </remarks>
    [Alias("GetProfile"), ReadOnly, AlwaysInterleave]
    Task<UserProfile> GetProfileAsync();

    /// <summary>Applies events directly (the stream consumer uses the same path). Known event ids are skipped.</summary>
    [Alias("Apply"), ClusterInternal]
    Task<int> ApplyAsync(InteractionEvent[] events);

    /// <summary>The embedding recomputed from scratch over the current window, for checking the incremental one.</summary>
    [Alias("RecomputeEmbedding"), ClusterInternal]
    Task<float[]?> RecomputeEmbeddingAsync();
}

/// <summary>
/// The partition counts a kind of count was spread over (key: "popularity" or "transitions"), durably: when
/// <c>Popularity:Partitions</c> or <c>Transitions:Shards</c> changes between runs, every partition ever used moves the
/// counts that belong elsewhere now to their owners. Each silo asks once it is active.
/// </summary>
[ClusterInternal]
[Alias("Actors.IPartitionLayoutGrain")]
public interface IPartitionLayoutGrain : IGrainWithStringKey
{
    /// <summary>Makes sure every count is in its partition under <paramref name="partitions"/>; returns how many moved.</summary>
    [Alias("Ensure")]
    Task<int> EnsureAsync(int partitions);
}

/// <summary>
/// One partition of the time-decayed item popularity (key: partition number; an item belongs to partition
/// XxHash32(id) mod <c>Popularity:Partitions</c>). Fed by each silo's aggregate of its events, flushed about once a
/// second, so a hot item costs one call per silo and second, not one per event; read by each silo's snapshot.
/// </summary>
[Alias("Actors.IPopularityGrain")]
public interface IPopularityGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Adds decayed interaction counts, all expressed at <paramref name="at"/> (<paramref name="scores"/>[i] for
    /// <paramref name="itemIds"/>[i], which belong to this partition). One-way: best effort, like the counts it feeds.
    /// </summary>
    [Alias("Merge"), ClusterInternal, OneWay]
    Task MergeAsync(string[] itemIds, double[] scores, DateTimeOffset at);

    /// <summary>Adds decayed interaction counts as <see cref="MergeAsync"/> does, answering once they are counted and stored (a partition moving its items).</summary>
    [Alias("Adopt"), ClusterInternal]
    Task AdoptAsync(string[] itemIds, double[] scores, DateTimeOffset at);

    /// <summary>
    /// Moves the items that belong to another partition under <paramref name="partitions"/> partitions to their owners
    /// (<see cref="AdoptAsync"/>), then forgets them. Returns how many moved.
    /// </summary>
    [Alias("Repartition"), ClusterInternal]
    Task<int> RepartitionAsync(int partitions);

    /// <summary>The partition's <paramref name="k"/> most popular items now, best first.</summary>
    /// <remarks>Interleaves with everything: it only reads memory, and must not wait behind a storage write.</remarks>
    [Alias("Top"), ReadOnly, AlwaysInterleave]
    Task<ShardHit[]> TopAsync(int k);
}

/// <summary>
/// Federated retrieval (stateless worker): asks every silo's search grain in parallel (each searches the shards on its
/// silo in one call) and merges the top-k.
/// </summary>
[Alias("Actors.IRetrievalGrain")]
public interface IRetrievalGrain : IGrainWithIntegerKey
{
    /// <summary>The user's top <paramref name="k"/> items, none from their history; popularity when they have none.</summary>
    [Alias("Recommend")]
    Task<Recommendations> RecommendAsync(string userId, int k, CancellationToken cancellationToken = default);

    /// <summary>The <paramref name="k"/> items most similar to <paramref name="itemId"/>, itself excluded; null when the item does not exist.</summary>
    [Alias("Similar")]
    Task<Recommendations?> SimilarAsync(string itemId, int k, CancellationToken cancellationToken = default);

    /// <summary>The number of items across all shards.</summary>
    [Alias("CountItems")]
    Task<int> CountItemsAsync();
}
