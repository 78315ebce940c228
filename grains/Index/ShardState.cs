namespace Actors.Grains.Index;

/// <summary>The persisted snapshot of an index shard: its items' embeddings.</summary>
[GenerateSerializer, Alias("Actors.ShardState")]
public sealed class ShardState
{
    [Id(0)] public Dictionary<string, float[]> Embeddings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The model the embeddings were computed with.</summary>
    [Id(1)] public string? ModelVersion { get; set; }
}

/// <summary>
/// The items a shard acknowledged changes for since its last snapshot, written before each acknowledgement. Only ids
/// are kept (the embeddings are the item grains' to own), so a write stays small: a shard that dies between snapshots
/// asks those items to register again on activation, and an item that was searchable becomes searchable again.
/// </summary>
[GenerateSerializer, Alias("Actors.ShardJournal")]
public sealed class ShardJournal
{
    [Id(0)] public List<ShardChange> Changes { get; set; } = [];
}

/// <summary>One acknowledged change: the item's embedding was set, or (<see cref="Removed"/>) the item left the shard.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ShardChange")]
public sealed record ShardChange([property: Id(0)] string ItemId, [property: Id(1)] bool Removed);
