namespace Actors.Grains.Index;

/// <summary>
/// The persisted snapshot of an index shard: the records (<see cref="ShardBatchState"/>, a bounded number of items each)
/// that hold its items' embeddings and display texts, so no single write grows with the shard.
/// </summary>
[GenerateSerializer, Alias("Actors.ShardState")]
public sealed class ShardState
{
    /// <summary>Embeddings of a snapshot written whole into this record (by earlier versions); read, never written.</summary>
    [Id(0)] public Dictionary<string, float[]> Embeddings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The model the embeddings were computed with.</summary>
    [Id(1)] public string? ModelVersion { get; set; }

    /// <summary>The sequence numbers of the records that hold the snapshot.</summary>
    [Id(3)] public List<long> Chunks { get; set; } = [];
}

/// <summary>
/// What a shard acknowledged since its last snapshot, written before each acknowledgement. Single changes keep only ids
/// (the embeddings are the item grains' to own), so such a write stays small: a shard that dies between snapshots asks
/// those items to register again on activation. A batch (<see cref="Batches"/>) is written whole to a record of its own
/// first (<see cref="ShardBatchState"/>), so activation restores it without asking anyone.
/// </summary>
[GenerateSerializer, Alias("Actors.ShardJournal")]
public sealed class ShardJournal
{
    [Id(0)] public List<ShardChange> Changes { get; set; } = [];

    /// <summary>The batch records written since the snapshot, in the order they were applied.</summary>
    [Id(1)] public List<ShardBatchRef> Batches { get; set; } = [];

    /// <summary>The sequence number the next batch or snapshot record gets; never reused.</summary>
    [Id(2)] public long NextBatch { get; set; }

    /// <summary>
    /// For a shard of an uploaded model's slot: whether it has copied the item ids of slot 0 (they are journalled as
    /// pending until loaded). Slot 0 shards never seed.
    /// </summary>
    [Id(3)] public bool Seeded { get; set; }
}

/// <summary>One acknowledged change: the item's embedding was set, or (<see cref="Removed"/>) the item left the shard.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ShardChange")]
public sealed record ShardChange([property: Id(0)] string ItemId, [property: Id(1)] bool Removed);

/// <summary>
/// A batch record (<see cref="ShardBatchState"/> number <see cref="Sequence"/>), applied after the first
/// <see cref="AfterChanges"/> single changes of the journal: replay keeps the order in which the two kinds were applied.
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ShardBatchRef")]
public sealed record ShardBatchRef([property: Id(0)] long Sequence, [property: Id(1)] int AfterChanges);

/// <summary>
/// Items of a shard in one record (state name <c>shard-batch-N</c>): a batch the shard applied, kept until the next
/// snapshot folds it in, or a part of the snapshot itself.
/// </summary>
[GenerateSerializer, Alias("Actors.ShardBatchState")]
public sealed class ShardBatchState
{
    [Id(0)] public string[] ItemIds { get; set; } = [];

    /// <summary>Row-major, <see cref="Dimension"/> values an item.</summary>
    [Id(1)] public float[] Embeddings { get; set; } = [];

    [Id(2)] public int Dimension { get; set; }

    [Id(3)] public string?[] Texts { get; set; } = [];

    [Id(4)] public string? ModelVersion { get; set; }

    /// <summary>Each item's attributes (null, or a null entry: none); null in records written before items had attributes.</summary>
    [Id(5)] public ItemAttributes?[]? Attributes { get; set; }
}
