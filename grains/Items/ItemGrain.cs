using Actors.Encoder;
using Actors.Grains.Hosting;
using Actors.VectorIndex;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Items;

/// <summary>
/// Owns an item's text and embeddings. Re-encodes when the text or the encoder changes and keeps the
/// owning index shard up to date. Until the trained preference model is deployed the item embedding is
/// the content embedding.
/// </summary>
internal sealed partial class ItemGrain(
    [PersistentState("item", StorageNames.Actors)] IPersistentState<ItemState> state,
    TextEncoder encoder,
    IOptions<IndexOptions> indexOptions,
    IOptions<ItemOptions> itemOptions,
    ILogger<ItemGrain> logger) : Grain, IItemGrain
{
    /// <summary>The model version of embeddings that are the content embedding itself.</summary>
    internal const string ContentModelVersion = "content";

    private string ItemId => this.GetPrimaryKeyString();

    private IIndexShardGrain Shard =>
        GrainFactory.GetGrain<IIndexShardGrain>(Partitioner.ShardOf(ItemId, indexOptions.Value.Shards));

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && state.State.EncoderVersion != encoder.ModelVersion)
        {
            LogReencoding(ItemId, state.State.EncoderVersion, encoder.ModelVersion);
            await EncodeAndIndexAsync(state.State.Text!, cancellationToken);
        }
    }

    public Task<ItemView?> GetAsync() =>
        Task.FromResult(state.RecordExists ? new ItemView(ItemId, state.State.Text!) : null);

    public async Task<ItemView> UpsertAsync(string text, CancellationToken cancellationToken = default)
    {
        ItemValidation.ThrowIfInvalidText(text, itemOptions.Value.MaxTextLength);
        if (state.RecordExists && state.State.Text == text && state.State.EncoderVersion == encoder.ModelVersion)
        {
            // Unchanged: make sure the shard has it (idempotent), so a retried upsert always ends searchable.
            await Shard.UpsertAsync(ItemId, state.State.Item!);
        }
        else
        {
            await EncodeAndIndexAsync(text, cancellationToken);
        }
        return new ItemView(ItemId, text);
    }

    public Task<ItemEmbeddings?> GetEmbeddingsAsync() =>
        Task.FromResult(state.RecordExists
            ? new ItemEmbeddings(ItemId, state.State.Content!, state.State.Item!, state.State.EncoderVersion!, state.State.ModelVersion!)
            : null);

    private async Task EncodeAndIndexAsync(string text, CancellationToken cancellationToken)
    {
        var (content, encoderVersion) = await GrainFactory.GetGrain<IEncoderGrain>(0).EncodeAsync(text, cancellationToken);
        state.State.Text = text;
        state.State.Content = content;
        state.State.Item = content;
        state.State.EncoderVersion = encoderVersion;
        state.State.ModelVersion = ContentModelVersion;
        state.State.UpdatedAt = DateTimeOffset.UtcNow;
        // Stored first, then indexed: a failure in between leaves a stored item that the next upsert indexes.
        await state.WriteStateAsync(cancellationToken);
        await Shard.UpsertAsync(ItemId, content);
    }
}
