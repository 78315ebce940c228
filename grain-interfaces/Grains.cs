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
    /// Sets the text and the attributes (a null <paramref name="text"/>: the text built from the attributes,
    /// <see cref="ItemText.From"/>); re-encodes when the text changed. A deleted item is back. Returns once it is
    /// searchable with its attributes.
    /// </summary>
    [Alias("UpsertWithAttributes")]
    Task<ItemView> UpsertAsync(string? text, ItemAttributes attributes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the item: it leaves every index (and so every answer) before this returns; histories keep their entries.
    /// False when there was no item. Writing it again brings it back.
    /// </summary>
    [Alias("Delete")]
    Task<bool> DeleteAsync(CancellationToken cancellationToken = default);

    /// <summary>The embeddings and the versions they were computed with; null when the item does not exist.</summary>
    [Alias("GetEmbeddings")]
    Task<ItemEmbeddings?> GetEmbeddingsAsync();
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
    /// Whether this shard holds every item acknowledged to it, in the embedding space of <paramref name="modelVersion"/>
    /// (null: not checked): false while it rebuilds after a model change, loads items, or the index is migrating.
    /// </summary>
    [Alias("IsComplete"), ReadOnly, AlwaysInterleave]
    Task<bool> IsCompleteAsync(string? modelVersion = null);

    /// <summary>The shard's best <paramref name="k"/> items for <paramref name="query"/>, best first, none of <paramref name="exclude"/>.</summary>
    /// <remarks>
    /// A <paramref name="modelVersion"/> other than the one the shard's entries were made with finds nothing: embeddings
    /// of two models are not comparable (null: not checked).
    /// </remarks>
    [Alias("Search"), ReadOnly, AlwaysInterleave]
    Task<ShardHit[]> SearchAsync(float[] query, int k, string[] exclude, string? modelVersion = null, ItemFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>How many items the shard holds in its index (pending ones not yet loaded are not counted).</summary>
    [Alias("Count"), ReadOnly, AlwaysInterleave]
    Task<int> CountAsync();

    /// <summary>
    /// The dot product of <paramref name="query"/> with each of <paramref name="itemIds"/> this shard holds (items it
    /// does not hold are left out), in the order asked: candidates that retrieval found other than by search.
    /// </summary>
    [Alias("Score"), ReadOnly, AlwaysInterleave]
    Task<ShardHit[]> ScoreAsync(float[] query, string[] itemIds, string? modelVersion = null, ItemFilter? filter = null, CancellationToken cancellationToken = default);
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
    /// The best <paramref name="k"/> items for <paramref name="query"/> over the silo's shards that pass
    /// <paramref name="filter"/> (none of <paramref name="exclude"/>; k whenever k pass), the cosine of each of
    /// <paramref name="score"/> that those shards hold and the filter passes, and which shards answered.
    /// </summary>
    /// <remarks>
    /// Shards whose entries were made with a model other than <paramref name="modelVersion"/> (null: not checked) are
    /// not compared with the query; they, and shards that may miss items, make the answer <see cref="SiloSearchResult.Partial"/>.
    /// With <paramref name="vectorsOf"/> (null: none asked), the answer carries the embeddings of its hits, its scored
    /// items and those of <paramref name="vectorsOf"/> the shards hold (<see cref="SiloSearchResult.Vectors"/>), so
    /// that reasons need no second round.
    /// </remarks>
    [Alias("Search"), ReadOnly, AlwaysInterleave]
    Task<SiloSearchResult> SearchAsync(float[] query, int k, string[] exclude, string[] score, string? modelVersion = null, ItemFilter? filter = null, string[]? vectorsOf = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Of <paramref name="itemIds"/>, those the silo's shards (of <paramref name="modelVersion"/>; null: slot 0) hold and
    /// <paramref name="filter"/> passes, in the order asked; then up to <paramref name="fill"/> more passing items (none of
    /// <paramref name="exclude"/>, in no particular order), so a filtered list that is not ranked by a query (popularity)
    /// can still be made k long. Texts as <see cref="SearchAsync"/> gives them.
    /// </summary>
    [Alias("Match"), ReadOnly, AlwaysInterleave]
    Task<ScoredItem[]> MatchAsync(string[] itemIds, ItemFilter filter, string[] exclude, int fill, string? modelVersion = null, CancellationToken cancellationToken = default);

    /// <summary>The embeddings (in <paramref name="modelVersion"/>'s space; null: slot 0) and texts of those of <paramref name="itemIds"/> the silo's shards hold.</summary>
    [Alias("Vectors"), ReadOnly, AlwaysInterleave]
    Task<HeldVectors> VectorsAsync(string[] itemIds, string? modelVersion = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// Bulk import of items whose content embeddings were computed elsewhere (stateless worker): writes new item records
/// straight to grain storage, without activating their grains, and indexes them a shard batch at a time. Public for the
/// command-line import (an operator's tool, so a cluster that takes it sets <c>Orleans:TrustExternalClients</c>) and the
/// silo's sample import.
/// </summary>
[ClusterInternal]
[Alias("Actors.IItemImportGrain")]
public interface IItemImportGrain : IGrainWithIntegerKey
{
    /// <summary>What an import must match on this cluster: the encoder version and dimension, the longest text.</summary>
    [Alias("GetRules")]
    Task<ImportRules> GetRulesAsync();

    /// <summary>
    /// Checks ids, texts and attributes (null: none) against this cluster's rules (the ones <see cref="IItemGrain.UpsertAsync(string, CancellationToken)"/> applies) and
    /// stores nothing; throws <see cref="ArgumentException"/> naming the first bad item. Lets an importer refuse a whole
    /// import before any of it is stored.
    /// </summary>
    [Alias("Check")]
    Task CheckAsync(string[] itemIds, string[] texts, ItemAttributes?[]? attributes = null);

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
}

/// <summary>
/// One partition of the time-decayed item popularity (key: partition number; an item belongs to partition
/// XxHash32(id) mod <c>Popularity:Partitions</c>). Fed by each silo's aggregate of its events, flushed about once a
/// second, so a hot item costs one call per silo and second, not one per event; read by each silo's snapshot.
/// </summary>
[Alias("Actors.IPopularityGrain")]
public interface IPopularityGrain : IGrainWithIntegerKey
{
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
    /// <summary>
    /// The user's top <paramref name="k"/> items that pass <paramref name="options"/>' filter, none from their history
    /// (or of the event types it names); popularity when they have none. Filtered, the answer still holds k items when
    /// k items pass.
    /// </summary>
    [Alias("Recommend")]
    Task<Recommendations> RecommendAsync(string userId, int k, RecommendOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>The <paramref name="k"/> items most similar to <paramref name="itemId"/> that pass <paramref name="filter"/>, itself excluded; null when the item does not exist.</summary>
    [Alias("Similar")]
    Task<Recommendations?> SimilarAsync(string itemId, int k, ItemFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>The number of items across all shards.</summary>
    [Alias("CountItems")]
    Task<int> CountItemsAsync();
}
