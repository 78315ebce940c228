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
}
