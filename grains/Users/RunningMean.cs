using System.Numerics.Tensors;

namespace Actors.Grains.Users;

/// <summary>
/// The mean of a sliding window of vectors, kept as a running sum so that adding or evicting one vector costs
/// O(d) (LEARN's "without alignment" user embedding). The sum is accumulated in double precision so a long
/// stream of adds and evictions does not drift. Not thread-safe.
/// </summary>
internal sealed class RunningMean(int dimension)
{
    private readonly double[] _sum = new double[dimension];

    public int Count { get; private set; }

    public void Add(ReadOnlySpan<float> vector) => Accumulate(vector, 1);

    public void Remove(ReadOnlySpan<float> vector) => Accumulate(vector, -1);

    /// <summary>The L2-normalised mean, or null when the window is empty.</summary>
    public float[]? Normalized()
    {
        if (Count == 0)
        {
            return null;
        }
        var mean = new float[_sum.Length];
        for (var i = 0; i < mean.Length; i++)
        {
            mean[i] = (float)(_sum[i] / Count);
        }
        var norm = TensorPrimitives.Norm(mean);
        if (norm > 0)
        {
            TensorPrimitives.Divide(mean, norm, mean);
        }
        return mean;
    }

    private void Accumulate(ReadOnlySpan<float> vector, int sign)
    {
        if (vector.Length != _sum.Length)
        {
            throw new ArgumentException($"Vector has {vector.Length} dimensions; the window holds {_sum.Length}.", nameof(vector));
        }
        for (var i = 0; i < _sum.Length; i++)
        {
            _sum[i] += sign * (double)vector[i];
        }
        Count += sign;
    }

    /// <summary>The same mean computed from scratch over <paramref name="vectors"/>, for checking the running one.</summary>
    public static float[]? FromScratch(IReadOnlyList<float[]> vectors)
    {
        if (vectors.Count == 0)
        {
            return null;
        }
        var mean = new RunningMean(vectors[0].Length);
        foreach (var vector in vectors)
        {
            mean.Add(vector);
        }
        return mean.Normalized();
    }
}
