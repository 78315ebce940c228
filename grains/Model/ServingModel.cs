using Actors.Model;

namespace Actors.Grains.Model;

/// <summary>
/// What item and user embeddings are on this silo: the trained LEARN towers named in <see cref="ModelOptions"/>, or the
/// content baseline when none is configured. Loaded once per silo; immutable and thread-safe.
/// </summary>
public sealed class ServingModel : IDisposable
{
    /// <summary>The version of embeddings that are the content embedding itself (no model).</summary>
    public const string ContentVersion = "content";

    private readonly PreferenceModel? _model;
    private readonly Lazy<TowerStepBatcher>? _batcher;

    private ServingModel(PreferenceModel? model)
    {
        _model = model;
        Fusion = model is null ? FusionSettings.ModelOnly : FusionSettings.Of(model);
        _batcher = model is null ? null : new Lazy<TowerStepBatcher>(() => new TowerStepBatcher(model));
    }

    /// <summary>The model version stored beside every item embedding; a change refreshes them.</summary>
    public string Version => _model?.Version ?? ContentVersion;

    /// <summary>The dimension of the item and user embeddings; null for the content baseline (the encoder's).</summary>
    public int? Dimension => _model?.OutputDimension;

    /// <summary>
    /// How retrieval fuses the cosine with item → next-item counts: the artifact's manifest field <c>fusion</c>, or
    /// <see cref="FusionSettings.ModelOnly"/> (the cosine alone) without one and for the content baseline.
    /// </summary>
    public FusionSettings Fusion { get; }

    /// <summary>The content baseline (no alignment model).</summary>
    public static ServingModel Content { get; } = new(null);

    /// <summary>The model at <paramref name="path"/> (relative to <paramref name="baseDirectory"/>), or the content baseline when the path is empty.</summary>
    public static ServingModel Load(string? path, string baseDirectory) =>
        string.IsNullOrWhiteSpace(path)
            ? Content
            : new ServingModel(PreferenceModel.Load(System.IO.Path.GetFullPath(path, baseDirectory)));

    /// <summary>Wraps an already loaded model (tests, benchmarks).</summary>
    public static ServingModel From(PreferenceModel model) => new(model);

    /// <summary>
    /// The item tower: content embedding (and, for models that learned item-id embeddings, the item id) → item embedding.
    /// </summary>
    public float[] ItemEmbedding(string itemId, float[] content) => _model is null ? content : _model.ItemEmbedding(content, itemId);

    /// <summary>
    /// A fresh incremental user tower over a window of <paramref name="window"/> interactions (at most the model's
    /// own maximum length).
    /// </summary>
    public IUserEmbedding CreateUserEmbedding(int window) =>
        _model is null ? new MeanUserEmbedding(window) : new TowerUserEmbedding(_model, Math.Min(window, _model.MaxLength), _batcher!);

    /// <summary>The silo's batched tower worker, once a user grain has used it (null before, and for the content baseline).</summary>
    internal TowerStepBatcher? Batcher => _batcher is { IsValueCreated: true } ? _batcher.Value : null;

    /// <summary>Stops the batched tower worker, if one was started.</summary>
    public void Dispose()
    {
        if (_batcher is { IsValueCreated: true })
        {
            _batcher.Value.Dispose();
        }
    }

    /// <summary>
    /// The user tower of one user grain. Its caches (keys and values of every layer over the whole window, about a
    /// hundred kilobytes with the shipped model) are allocated on the first interaction or the first non-empty rebuild,
    /// not before: a read of an unknown user's history activates a grain that never holds one.
    /// </summary>
    private sealed class TowerUserEmbedding(PreferenceModel model, int window, Lazy<TowerStepBatcher> batcher) : IUserEmbedding
    {
        private UserTowerState? _state;

        public bool HoldsState => _state is not null;

        private UserTowerState State => _state ??= model.CreateUserState(window);

        public void Append(string itemId, float[] content) => State.Append(content, itemId);

        public Task AppendAsync(IReadOnlyList<(string ItemId, float[] Content)> items) =>
            items.Count == 0 ? Task.CompletedTask : batcher.Value.AppendAsync(State, items);

        public void Rebuild(IReadOnlyList<(string ItemId, float[] Content)> history)
        {
            if (history.Count == 0 && _state is null)
            {
                return;
            }
            State.Rebuild(history.Select(h => h.Content), history.Select(h => (string?)h.ItemId).ToArray());
        }

        public float[]? Current() => _state is not { Count: > 0 } state ? null : state.Embedding.ToArray();
    }
}

/// <summary>
/// A user embedding kept up to date one interaction at a time over a sliding window (each instance belongs to one
/// user grain: not thread-safe).
/// </summary>
public interface IUserEmbedding
{
    /// <summary>Adds the newest interaction (its item and content embedding); the oldest leaves the window when it is full.</summary>
    void Append(string itemId, float[] content);

    /// <summary>
    /// <see cref="Append"/> of each of <paramref name="items"/> (oldest first), with the steps of the other users on this
    /// silo that arrive at about the same time run as batched passes (the same result). Nothing else may use this
    /// instance until it completes.
    /// </summary>
    Task AppendAsync(IReadOnlyList<(string ItemId, float[] Content)> items);

    /// <summary>Starts over from <paramref name="history"/>, oldest first (e.g. on grain activation).</summary>
    void Rebuild(IReadOnlyList<(string ItemId, float[] Content)> history);

    /// <summary>The current embedding (unit length), or null before any interaction.</summary>
    float[]? Current();

    /// <summary>Whether the per-user buffers are allocated (they are not until the first interaction or non-empty rebuild).</summary>
    bool HoldsState { get; }
}

/// <summary>
/// LEARN's "without alignment" user embedding: the mean of the window's content embeddings, kept by
/// <see cref="ContentMean"/> (the same code as the evaluator's content-only baseline).
/// </summary>
internal sealed class MeanUserEmbedding(int window) : IUserEmbedding
{
    private readonly Queue<float[]> _window = new();
    private ContentMean? _mean;

    public void Append(string itemId, float[] content)
    {
        _mean ??= new ContentMean(content.Length);
        _mean.Add(content);
        _window.Enqueue(content);
        if (_window.Count > window)
        {
            _mean.Remove(_window.Dequeue());
        }
    }

    public Task AppendAsync(IReadOnlyList<(string ItemId, float[] Content)> items)
    {
        foreach (var (itemId, content) in items)
        {
            Append(itemId, content);
        }
        return Task.CompletedTask;
    }

    public void Rebuild(IReadOnlyList<(string ItemId, float[] Content)> history)
    {
        _window.Clear();
        _mean = null;
        foreach (var (itemId, content) in history)
        {
            Append(itemId, content);
        }
    }

    public float[]? Current() => _mean?.Normalized();

    public bool HoldsState => _mean is not null;
}
