using Actors.Model;

namespace Actors.Evaluation;

/// <summary>
/// LEARN's "without alignment" baseline, and what the grains serve before a model is deployed: the item embedding is
/// the content embedding itself and the user embedding is the L2-normalised mean of the history's content embeddings
/// (<see cref="ContentMean"/>, the code the user grain serves it with).
/// </summary>
public sealed class ContentOnlyRanker : IRanker
{
    private readonly float[][] _content;
    private readonly ItemMatrix _items;

    /// <summary>Ranks over <paramref name="content"/> (row i = item i, all of one length).</summary>
    public ContentOnlyRanker(float[][] content, string name = "content-only")
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (content.Length == 0)
        {
            throw new ArgumentException("The catalog is empty; expected at least one content embedding.", nameof(content));
        }

        var dimension = content[0]?.Length ?? 0;
        _items = new ItemMatrix(content.Length, Math.Max(dimension, 1));
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] is null || content[i].Length != dimension || dimension == 0)
            {
                throw new ArgumentException(
                    $"Content embedding of item {i} has length {content[i]?.Length ?? 0}; expected {dimension} like item 0 (and more than 0).",
                    nameof(content));
            }

            content[i].CopyTo(_items.Row(i));
        }

        _content = content;
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int ItemCount => _items.Count;

    /// <inheritdoc/>
    public IUserScorer CreateScorer() => new Scorer(this);

    private sealed class Scorer(ContentOnlyRanker ranker) : IUserScorer
    {
        private readonly ContentMean _mean = new(ranker._items.Dimension);
        private readonly float[] _user = new float[ranker._items.Dimension];

        public void Score(ReadOnlySpan<int> history, Span<float> scores)
        {
            _mean.Clear();
            foreach (var item in history)
            {
                _mean.Add(ranker._content[item]);
            }

            if (!_mean.TryWriteNormalized(_user))
            {
                scores.Clear();
                return;
            }

            ranker._items.Score(_user, scores);
        }
    }
}
