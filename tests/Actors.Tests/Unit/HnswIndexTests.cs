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

    [Theory]
    [InlineData(7)]
    [InlineData(500)]
    public void A_filtered_search_answers_only_keys_the_predicate_keeps_and_finds_the_exact_filtered_top_10(int keepEvery)
    {
        // One key in 7 (a broad filter) and one in 500 (20 of 10,000: the graph's walk must reach far beyond the query's
        // neighbourhood). An unfiltered search of the same beam would hold on average 10 / keepEvery kept keys.
        const int Dimension = 64;
        var vectors = Clustered(10_000, Dimension, seed: 3);
        using var exact = new ExactVectorIndex(Dimension);
        using var hnsw = new HnswVectorIndex(Dimension);
        for (var i = 0; i < vectors.Length; i++)
        {
            exact.Upsert($"item{i}", vectors[i]);
            hnsw.Upsert($"item{i}", vectors[i]);
        }
        bool Keep(string key) => int.Parse(key.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture) % keepEvery == 0;
        var exclude = new HashSet<string> { "item0", $"item{keepEvery}" };

        var hits = 0;
        var queries = Clustered(100, Dimension, seed: 4);
        foreach (var query in queries)
        {
            var truth = exact.Search(query, 10, exclude, Keep);
            Assert.Equal(10, truth.Length);
            Assert.All(truth, t => Assert.True(Keep(t.Key) && !exclude.Contains(t.Key)));
            var approximate = hnsw.Search(query, 10, exclude, Keep);
            Assert.All(approximate, a => Assert.True(Keep(a.Key) && !exclude.Contains(a.Key), $"{a.Key} is outside the filter"));
            Assert.Equal(10, approximate.Length);
            hits += approximate.Count(a => truth.Any(t => t.Key == a.Key));
        }
        var recall = hits / (10.0 * queries.Length);
        Assert.True(recall >= 0.95, $"filtered recall@10 = {recall:F3}");
    }

    [Fact]
    public void A_predicate_that_throws_keeps_the_key_out_instead_of_crashing_the_native_search()
    {
        using var hnsw = new HnswVectorIndex(2);
        hnsw.Upsert("a", [1, 0]);
        hnsw.Upsert("b", [0, 1]);
        Assert.Equal(["b"], hnsw.Search([1, 0], 2, null, key => key == "a" ? throw new InvalidOperationException("bad predicate") : true).Select(s => s.Key));
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

    private static (ExactVectorIndex Exact, float[][] Vectors) ExactOver(int count, int dimension, int seed)
    {
        var vectors = Clustered(count, dimension, seed);
        var exact = new ExactVectorIndex(dimension);
        for (var i = 0; i < vectors.Length; i++)
        {
            exact.Upsert($"item{i}", vectors[i]);
        }
        return (exact, vectors);
    }

    private static float[] Flat(float[][] rows) => [.. rows.SelectMany(r => r)];

    private static double RecallAt10(ExactVectorIndex exact, HnswVectorIndex approximate, float[][] queries)
    {
        var hits = 0;
        foreach (var query in queries)
        {
            var truth = exact.Search(query, 10).Select(s => s.Key).ToHashSet();
            hits += approximate.Search(query, 10).Count(a => truth.Contains(a.Key));
        }
        return hits / (10.0 * queries.Length);
    }

    [Theory]
    [InlineData(VectorQuantization.F32)]
    [InlineData(VectorQuantization.F16)]
    [InlineData(VectorQuantization.I8)]
    public void Quantized_graphs_keep_recall_at_10_of_at_least_095_and_report_exact_scores(VectorQuantization quantization)
    {
        const int Dimension = 64;
        var (exact, vectors) = ExactOver(10_000, Dimension, seed: 11);
        using var _ = exact;
        using var graph = new HnswVectorIndex(Dimension, new HnswOptions { Quantization = quantization });
        graph.UpsertMany([.. Enumerable.Range(0, vectors.Length).Select(i => $"item{i}")], Flat(vectors));

        var queries = Clustered(200, Dimension, seed: 12);
        var recall = RecallAt10(exact, graph, queries);

        Assert.True(recall >= 0.95, $"recall@10 at {quantization} = {recall:F3}");
        // Candidates are ranked by the exact float vectors, whatever the graph stores.
        var top = graph.Search(queries[0], 10);
        Assert.All(top, hit => Assert.Equal(TensorPrimitives.Dot(queries[0], graph.GetVector(hit.Key)!), hit.Score, 1e-6f));
        Assert.Equal(top.OrderByDescending(h => h.Score).Select(h => h.Key), top.Select(h => h.Key));
    }

    [Fact]
    public void A_bulk_add_holds_what_single_adds_hold_and_a_repeated_key_keeps_its_last_vector()
    {
        var vectors = Clustered(3_000, 32, seed: 13);
        var keys = Enumerable.Range(0, vectors.Length).Select(i => $"item{i}").ToList();
        using var single = new HnswVectorIndex(32);
        using var bulk = new HnswVectorIndex(32);
        foreach (var (key, vector) in keys.Zip(vectors))
        {
            single.Upsert(key, vector);
        }
        // Twice over, in batches, the second pass replacing every vector with the same one: an update in place.
        for (var pass = 0; pass < 2; pass++)
        {
            for (var start = 0; start < keys.Count; start += 1000)
            {
                bulk.UpsertMany(keys.GetRange(start, 1000), Flat(vectors[start..(start + 1000)]));
            }
        }
        bulk.UpsertMany(["item7", "item7"], Flat([vectors[1], vectors[2]]));

        Assert.Equal(single.Count, bulk.Count);
        Assert.Equal(single.Keys().Order(), bulk.Keys().Order());
        Assert.Equal(vectors[2], bulk.GetVector("item7")!);
        // item2 and item7 hold the same vector now: equal scores, the smaller key first.
        Assert.Equal(["item2", "item7"], bulk.Search(vectors[2], 2).Select(h => h.Key));
        for (var i = 0; i < vectors.Length; i += 97)
        {
            if (i != 7)
            {
                Assert.Equal($"item{i}", bulk.Search(vectors[i], 1)[0].Key);
            }
        }
    }

    [Fact]
    public void A_bad_row_rejects_the_whole_batch()
    {
        using var index = new HnswVectorIndex(4);
        var rows = new float[] { 1, 0, 0, 0, 0, 1, 0, 0, float.NaN, 0, 0, 1 };

        Assert.Throws<ArgumentException>(() => index.UpsertMany(["a", "b", "c"], rows));
        Assert.Throws<ArgumentException>(() => index.UpsertMany(["a", "b"], rows));

        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Large_k_gets_k_answers_with_the_expansion_following_k()
    {
        var (exact, vectors) = ExactOver(5_000, 32, seed: 14);
        using var _ = exact;
        using var graph = new HnswVectorIndex(32, new HnswOptions { ExpansionSearch = 16, ExpansionPerK = 4 });
        graph.UpsertMany([.. Enumerable.Range(0, vectors.Length).Select(i => $"item{i}")], Flat(vectors));

        var result = graph.Search(vectors[0], 300);
        var truth = exact.Search(vectors[0], 300).Select(s => s.Key).ToHashSet();

        Assert.Equal(300, result.Length);
        Assert.True(result.Count(r => truth.Contains(r.Key)) >= 0.95 * 300, "a search for 300 keys searches with a beam of at least 1,200");
    }

    [Fact]
    public async Task Searches_run_during_a_bulk_add_and_see_every_key_added_before()
    {
        var vectors = Clustered(12_000, 32, seed: 15);
        using var index = new HnswVectorIndex(32);
        index.UpsertMany([.. Enumerable.Range(0, 2_000).Select(i => $"item{i}")], Flat(vectors[..2_000]));
        var adding = Task.Run(() =>
        {
            for (var start = 2_000; start < vectors.Length; start += 2_000)
            {
                index.UpsertMany([.. Enumerable.Range(start, 2_000).Select(i => $"item{i}")], Flat(vectors[start..(start + 2_000)]));
            }
        });
        var searches = 0;
        var misses = 0;
        Parallel.For(0, 8, worker =>
        {
            var random = new Random(worker);
            while (!adding.IsCompleted)
            {
                var q = random.Next(2_000);
                // HNSW is approximate (more so built on several threads): a self-query may miss now and then, not often.
                if (index.Search(vectors[q], 1)[0].Key != $"item{q}")
                {
                    Interlocked.Increment(ref misses);
                }
                Interlocked.Increment(ref searches);
            }
        });
        await adding;

        Assert.True(searches > 100, $"only {searches} searches ran during the bulk add");
        Assert.True(misses <= searches / 100, $"{misses} of {searches} self-queries missed");
        Assert.Equal(vectors.Length, index.Count);
    }

    [Fact]
    public void Many_identical_vectors_do_not_cut_the_graph_and_updates_rebuild_it()
    {
        var vectors = Clustered(3_000, 32, seed: 16);
        using var index = new HnswVectorIndex(32);
        index.UpsertMany([.. Enumerable.Range(0, vectors.Length).Select(i => $"item{i}")], Flat(vectors));
        var same = new float[32];
        same[5] = 1;
        // Two hundred copies of one vector, then every item moved twice (superseding its node each time).
        index.UpsertMany([.. Enumerable.Range(0, 200).Select(i => $"copy{i}")], Flat([.. Enumerable.Repeat(same, 200)]));
        for (var pass = 0; pass < 2; pass++)
        {
            var moved = vectors.Select(v => v.Select(x => -x).ToArray()).ToArray();
            vectors = pass == 0 ? moved : vectors.Select(v => v.Select(x => -x).ToArray()).ToArray();
            index.UpsertMany([.. Enumerable.Range(0, vectors.Length).Select(i => $"item{i}")], Flat(vectors));
        }

        Assert.Equal(3_200, index.Count);
        var misses = Enumerable.Range(0, vectors.Length).Count(i => index.Search(vectors[i], 1)[0].Key != $"item{i}");
        Assert.True(misses <= 3, $"{misses} of {vectors.Length} items did not find themselves");
        Assert.Equal(200, index.Search(same, 250).Count(h => h.Key.StartsWith("copy", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_disposed_graph_refuses_calls_instead_of_touching_freed_memory()
    {
        var index = new HnswVectorIndex(2);
        index.Upsert("a", [1, 0]);
        index.Dispose();

        Assert.Throws<ObjectDisposedException>(() => index.Search([1, 0], 1));
        Assert.Throws<ObjectDisposedException>(() => index.Upsert("b", [0, 1]));
        index.Dispose();
    }
}
