using System.Numerics.Tensors;
using Actors.Grains.Index;
using Actors.VectorIndex;

namespace Actors.Tests.Unit;

/// <summary>
/// One shard's filtered search over 6,000 items on the graph: filters that name a category or a tag start from its
/// posting list and are scored exactly; the others walk the graph with the filter applied, and fall back to scoring
/// every passing item when the walk finds fewer than k. Each is held against a brute-force filter of the shard.
/// </summary>
public sealed class ShardFilterTests : IDisposable
{
    private const int Items = 6_000;
    private const int Dimension = 32;

    private readonly ShardIndex _shard = new(0, 0, hnswThreshold: 0, new HnswOptions(), "test-model", filterExactLimit: 100);
    private readonly Dictionary<string, (float[] Vector, ItemAttributes Attributes)> _catalog = [];

    public ShardFilterTests()
    {
        var random = new Random(11);
        for (var i = 0; i < Items; i++)
        {
            var vector = Enumerable.Range(0, Dimension).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
            var attributes = new ItemAttributes(
                Category: ["Office", i % 4 == 0 ? "Chairs" : "Desks", $"Line {i % 3}"],
                Available: i % 5 != 0,
                Price: i,
                Tags: i % 300 == 0 ? ["rare"] : null);
            _catalog[$"item{i}"] = (vector, attributes);
        }
        var ids = _catalog.Keys.ToArray();
        _shard.UpsertMany(ids, ids.SelectMany(id => _catalog[id].Vector).ToArray(), Dimension, null, [.. ids.Select(id => (ItemAttributes?)_catalog[id].Attributes)]);
    }

    public static TheoryData<string> Filters() => ["chairs", "chairs-line", "rare", "available", "price-narrow", "nothing-passes"];

    private static ItemFilter FilterNamed(string name) => name switch
    {
        "chairs" => new ItemFilter(CategoryPrefix: ["Office", "Chairs"]),
        "chairs-line" => new ItemFilter(CategoryPrefix: ["Office", "Chairs", "Line 1"], AvailableOnly: true),
        "rare" => new ItemFilter(Tags: ["rare"]),
        "available" => new ItemFilter(AvailableOnly: true),
        // Twelve items, no posting list: the graph's walk finds few, and every passing item is scored.
        "price-narrow" => new ItemFilter(MinPrice: 100, MaxPrice: 111),
        "nothing-passes" => new ItemFilter(CategoryPrefix: ["Garden"]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public void Every_answer_passes_the_filter_holds_k_items_when_k_pass_and_matches_the_brute_force_filter(string name)
    {
        var filter = FilterNamed(name);
        var random = new Random(name.Length);
        var found = 0;
        var expectedTotal = 0;
        for (var q = 0; q < 40; q++)
        {
            var query = _catalog[$"item{random.Next(Items)}"].Vector;
            var exclude = new HashSet<string> { "item0", "item4", "item300" };
            var expected = BruteForce(query, filter, exclude, 10);
            var answer = _shard.Search(query, 10, exclude, filter);
            Assert.All(answer, hit => Assert.True(filter.Matches(_catalog[hit.Key].Attributes) && !exclude.Contains(hit.Key), $"{hit.Key} is outside the filter"));
            Assert.Equal(expected.Length, answer.Length);
            found += answer.Count(a => expected.Contains(a.Key));
            expectedTotal += expected.Length;
        }
        // The exact paths (posting lists, the fallback) give the brute-force answer; the graph's walk nearly so.
        Assert.True(expectedTotal == 0 || found >= 0.95 * expectedTotal, $"{found} of {expectedTotal} brute-force answers found");
    }

    [Fact]
    public void An_item_moved_to_another_category_or_removed_leaves_the_old_posting_list()
    {
        var chairs = new ItemFilter(CategoryPrefix: ["Office", "Chairs"], Tags: ["rare"]);
        var query = _catalog["item0"].Vector;
        Assert.Contains("item0", _shard.Search(query, 30, null, chairs).Select(h => h.Key));

        _shard.Upsert("item0", query, null, new ItemAttributes(Category: ["Office", "Desks"], Tags: ["rare"]));
        Assert.DoesNotContain("item0", _shard.Search(query, 30, null, chairs).Select(h => h.Key));
        Assert.Contains("item0", _shard.Search(query, 30, null, new ItemFilter(CategoryPrefix: ["Office", "Desks"], Tags: ["rare"])).Select(h => h.Key));

        _shard.Remove("item0");
        Assert.DoesNotContain("item0", _shard.Search(query, 30, null, new ItemFilter(Tags: ["rare"])).Select(h => h.Key));
    }

    private string[] BruteForce(float[] query, ItemFilter filter, HashSet<string> exclude, int k) =>
        [.. _catalog.Where(p => !exclude.Contains(p.Key) && filter.Matches(p.Value.Attributes))
            .Select(p => (p.Key, Score: TensorPrimitives.Dot(query, p.Value.Vector)))
            .OrderByDescending(p => p.Score).Take(k).Select(p => p.Key)];

    public void Dispose() => _shard.Dispose();
}
