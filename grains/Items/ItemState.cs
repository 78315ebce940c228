namespace Actors.Grains.Items;

/// <summary>The persisted state of an item grain.</summary>
[GenerateSerializer, Alias("Actors.ItemState")]
public sealed class ItemState
{
    /// <summary>The state name item records are stored under (the item grain's, and the batch importer's).</summary>
    public const string StateName = "item";

    [Id(0)] public string? Text { get; set; }
    [Id(1)] public float[]? Content { get; set; }
    [Id(2)] public float[]? Item { get; set; }
    [Id(3)] public string? EncoderVersion { get; set; }
    [Id(4)] public string? ModelVersion { get; set; }
    [Id(5)] public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The item's attributes (null: written with a text only).</summary>
    [Id(6)] public ItemAttributes? Attributes { get; set; }

    /// <summary>
    /// Deleted: in no index and absent to every reader; the text and embeddings stay, so histories keep their entries
    /// and writing the item again with the same text needs no encoding.
    /// </summary>
    [Id(7)] public bool Deleted { get; set; }
}
