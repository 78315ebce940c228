namespace Actors.Grains.Index;

/// <summary>The persisted snapshot of an index shard: its items' embeddings.</summary>
[GenerateSerializer, Alias("Actors.ShardState")]
public sealed class ShardState
{
    [Id(0)] public Dictionary<string, float[]> Embeddings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The model the embeddings were computed with.</summary>
    [Id(1)] public string? ModelVersion { get; set; }
}
