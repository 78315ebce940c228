using System.Numerics.Tensors;
using Actors.VectorIndex;

namespace Actors.Tests.Unit;

public sealed class HnswIndexTests
{
    /// <summary>Embeddings with structure, as real ones have: unit vectors scattered around a few hundred topics.</summary>
    private static float[][] Clustered(int count, int dimension, int seed, int topics = 200)
    {
        var random = new Random(seed);
        float Gaussian() => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        var centers = Enumerable.Range(0, topics).Select(_ => Enumerable.Range(0, dimension).Select(_ => Gaussian()).ToArray()).ToArray();
        var vectors = new float[count][];
        for (var i = 0; i < count; i++)
        {
            var center = centers[random.Next(topics)];
            var v = center.Select(c => c + 0.35f * Gaussian()).ToArray();
            TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
            vectors[i] = v;
        }
        return vectors;
    }

    [Fact]
    public void Recall_at_10_against_exact_search_is_at_least_095_at_the_default_settings()
    {
        const int Dimension = 64;
        var vectors = Clustered(10_000, Dimension, seed: 1);
        using var exact = new ExactVectorIndex(Dimension);
        using var hnsw = new HnswVectorIndex(Dimension);
        for (var i = 0; i < vectors.Length; i++)
        {
            exact.Upsert($"item{i}", vectors[i]);
            hnsw.Upsert($"item{i}", vectors[i]);
        }

        var queries = Clustered(200, Dimension, seed: 2);
        var hits = 0;
        foreach (var query in queries)
        {
            var truth = exact.Search(query, 10).Select(s => s.Key).ToHashSet();
            var approximate = hnsw.Search(query, 10);
            hits += approximate.Count(a => truth.Contains(a.Key));
            // Scores are the same dot products exact search reports.
            Assert.Equal(TensorPrimitives.Dot(query, hnsw.GetVector(approximate[0].Key)!), approximate[0].Score, 1e-5f);
        }
        var recall = hits / (10.0 * queries.Length);
        Assert.True(recall >= 0.95, $"recall@10 = {recall:F3}");
    }

    [Fact]
    public void Items_are_added_updated_and_removed_in_place()
    {
        using var index = new HnswVectorIndex(2);
        index.Upsert("a", [1, 0]);
        index.Upsert("b", [0, 1]);
        index.Upsert("c", [0.6f, 0.8f]);
        Assert.Equal(["a", "c", "b"], index.Search([1, 0], 3).Select(s => s.Key));

        index.Upsert("a", [-1, 0]);
        Assert.Equal(3, index.Count);
        Assert.Equal(["c", "b", "a"], index.Search([1, 0], 3).Select(s => s.Key));
        Assert.Equal([-1f, 0f], index.GetVector("a")!);

        Assert.True(index.Remove("c"));
        Assert.False(index.Remove("c"));
        Assert.False(index.Contains("c"));
        Assert.Equal(["b", "a"], index.Search([1, 0], 3).Select(s => s.Key));

        index.Upsert("c", [1, 0]);
        Assert.Equal("c", index.Search([1, 0], 1)[0].Key);
        Assert.Equal(["a", "b", "c"], index.Keys().Order());
    }

    [Fact]
    public void Excluded_keys_never_crowd_out_the_k_answers()
    {
        var vectors = Clustered(500, 16, seed: 3, topics: 5);
        using var index = new HnswVectorIndex(16);
        for (var i = 0; i < vectors.Length; i++)
        {
            index.Upsert($"item{i}", vectors[i]);
        }
        var best = index.Search(vectors[0], 30).Select(s => s.Key).ToArray();
        var exclude = best.Take(20).ToHashSet();

        var result = index.Search(vectors[0], 10, exclude);

        Assert.Equal(10, result.Length);
        Assert.Empty(result.Select(r => r.Key).Intersect(exclude));
    }

    [Fact]
    public void The_adaptive_index_switches_to_hnsw_at_its_threshold_and_keeps_every_item()
    {
        var vectors = Clustered(300, 32, seed: 4);
        using var index = new AdaptiveVectorIndex(32, threshold: 100);
        for (var i = 0; i < vectors.Length; i++)
        {
            index.Upsert($"item{i}", vectors[i]);
            Assert.Equal(i + 1 >= 100, index.IsApproximate);
        }
        Assert.Equal(300, index.Count);
        Assert.Equal(300, index.Snapshot().Count);
        for (var i = 0; i < vectors.Length; i += 37)
        {
            Assert.Equal($"item{i}", index.Search(vectors[i], 1)[0].Key);
        }
    }

    [Fact]
    public void Concurrent_searches_and_writes_on_the_graph_are_serialised_and_stay_consistent()
    {
        var vectors = Clustered(2_000, 32, seed: 5);
        using var index = new HnswVectorIndex(32);
        for (var i = 0; i < vectors.Length; i++)
        {
            index.Upsert($"item{i}", vectors[i]);
        }
        var far = new float[32];
        far[0] = -1;
        Parallel.Invoke(
            () => Parallel.For(0, 1000, i =>
            {
                index.Upsert($"churn{i % 29}", far);
                index.Remove($"churn{(i + 7) % 29}");
            }),
            () => Parallel.For(0, 500, i =>
            {
                var q = i % vectors.Length;
                Assert.Equal($"item{q}", index.Search(vectors[q], 1)[0].Key);
            }));
    }
}
