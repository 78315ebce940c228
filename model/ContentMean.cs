using System.Numerics.Tensors;

namespace Actors.Model;

/// <summary>
/// LEARN's "without alignment" user embedding, and what the grains serve before a model is deployed: the
/// L2-normalised mean of the history's content embeddings. The one implementation the user grain's sliding window,
/// the serving model's fallback and the evaluator's <c>content-only</c> baseline share, so the served and the
/// measured numbers are the same. Kept as a running sum, so adding or evicting one vector costs O(d); the sum is in
/// double precision so a long stream of adds and evictions does not drift. Not thread-safe.
/// </summary>
public sealed class ContentMean
{
    private readonly double[] _sum;

    /// <summary>An empty mean of <paramref name="dimension"/>-long vectors.</summary>
    public ContentMean(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        _sum = new double[dimension];
    }

    /// <summary>The length of every vector added.</summary>
    public int Dimension => _sum.Length;

    /// <summary>Vectors in the mean (added minus removed).</summary>
    public int Count { get; private set; }

    /// <summary>Adds <paramref name="vector"/> to the mean.</summary>
    /// <exception cref="ArgumentException">The vector's length is not <see cref="Dimension"/>.</exception>
    public void Add(ReadOnlySpan<float> vector) => Accumulate(vector, 1);

    /// <summary>Evicts <paramref name="vector"/>, which must have been added.</summary>
    /// <exception cref="ArgumentException">The vector's length is not <see cref="Dimension"/>.</exception>
    public void Remove(ReadOnlySpan<float> vector) => Accumulate(vector, -1);

    /// <summary>Forgets every vector, keeping the buffer (one instance can serve many users in turn).</summary>
    public void Clear()
    {
        Array.Clear(_sum);
        Count = 0;
    }

    /// <summary>The L2-normalised mean, or null when the mean is empty.</summary>
    public float[]? Normalized()
    {
        if (Count == 0)
        {
            return null;
        }

        var mean = new float[_sum.Length];
        Normalize(_sum, Count, mean);
        return mean;
    }

    /// <summary>Writes the L2-normalised mean into <paramref name="destination"/>; false (nothing written) when empty.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/>'s length is not <see cref="Dimension"/>.</exception>
    public bool TryWriteNormalized(Span<float> destination)
    {
        if (destination.Length != _sum.Length)
        {
            throw new ArgumentException($"Destination has {destination.Length} dimensions; the mean has {_sum.Length}.", nameof(destination));
        }

        if (Count == 0)
        {
            return false;
        }

        Normalize(_sum, Count, destination);
        return true;
    }

    /// <summary>
    /// The full form: the same mean computed from scratch over <paramref name="vectors"/> (null when there are none),
    /// which the running mean equals after any sequence of adds and evictions leaving these vectors.
    /// </summary>
    /// <exception cref="ArgumentException">The vectors are not all of one non-zero length.</exception>
    public static float[]? Of(IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
        {
            return null;
        }

        var sum = new double[vectors[0].Length];
        foreach (var vector in vectors)
        {
            if (vector.Length != sum.Length || sum.Length == 0)
            {
                throw new ArgumentException($"Vector has {vector.Length} dimensions; expected {sum.Length} like the first (and more than 0).", nameof(vectors));
            }

            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += vector[i];
            }
        }

        var mean = new float[sum.Length];
        Normalize(sum, vectors.Count, mean);
        return mean;
    }

    private static void Normalize(ReadOnlySpan<double> sum, int count, Span<float> destination)
    {
        for (var i = 0; i < sum.Length; i++)
        {
            destination[i] = (float)(sum[i] / count);
        }

        var norm = TensorPrimitives.Norm<float>(destination);
        if (norm > 0)
        {
            TensorPrimitives.Divide(destination, norm, destination);
        }
    }

    private void Accumulate(ReadOnlySpan<float> vector, int sign)
    {
        if (vector.Length != _sum.Length)
        {
            throw new ArgumentException($"Vector has {vector.Length} dimensions; the mean holds {_sum.Length}.", nameof(vector));
        }

        for (var i = 0; i < _sum.Length; i++)
        {
            _sum[i] += sign * (double)vector[i];
        }

        Count += sign;
    }
}
