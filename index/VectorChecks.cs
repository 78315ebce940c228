using System.Numerics.Tensors;

namespace Actors.VectorIndex;

/// <summary>The argument checks every index applies, with the same messages.</summary>
internal static class VectorChecks
{
    public static void ThrowIfInvalid(string key, ReadOnlySpan<float> vector, int dimension)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (vector.Length != dimension)
        {
            throw new ArgumentException($"Vector for '{key}' has {vector.Length} dimensions; the index holds {dimension}.", nameof(vector));
        }
        if (!float.IsFinite(TensorPrimitives.Sum(vector)))
        {
            throw new ArgumentException($"Vector for '{key}' contains NaN or infinity.", nameof(vector));
        }
    }

    /// <summary>Checks a whole batch before any of it is applied: <paramref name="vectors"/> holds one row per key.</summary>
    public static void ThrowIfInvalidBatch(IReadOnlyList<string> keys, ReadOnlySpan<float> vectors, int dimension)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (vectors.Length != (long)keys.Count * dimension)
        {
            throw new ArgumentException($"{keys.Count} keys need {keys.Count * (long)dimension} values ({dimension} a key); got {vectors.Length}.", nameof(vectors));
        }
        for (var i = 0; i < keys.Count; i++)
        {
            ThrowIfInvalid(keys[i], vectors.Slice(i * dimension, dimension), dimension);
        }
    }

    /// <summary>The positions of <paramref name="keys"/> to apply, in order: a key given more than once keeps its last position.</summary>
    public static List<int> LastOccurrences(IReadOnlyList<string> keys)
    {
        var last = new Dictionary<string, int>(keys.Count, StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            last[keys[i]] = i;
        }
        var positions = new List<int>(last.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            if (last[keys[i]] == i)
            {
                positions.Add(i);
            }
        }
        return positions;
    }

    public static void ThrowIfInvalidQuery(ReadOnlySpan<float> query, int k, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (query.Length != dimension)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; the index holds {dimension}.", nameof(query));
        }
    }
}
