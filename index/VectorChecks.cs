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

    public static void ThrowIfInvalidQuery(ReadOnlySpan<float> query, int k, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (query.Length != dimension)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; the index holds {dimension}.", nameof(query));
        }
    }
}
