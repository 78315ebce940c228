using System.Buffers;

namespace Actors.Model;

/// <summary>The public towers: item and user embeddings, and the incremental user state; the passes themselves are in <c>PreferenceModel.Forward.cs</c>.</summary>
public sealed partial class PreferenceModel
{
    /// <summary>The item tower: an L2-normalised embedding of length <see cref="OutputDimension"/>.</summary>
    public float[] ItemEmbedding(ReadOnlySpan<float> content)
    {
        var embedding = new float[OutputDimension];
        ItemEmbedding(content, embedding);
        return embedding;
    }

    /// <summary>The item tower, writing into <paramref name="destination"/> (length <see cref="OutputDimension"/>); allocation-free.</summary>
    public void ItemEmbedding(ReadOnlySpan<float> content, Span<float> destination) => ItemEmbedding(content, null, destination);

    /// <summary>
    /// The item tower for an item known by its token: its id embedding (when the model has one for it) is added to the
    /// adaptor output. An unknown token, or null, gives the content-only embedding.
    /// </summary>
    public float[] ItemEmbedding(ReadOnlySpan<float> content, string? itemId)
    {
        var embedding = new float[OutputDimension];
        ItemEmbedding(content, itemId, embedding);
        return embedding;
    }

    /// <summary>As <see cref="ItemEmbedding(ReadOnlySpan{float}, string?)"/>, writing into <paramref name="destination"/>; allocation-free.</summary>
    public void ItemEmbedding(ReadOnlySpan<float> content, string? itemId, Span<float> destination)
    {
        RequireLength(content.Length, ContentDimension, nameof(content));
        RequireLength(destination.Length, OutputDimension, nameof(destination));
        if (Config.ItemTower == ItemTowerKind.Content)
        {
            content.CopyTo(destination);
            TowerMath.L2Normalize(destination);
            return;
        }

        if (Config.ItemTower == ItemTowerKind.Adaptor)
        {
            var rented = ArrayPool<float>.Shared.Rent(Config.Hidden);
            try
            {
                var adapted = rented.AsSpan(0, Config.Hidden);
                Adapt(content, IdRow(itemId), adapted);
                Project(adapted, 1, destination);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(rented);
            }

            return;
        }

        // A sequence of length one: the key/value caches hold a single row per layer.
        var h = Config.Hidden;
        var keys = ArrayPool<float>.Shared.Rent(h * Config.Layers);
        var values = ArrayPool<float>.Shared.Rent(h * Config.Layers);
        var pooled = ArrayPool<float>.Shared.Rent(h + ScratchLength(1, 1));
        try
        {
            var x = pooled.AsSpan(0, h);
            Adapt(content, IdRow(itemId), x);
            var slot = new CacheSlot(keys, values, 1, 0);
            Forward(x, new ReadOnlySpan<CacheSlot>(in slot), pooled.AsSpan(h));
            Project(x, 1, destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(pooled);
            ArrayPool<float>.Shared.Return(values);
            ArrayPool<float>.Shared.Return(keys);
        }
    }

    /// <summary>
    /// The user tower by full recomputation over the last <see cref="MaxLength"/> items of <paramref name="history"/>
    /// (oldest first): the output at the last position, L2-normalised.
    /// </summary>
    /// <exception cref="ArgumentException">Empty history or an item of the wrong length.</exception>
    public float[] UserEmbedding(IReadOnlyList<float[]> history) => UserEmbedding(history, null);

    /// <summary>
    /// As <see cref="UserEmbedding(IReadOnlyList{float[]})"/> with the items' tokens (<paramref name="itemIds"/>[i] for
    /// <paramref name="history"/>[i]; null entries or a null list = no id term).
    /// </summary>
    public float[] UserEmbedding(IReadOnlyList<float[]> history, IReadOnlyList<string?>? itemIds)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
        {
            throw new ArgumentException("The history is empty; a user embedding needs at least one item.", nameof(history));
        }

        // A window no longer than the history: the same positions, smaller caches.
        var state = new UserTowerState(this, Math.Min(MaxLength, history.Count), 0);
        state.Rebuild(history, itemIds);
        return state.Embedding.ToArray();
    }

    /// <summary>
    /// A new, empty incremental user state (see <see cref="UserTowerState"/>).
    /// </summary>
    /// <param name="maxLength">The rolling window; null = <see cref="MaxLength"/>.</param>
    /// <param name="slack">
    /// Extra positions kept before the window is cut back to <paramref name="maxLength"/> (0 = an exact rolling window).
    /// With slack k the window holds between maxLength and maxLength + k items, and the O(n²) recomputation happens
    /// once every k + 1 appends instead of on every append once full.
    /// </param>
    public UserTowerState CreateUserState(int? maxLength = null, int slack = 0) =>
        new(this, maxLength ?? MaxLength, slack);
}
