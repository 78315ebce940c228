using System.Numerics.Tensors;

namespace Actors.Benchmarks.Micro;

/// <summary>
/// Seeded, structured unit vectors for index benchmarks: a Gaussian mixture (points scattered around a few hundred
/// random centres), which is how embeddings look to a nearest-neighbour search; uniform noise would make HNSW look
/// far worse than it is on real data.
/// </summary>
internal static class SyntheticVectors
{
    public static float[][] Clustered(int count, int dimension, int seed, int clusters = 256, float spread = 0.35f)
    {
        var random = new Random(seed);
        var centres = new float[clusters][];
        for (var c = 0; c < clusters; c++)
        {
            centres[c] = UnitGaussian(random, dimension);
        }
        var vectors = new float[count][];
        var noiseScale = spread / MathF.Sqrt(dimension);
        for (var i = 0; i < count; i++)
        {
            var centre = centres[random.Next(clusters)];
            var v = new float[dimension];
            for (var d = 0; d < dimension; d++)
            {
                v[d] = centre[d] + (noiseScale * Gaussian(random));
            }
            TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
            vectors[i] = v;
        }
        return vectors;
    }

    public static float Gaussian(Random random)
    {
        // Box–Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    private static float[] UnitGaussian(Random random, int dimension)
    {
        var v = new float[dimension];
        for (var d = 0; d < dimension; d++)
        {
            v[d] = Gaussian(random);
        }
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }
}
