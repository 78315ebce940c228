using System.Numerics.Tensors;

namespace Actors.Evaluation;

/// <summary>Item embeddings as one row-major [items × dimension] block, scored against a user by dot products.</summary>
internal sealed class ItemMatrix
{
    private readonly float[] _rows;

    public ItemMatrix(int count, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        Count = count;
        Dimension = dimension;
        _rows = new float[checked(count * dimension)];
    }

    public int Count { get; }

    public int Dimension { get; }

    public Span<float> Row(int item) => _rows.AsSpan(item * Dimension, Dimension);

    /// <summary>scores[i] = items[i] · user. A zero-length user (no history) scores every item 0.</summary>
    public void Score(ReadOnlySpan<float> user, Span<float> scores)
    {
        if (scores.Length != Count)
        {
            throw new ArgumentException($"Expected {Count} scores, got a span of {scores.Length}.", nameof(scores));
        }

        if (user.IsEmpty)
        {
            scores.Clear();
            return;
        }

        if (user.Length != Dimension)
        {
            throw new ArgumentException($"Expected a user vector of length {Dimension}, got {user.Length}.", nameof(user));
        }

        ReadOnlySpan<float> rows = _rows;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = TensorPrimitives.Dot(rows.Slice(i * Dimension, Dimension), user);
        }
    }
}
