using Actors.Model;

namespace Actors.Evaluation;

/// <summary>
/// Ranks with a LEARN preference model exactly as the grains serve it: every item embedding is
/// <see cref="PreferenceModel.ItemEmbedding(ReadOnlySpan{float}, string?, Span{float})"/> of its content embedding and
/// item token, and the user embedding is a <see cref="UserTowerState"/> to which the history's items (content embedding
/// and token) are appended one event at a time, oldest first (the user grain's path). Scores are dot products of the
/// two unit vectors. Tokens matter only to models with learned id embeddings (content + ID, or SASRec's ID only);
/// an item the model has no id row for gets none, as a cold item does in the grains.
/// </summary>
public sealed class PreferenceModelRanker : IRanker
{
    private readonly PreferenceModel _model;
    private readonly float[][] _content;
    private readonly string?[] _itemIds;
    private readonly ItemMatrix _items;

    /// <summary>Computes every item embedding of <paramref name="content"/> (row i = item i) with <paramref name="model"/>.</summary>
    /// <param name="name">Key in tables and JSON.</param>
    /// <param name="model">The model, as the grains load it.</param>
    /// <param name="content">Content embedding of every item, by item index.</param>
    /// <param name="itemIds">Item token of every item, by item index (the item grain's key); null = no tokens.</param>
    /// <exception cref="ArgumentException">A content embedding's length is not the model's content dimension, or the token count differs.</exception>
    public PreferenceModelRanker(string name, PreferenceModel model, float[][] content, IReadOnlyList<string>? itemIds = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(content);
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] is null || content[i].Length != model.ContentDimension)
            {
                throw new ArgumentException(
                    $"Content embedding of item {i} has length {content[i]?.Length ?? 0}; model '{model.Version}' expects {model.ContentDimension}.",
                    nameof(content));
            }
        }

        if (itemIds is not null && itemIds.Count != content.Length)
        {
            throw new ArgumentException($"{itemIds.Count} item tokens given for {content.Length} items; expected one per item.", nameof(itemIds));
        }

        Name = name;
        _model = model;
        _itemIds = itemIds is null ? new string?[content.Length] : [.. itemIds];
        _content = content;
        _items = new ItemMatrix(content.Length, model.OutputDimension);
        // Items are independent and the model is thread-safe; rows are disjoint.
        Parallel.For(0, content.Length, i => model.ItemEmbedding(content[i], _itemIds[i], _items.Row(i)));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int ItemCount => _items.Count;

    /// <summary>The model ranked with.</summary>
    public PreferenceModel Model => _model;

    /// <inheritdoc/>
    public IUserScorer CreateScorer() => new Scorer(this);

    private sealed class Scorer(PreferenceModelRanker ranker) : IUserScorer
    {
        // One tower state per worker, reused across users the way a user grain reuses its own across events.
        private readonly UserTowerState _state = ranker._model.CreateUserState();

        public void Score(ReadOnlySpan<int> history, Span<float> scores)
        {
            _state.Clear();
            foreach (var item in history)
            {
                _state.Append(ranker._content[item], ranker._itemIds[item]);
            }

            ranker._items.Score(_state.Embedding, scores);
        }
    }
}
