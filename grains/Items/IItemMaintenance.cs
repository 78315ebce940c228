using Orleans.Concurrency;

namespace Actors.Grains.Items;

/// <summary>
/// The calls on an item (key: item id) that only the cluster makes, beside the public <see cref="IItemGrain"/> that
/// <see cref="ItemGrain"/> also implements: index shards asking items to refresh themselves, and the batch importer's
/// path that skips the encoder. Internal to this assembly (tests and benchmarks reach it through
/// InternalsVisibleTo), and refused to an external client by <see cref="ClusterInternalAttribute"/> as well.
/// </summary>
[ClusterInternal]
[Alias("Actors.IItemMaintenance")]
internal interface IItemMaintenance : IGrainWithStringKey
{
    /// <summary>
    /// Brings the embeddings up to date with the silo's encoder and model (also done on activation) and re-registers
    /// the item with its shard. One-way: shards send it to their items after a model change.
    /// </summary>
    [Alias("Refresh"), OneWay]
    Task RefreshAsync();

    /// <summary>
    /// Bulk import: sets the text with a content embedding computed elsewhere by the encoder
    /// <paramref name="encoderVersion"/> (which must be this silo's), computes the item embedding and indexes it,
    /// without running the encoder, with <paramref name="attributes"/> (null: none). Returns once the item is searchable.
    /// </summary>
    [Alias("Import")]
    Task<ItemView> ImportAsync(string text, float[] content, string encoderVersion, ItemAttributes? attributes = null, CancellationToken cancellationToken = default);
}
