using System.Numerics.Tensors;
using Actors.VectorIndex;

namespace Actors.Tests.Unit;

public sealed class VectorIndexTests
{
    private static float[] UnitVector(Random random, int dimension)
    {
        var vector = new float[dimension];
        for (var i = 0; i < dimension; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
        }
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
    }

    private static (string Key, float Score)[] BruteForce(Dictionary<string, float[]> all, float[] query, int k, ISet<string>? exclude = null) =>
        all.Where(p => exclude is null || !exclude.Contains(p.Key))
            .Select(p => (p.Key, Score: TensorPrimitives.Dot(query, p.Value)))
            .OrderByDescending(p => p.Score).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(k).ToArray();

    [Theory]
    [InlineData(1, 17)]
    [InlineData(10, 384)]
    [InlineData(64, 64)]
    public void Search_equals_brute_force(int k, int dimension)
    {
        var random = new Random(dimension);
        var all = Enumerable.Range(0, 500).ToDictionary(i => $"item{i}", _ => UnitVector(random, dimension));
        using var index = new ExactVectorIndex(dimension, initialCapacity: 3);
        foreach (var (key, vector) in all)
        {
            index.Upsert(key, vector);
        }

        for (var q = 0; q < 20; q++)
        {
            var query = UnitVector(random, dimension);
            var expected = BruteForce(all, query, k);
            var actual = index.Search(query, k);
            Assert.Equal(expected.Select(e => e.Key), actual.Select(a => a.Key));
            Assert.Equal(expected.Select(e => e.Score), actual.Select(a => a.Score));
        }
    }

    [Fact]
    public void Upsert_replaces_remove_deletes_and_exclude_skips()
    {
        using var index = new ExactVectorIndex(2);
        index.Upsert("a", [1, 0]);
        index.Upsert("b", [0, 1]);
        index.Upsert("c", [0.6f, 0.8f]);

        Assert.Equal("a", index.Search([1, 0], 1)[0].Key);
        index.Upsert("a", [-1, 0]);
        Assert.Equal(3, index.Count);
        Assert.Equal("c", index.Search([1, 0], 1)[0].Key);

        Assert.True(index.Remove("c"));
        Assert.False(index.Remove("c"));
        Assert.False(index.Contains("c"));
        Assert.Equal(["b", "a"], index.Search([1, 0], 5).Select(s => s.Key));
        Assert.Equal(["a"], index.Search([1, 0], 5, new HashSet<string> { "b" }).Select(s => s.Key));

        // A freed row is reused.
        index.Upsert("d", [1, 0]);
        Assert.Equal(["d", "b", "a"], index.Search([1, 0], 5).Select(s => s.Key));
        Assert.Equal([1f, 0f], index.GetVector("d")!);
    }

    [Fact]
    public void Ties_are_broken_by_key_whatever_the_insertion_order()
    {
        using var forward = new ExactVectorIndex(1);
        using var backward = new ExactVectorIndex(1);
        var keys = Enumerable.Range(0, 20).Select(i => $"k{i:D2}").ToArray();
        foreach (var key in keys)
        {
            forward.Upsert(key, [1]);
        }
        foreach (var key in keys.Reverse())
        {
            backward.Upsert(key, [1]);
        }
        Assert.Equal(keys.Take(5), forward.Search([1], 5).Select(s => s.Key));
        Assert.Equal(keys.Take(5), backward.Search([1], 5).Select(s => s.Key));
    }

    [Fact]
    public void Bad_vectors_and_queries_are_rejected()
    {
        using var index = new ExactVectorIndex(3);
        Assert.Throws<ArgumentException>(() => index.Upsert("a", [1, 2]));
        Assert.Throws<ArgumentException>(() => index.Upsert("a", [1, float.NaN, 0]));
        Assert.Throws<ArgumentException>(() => index.Upsert("", [1, 0, 0]));
        Assert.Throws<ArgumentException>(() => index.Search([1, 0], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 0, 0], 0));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Concurrent_searches_and_writes_stay_consistent()
    {
        const int Dimension = 32;
        var random = new Random(3);
        var stable = Enumerable.Range(0, 300).ToDictionary(i => $"stable{i}", _ => UnitVector(random, Dimension));
        using var index = new ExactVectorIndex(Dimension);
        foreach (var (key, vector) in stable)
        {
            index.Upsert(key, vector);
        }
        var queries = Enumerable.Range(0, 50).Select(_ => UnitVector(random, Dimension)).ToArray();
        var expected = queries.Select(q => BruteForce(stable, q, 10).Select(e => e.Key).ToArray()).ToArray();

        // Writers churn keys that score below every stable vector, so searches must keep answering the same.
        var far = new float[Dimension];
        Parallel.Invoke(
            () => Parallel.For(0, 2000, i =>
            {
                index.Upsert($"churn{i % 37}", far);
                index.Remove($"churn{(i + 11) % 37}");
            }),
            () => Parallel.For(0, 400, i =>
            {
                var q = i % queries.Length;
                var actual = index.Search(queries[q], 10).Select(s => s.Key).ToArray();
                Assert.Equal(expected[q], actual);
            }));
    }

    [Fact]
    public void Merging_per_shard_lists_equals_one_search()
    {
        var random = new Random(11);
        var all = Enumerable.Range(0, 400).ToDictionary(i => $"item{i}", _ => UnitVector(random, 16));
        var shards = Enumerable.Range(0, 7).Select(_ => new ExactVectorIndex(16)).ToArray();
        foreach (var (key, vector) in all)
        {
            shards[Partitioner.ShardOf(key, shards.Length)].Upsert(key, vector);
        }
        var query = UnitVector(random, 16);
        var merged = TopK.Merge(shards.Select(s => (IReadOnlyList<ScoredKey>)s.Search(query, 12)), 12);
        Assert.Equal(BruteForce(all, query, 12).Select(e => e.Key), merged.Select(m => m.Key));
        foreach (var shard in shards)
        {
            shard.Dispose();
        }
    }

    [Fact]
    public void Partitioning_is_stable_and_spreads_keys()
    {
        // Fixed values: a change of hash function would silently move every item to another shard.
        Assert.Equal(Partitioner.ShardOf("B00TNNWMXI", 8), Partitioner.ShardOf(new string("B00TNNWMXI".ToCharArray()), 8));
        var counts = new int[8];
        for (var i = 0; i < 8000; i++)
        {
            counts[Partitioner.ShardOf($"item-{i}", 8)]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
        Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.ShardOf("x", 0));
    }
}
