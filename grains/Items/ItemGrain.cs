using System.Numerics.Tensors;
using Actors.Encoder;
using Actors.Grains.Diagnostics;
using Actors.Grains.Encoding;
using Actors.Grains.Hosting;
using Actors.Grains.Index;
using Actors.Grains.Model;
using Actors.Grains.Models;
using Actors.VectorIndex;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Items;

/// <summary>
/// Owns an item's text and embeddings. Re-encodes when the text or the encoder changes and keeps the
/// owning index shard up to date (embedding and text). The item embedding is the serving model's item tower over the
/// content embedding; a change of model recomputes it without re-encoding.
/// The batch importer (<see cref="Import.ItemImportGrain"/>) creates records of new items in storage without activating
/// their grains, so an activation that found no record looks again before it answers "absent" or creates one.
/// <para>
/// The stored item embedding is the configured model's (slot 0). Every other model version with a live index (being
/// built, serving, the rollback target, an experiment arm) gets its own item tower's embedding of the same content
/// embedding on every write, in its own shards, so each version's index follows the catalog without re-encoding.
/// </para>
/// </summary>
internal sealed partial class ItemGrain(
    [PersistentState(ItemState.StateName, StorageNames.Actors)] IPersistentState<ItemState> state,
    TextEncoder encoder,
    ServedModels models,
    EncoderRouter encoders,
    ItemContentCache contentCache,
    IOptions<IndexOptions> indexOptions,
    IOptions<ItemOptions> itemOptions,
    ILogger<ItemGrain> logger) : Grain, IItemGrain, IItemMaintenance
{
    private string ItemId => this.GetPrimaryKeyString();

    private ServingModel Configured => models.Configured;

    private IIndexShardMaintenance ShardOf(int slot) =>
        GrainFactory.GetGrain<IIndexShardMaintenance>(ShardKeys.Of(slot, Partitioner.ShardOf(ItemId, indexOptions.Value.Shards)));

    public override Task OnActivateAsync(CancellationToken cancellationToken) => RefreshAsync();

    public async Task RefreshAsync()
    {
        if (!await IsLiveAsync())
        {
            return;
        }
        if (state.State.EncoderVersion != encoder.ModelVersion)
        {
            LogReencoding(ItemId, state.State.EncoderVersion, encoder.ModelVersion);
            await EncodeAndIndexAsync(state.State.Text!, CancellationToken.None);
        }
        else if (state.State.ModelVersion != Configured.Version)
        {
            LogRealigning(ItemId, state.State.ModelVersion, Configured.Version);
            state.State.Item = Configured.ItemEmbedding(ItemId, state.State.Content!);
            state.State.ModelVersion = Configured.Version;
            await WriteAndIndexAsync(CancellationToken.None);
        }
    }

    public async Task<ItemView?> GetAsync() =>
        await IsLiveAsync() ? View() : null;

    public Task<ItemView> UpsertAsync(string text, CancellationToken cancellationToken = default) =>
        UpsertAsync(text, ItemAttributes.None, cancellationToken);

    public async Task<ItemView> UpsertAsync(string? text, ItemAttributes attributes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ItemValidation.ThrowIfInvalidAttributes(attributes);
        text ??= ItemText.From(attributes) ?? throw new ArgumentException("An item needs a text, or attributes with a title to build it from.", nameof(text));
        ItemValidation.ThrowIfInvalidText(text, itemOptions.Value.MaxTextLength);
        var stored = attributes == ItemAttributes.None ? null : attributes;
        if (await ExistsAsync() && state.State.Text == text && state.State.EncoderVersion == encoder.ModelVersion)
        {
            if (state.State.Deleted || !ItemValidation.SameAttributes(state.State.Attributes, stored))
            {
                // Same text, so the same embeddings: only the attributes (or the deletion) change.
                state.State.Attributes = stored;
                state.State.Deleted = false;
                state.State.UpdatedAt = DateTimeOffset.UtcNow;
                await WriteAndIndexAsync(cancellationToken);
            }
            else
            {
                // Unchanged (activation already aligned it with the model): make sure the shard has it, idempotently,
                // so a retried upsert always ends searchable.
                await IndexAsync();
            }
        }
        else
        {
            state.State.Attributes = stored;
            state.State.Deleted = false;
            await EncodeAndIndexAsync(text, cancellationToken);
        }
        return View();
    }

    /// <summary>
    /// Marks the item deleted, then takes it out of the shard of every live model slot. Each shard is told to expect the
    /// item first (journalled): should this silo die between the write and the removals, the shard loads the record
    /// after <c>Index:ExpectTimeout</c>, finds it deleted and drops the item itself, so no answer keeps a deleted item.
    /// </summary>
    public async Task<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        if (!await IsLiveAsync())
        {
            return false;
        }
        var slots = (await models.CurrentAsync()).Live;
        await Task.WhenAll(slots.Select(slot => ShardOf(slot.Slot).ExpectAsync([ItemId])));
        state.State.Deleted = true;
        state.State.UpdatedAt = DateTimeOffset.UtcNow;
        await state.WriteStateAsync(cancellationToken);
        await Task.WhenAll(slots.Select(slot => ShardOf(slot.Slot).RemoveAsync(ItemId)));
        contentCache.Forget(ItemId);
        LogDeleted(ItemId);
        return true;
    }

    public async Task<ItemEmbeddings?> GetEmbeddingsAsync() =>
        await IsLiveAsync()
            ? new ItemEmbeddings(ItemId, state.State.Content!, state.State.Item!, state.State.EncoderVersion!, state.State.ModelVersion!)
            : null;

    public async Task<ItemView> ImportAsync(string text, float[] content, string encoderVersion, ItemAttributes? attributes = null, CancellationToken cancellationToken = default)
    {
        ItemValidation.ThrowIfInvalidText(text, itemOptions.Value.MaxTextLength);
        ItemValidation.ThrowIfInvalidAttributes(attributes);
        var stored = attributes == ItemAttributes.None ? null : attributes;
        ArgumentNullException.ThrowIfNull(content);
        if (encoderVersion != encoder.ModelVersion)
        {
            throw new ArgumentException($"The content embedding was made by encoder '{encoderVersion}'; this silo encodes with '{encoder.ModelVersion}'.", nameof(encoderVersion));
        }
        if (content.Length != encoder.Dimension || !float.IsFinite(TensorPrimitives.Sum(content)))
        {
            throw new ArgumentException($"The content embedding has {content.Length} values or a non-finite one; expected {encoder.Dimension} finite values.", nameof(content));
        }
        if (await IsLiveAsync() && state.State.Text == text && state.State.EncoderVersion == encoderVersion
            && ItemValidation.SameAttributes(state.State.Attributes, stored) && state.State.Content.AsSpan().SequenceEqual(content))
        {
            // Imported before (activation already aligned it with the model): only make sure the shard has it.
            await IndexAsync();
        }
        else
        {
            state.State.Attributes = stored;
            state.State.Deleted = false;
            await StoreAndIndexAsync(text, content, encoderVersion, cancellationToken);
        }
        return View();
    }

    private async Task EncodeAndIndexAsync(string text, CancellationToken cancellationToken)
    {
        var (content, encoderVersion) = await encoders.EncodeAsync(GrainFactory, ItemId, text, cancellationToken);
        ActorsInstruments.ItemsEncoded.Add(1);
        await StoreAndIndexAsync(text, content, encoderVersion, cancellationToken);
    }

    private async Task StoreAndIndexAsync(string text, float[] content, string encoderVersion, CancellationToken cancellationToken)
    {
        state.State.Text = text;
        state.State.Content = content;
        state.State.Item = Configured.ItemEmbedding(ItemId, content);
        state.State.EncoderVersion = encoderVersion;
        state.State.ModelVersion = Configured.Version;
        state.State.UpdatedAt = DateTimeOffset.UtcNow;
        contentCache.Forget(ItemId);
        await WriteAndIndexAsync(cancellationToken);
    }

    /// <summary>
    /// Stores the item, then indexes it, after telling the shard to expect it. Once the record is written the item is
    /// acknowledged (GET returns it), so it must become searchable even when this silo dies before the shard call, and
    /// without anyone retrying: the expectation, journalled by the shard before the record exists, makes the shard load
    /// the item from its record itself should the upsert not follow within <c>Index:ExpectTimeout</c>. Chosen over a
    /// reminder per upsert (two more reminder-table writes and a reminder service in every profile): the shard already
    /// journals each single upsert, and the expectation takes that write's place (the upsert that follows skips it), so
    /// the durable work per upsert stays the same. A failed expectation fails the upsert before anything is stored.
    /// </summary>
    private async Task WriteAndIndexAsync(CancellationToken cancellationToken)
    {
        var slots = (await models.CurrentAsync()).Live;
        await Task.WhenAll(slots.Select(slot => ShardOf(slot.Slot).ExpectAsync([ItemId])));
        await state.WriteStateAsync(cancellationToken);
        await IndexAsync(slots);
    }

    /// <summary>Registers the stored embedding and text with the owning shard of every live model slot (idempotent).</summary>
    private async Task IndexAsync(IReadOnlyList<ModelSlot>? slots = null)
    {
        slots ??= (await models.CurrentAsync()).Live;
        await Task.WhenAll(slots.Select(async slot =>
        {
            if (slot.Slot == 0)
            {
                await ShardOf(0).UpsertAsync(ItemId, state.State.Item!, state.State.ModelVersion!, state.State.Text, state.State.Attributes);
                return;
            }
            var version = await models.GetAsync(slot);
            await ShardOf(slot.Slot).UpsertAsync(ItemId, version.ItemEmbedding(ItemId, state.State.Content!), version.Version, state.State.Text, state.State.Attributes);
        }));
    }

    /// <summary>
    /// Whether the item is stored. Without a record in memory, storage is read again first: the batch importer writes new
    /// items' records directly, and this activation may predate that (an absent item looked up, say).
    /// </summary>
    private async Task<bool> ExistsAsync()
    {
        if (!state.RecordExists)
        {
            await state.ReadStateAsync();
        }
        return state.RecordExists;
    }

    /// <summary>Whether the item is stored and not deleted.</summary>
    private async Task<bool> IsLiveAsync() => await ExistsAsync() && !state.State.Deleted;

    private ItemView View() => new(ItemId, state.State.Text!, state.State.Attributes ?? ItemAttributes.None);
}
