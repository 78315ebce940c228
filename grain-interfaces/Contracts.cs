namespace Actors;

/// <summary>
/// One user–item interaction as it travels on the event stream. <see cref="EventId"/> makes redelivery harmless;
/// <see cref="Type"/> is one of the configured event types (<c>Events:Types</c>; null: the default type).
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.InteractionEvent")]
public sealed record InteractionEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string UserId,
    [property: Id(2)] string ItemId,
    [property: Id(3)] DateTimeOffset Timestamp,
    [property: Id(4)] string? Type = null);

/// <summary>An item as clients see it: its text and its attributes (<see cref="ItemAttributes.None"/> when written with a text only).</summary>
[GenerateSerializer, Immutable, Alias("Actors.ItemView")]
public sealed record ItemView(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string Text,
    [property: Id(2)] ItemAttributes? Attributes = null);

/// <summary>
/// An item's embeddings and the versions they were computed with: the content embedding comes from the
/// encoder (<see cref="EncoderVersion"/>), the item embedding from the preference model (<see cref="ModelVersion"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ItemEmbeddings")]
public sealed record ItemEmbeddings(
    [property: Id(0)] string ItemId,
    [property: Id(1)] float[] Content,
    [property: Id(2)] float[] Item,
    [property: Id(3)] string EncoderVersion,
    [property: Id(4)] string ModelVersion);

/// <summary>
/// A recommended or similar item with its score (cosine similarity, or decayed popularity for the fallback) and, for a
/// user's recommendation, why: <see cref="Because"/> is the item of the user's history whose embedding is closest to
/// this one's ("because you looked at …", with its text <see cref="BecauseText"/>); null when there is no such item.
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ScoredItem")]
public sealed record ScoredItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] float Score,
    [property: Id(2)] string Text,
    [property: Id(3)] string? Because = null,
    [property: Id(4)] string? BecauseText = null);

/// <summary>Embeddings a silo's shards hold: row i of <see cref="Vectors"/> and <see cref="Texts"/>[i] are <see cref="ItemIds"/>[i]'s.</summary>
[GenerateSerializer, Immutable, Alias("Actors.HeldVectors")]
public sealed record HeldVectors(
    [property: Id(0)] string[] ItemIds,
    [property: Id(1)] float[][] Vectors,
    [property: Id(2)] string[] Texts);

/// <summary>One entry of a user's rolling history.</summary>
[GenerateSerializer, Immutable, Alias("Actors.HistoryEntry")]
public sealed record HistoryEntry(
    [property: Id(0)] string EventId,
    [property: Id(1)] string ItemId,
    [property: Id(2)] DateTimeOffset Timestamp,
    [property: Id(3)] string? Type = null);

/// <summary>
/// What retrieval needs of a user: the embedding (null without history), the items to leave out and, when the served
/// model fuses item → next-item counts, the newest items of the history whose successors vote
/// (<see cref="RecentItems"/>: newest first, at most the fusion window, repeats kept; empty otherwise).
/// <see cref="Embedding"/> is in the space of <see cref="ModelVersion"/>, whose index is slot <see cref="Slot"/>: the
/// version the user is routed to (the serving one, or the user's arm of <see cref="Experiment"/>).
/// <see cref="SeenByType"/> is the history's distinct items per event type (null from grains that predate types: every
/// seen item counts as every type), for <see cref="RecommendOptions.ExcludeTypes"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.UserProfile")]
public sealed record UserProfile(
    [property: Id(0)] string UserId,
    [property: Id(1)] float[]? Embedding,
    [property: Id(2)] string[] SeenItems,
    [property: Id(3)] string ModelVersion,
    [property: Id(4)] string[]? RecentItems = null,
    [property: Id(5)] int Slot = 0,
    [property: Id(6)] string? Experiment = null,
    [property: Id(7)] Dictionary<string, string[]>? SeenByType = null);

/// <summary>
/// A retrieval answer: best first. <see cref="Source"/> says how it was made ("embedding", "popularity");
/// <see cref="Partial"/> is true when better items may be missing: some index shard did not answer in time, is still
/// loading or rebuilding its items, holds another model's embeddings, or the index is being re-partitioned.
/// <see cref="ModelVersion"/> is the one model whose embeddings made every score (null for popularity), and
/// <see cref="Experiment"/> the experiment whose arm served the user (null outside one).
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.Recommendations")]
public sealed record Recommendations(
    [property: Id(0)] ScoredItem[] Items,
    [property: Id(1)] string Source,
    [property: Id(2)] bool Partial = false,
    [property: Id(3)] string? ModelVersion = null,
    [property: Id(4)] string? Experiment = null);

/// <summary>A shard's search hit: an item id and its score; texts are filled in by the retrieval grain.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ShardHit")]
public readonly record struct ShardHit(
    [property: Id(0)] string ItemId,
    [property: Id(1)] float Score);

/// <summary>
/// The items that followed <see cref="Source"/> in users' histories and how often (<see cref="Items"/>[i] followed it
/// <see cref="Counts"/>[i] times), in no particular order; empty arrays when nothing followed it yet.
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.Successors")]
public sealed record Successors(
    [property: Id(0)] string Source,
    [property: Id(1)] string[] Items,
    [property: Id(2)] int[] Counts);

/// <summary>
/// One silo's search answer: its best items with their texts (<see cref="ScoredItem.Text"/> is empty when the shard was
/// not given it), the cosine of the asked items it holds, the shards it searched, and whether one of them may miss
/// acknowledged items or holds another model's embeddings (<see cref="Partial"/>). <see cref="Vectors"/>, when the
/// search asked for them, are the embeddings of its hits, of its scored items and of the asked items it holds.
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.SiloSearchResult")]
public sealed record SiloSearchResult(
    [property: Id(0)] int[] Shards,
    [property: Id(1)] ScoredItem[] Hits,
    [property: Id(2)] ScoredItem[] Scored,
    [property: Id(3)] bool Partial = false,
    [property: Id(4)] HeldVectors? Vectors = null);

/// <summary>What an import must match on the cluster it goes to.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ImportRules")]
public sealed record ImportRules(
    [property: Id(0)] string EncoderVersion,
    [property: Id(1)] int Dimension,
    [property: Id(2)] int MaxTextLength);

/// <summary>
/// Items with precomputed content embeddings: row <c>i</c> of <see cref="Contents"/> (row-major, the encoder's dimension a
/// row) is the content embedding of <see cref="ItemIds"/>[i], whose text is <see cref="Texts"/>[i], made by encoder
/// <see cref="EncoderVersion"/>; <see cref="Attributes"/>[i], when given, are its attributes (null: none, for that item
/// or, when the array is null, for every item).
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ItemImportBatch")]
public sealed record ItemImportBatch(
    [property: Id(0)] string[] ItemIds,
    [property: Id(1)] string[] Texts,
    [property: Id(2)] float[] Contents,
    [property: Id(3)] string EncoderVersion,
    [property: Id(4)] ItemAttributes?[]? Attributes = null);

/// <summary>
/// What an import batch did: <see cref="Stored"/> new records written, <see cref="Unchanged"/> records found stored
/// identically, <see cref="Updated"/> records with other data imported through their item grains, and
/// <see cref="Indexed"/> index entries the shards changed (0 when everything was there already).
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ItemImportResult")]
public sealed record ItemImportResult(
    [property: Id(0)] int Stored,
    [property: Id(1)] int Unchanged,
    [property: Id(2)] int Updated,
    [property: Id(3)] int Indexed);
