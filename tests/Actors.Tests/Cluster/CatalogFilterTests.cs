using System.Numerics.Tensors;
using Actors.Dataset;
using Actors.Grains.Users;
using Actors.Tests.Infrastructure;
using Orleans.TestingHost;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Cluster;

/// <summary>
/// Catalog rules on a real two-silo cluster with the real encoder: filtered recommendations and similar items are exactly
/// what a brute-force filter of the whole catalog gives (including filters that keep under 1 % of the items, and through
/// the graph's widening search as well as the exact scan), a deleted item is in no answer until it is written again.
/// </summary>
public sealed class CatalogFilterTests(CatalogClusters clusters) : IClassFixture<CatalogClusters>
{
    private const int CatalogItems = CatalogClusters.CatalogItems;

    private readonly CatalogItem[] _items = clusters.Items;
    private readonly Dictionary<string, ItemAttributes> _attributes = clusters.Attributes;
    private readonly InProcessTestCluster _exact = clusters.Exact;
    private readonly InProcessTestCluster _graph = clusters.Graph;

    public static TheoryData<string, bool> Filters() => new()
    {
        { "category", false }, { "category", true },
        { "available", false }, { "available", true },
        { "price", false }, { "price", true },
        { "tags", false }, { "tags", true },
        { "rare", false }, { "rare", true },
        { "combined", false }, { "combined", true },
        { "exclude", false }, { "exclude", true },
        { "nothing", false }, { "nothing", true },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Filtered_recommendations_and_similar_items_are_exactly_the_brute_force_filter_of_the_catalog(string name, bool graph)
    {
        var client = (graph ? _graph : _exact).Client;
        var filter = FilterNamed(name);
        var catalog = await CatalogAsync(client);
        var random = new Random(name.GetHashCode(StringComparison.Ordinal) & 0xFFFF);
        for (var u = 0; u < 4; u++)
        {
            var user = Fresh("user");
            var history = Enumerable.Range(0, 5).Select(_ => _items[random.Next(CatalogItems)].Id).ToArray();
            await client.GetGrain<IUserMaintenance>(user).ApplyAsync([.. history.Select(id => Event(user, id))]);
            var profile = await client.GetGrain<IUserGrain>(user).GetProfileAsync();
            foreach (var k in new[] { 1, 10, 60 })
            {
                var answer = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(user, k, new RecommendOptions(filter));
                var expected = BruteForce(catalog, profile.Embedding!, filter, [.. history], k);
                Assert.False(answer.Partial);
                Assert.Equal(expected.Select(e => e.Id), answer.Items.Select(i => i.ItemId));
                Assert.All(answer.Items.Zip(expected), p => Assert.Equal(p.Second.Score, p.First.Score, 1e-4f));
            }
        }
        var probe = _items[11].Id;
        var similar = await client.GetGrain<IRetrievalGrain>(0).SimilarAsync(probe, 25, filter);
        Assert.Equal(BruteForce(catalog, catalog[probe], filter, [probe], 25).Select(e => e.Id), similar!.Items.Select(i => i.ItemId));
    }

    [Fact]
    public async Task Leaving_out_what_the_user_bought_and_what_they_viewed_are_separate_options()
    {
        var client = _exact.Client;
        var user = Fresh("user");
        string viewed = _items[30].Id, bought = _items[31].Id;
        await client.GetGrain<IUserMaintenance>(user).ApplyAsync(
            [Event(user, viewed) with { Type = "view" }, Event(user, bought) with { Type = "purchase" }]);
        var retrieval = client.GetGrain<IRetrievalGrain>(0);
        async Task<string[]> AllAsync(string[]? types) =>
            [.. (await retrieval.RecommendAsync(user, CatalogItems, new RecommendOptions(ExcludeTypes: types))).Items.Select(i => i.ItemId)];

        var noPurchases = await AllAsync(["purchase"]);
        Assert.DoesNotContain(bought, noPurchases);
        Assert.Contains(viewed, noPurchases);
        var noViews = await AllAsync(["view"]);
        Assert.DoesNotContain(viewed, noViews);
        Assert.Contains(bought, noViews);
        var nothingLeftOut = await AllAsync([]);
        Assert.Contains(viewed, nothingLeftOut);
        Assert.Contains(bought, nothingLeftOut);
        var history = await AllAsync(null);
        Assert.DoesNotContain(viewed, history);
        Assert.DoesNotContain(bought, history);
    }

    [Fact]
    public async Task Every_recommended_item_says_which_history_item_it_is_closest_to()
    {
        var client = _exact.Client;
        var catalog = await CatalogAsync(client);
        var user = Fresh("user");
        var history = new[] { _items[20].Id, _items[90].Id, _items[150].Id };
        await client.GetGrain<IUserMaintenance>(user).ApplyAsync([.. history.Select(id => Event(user, id))]);

        var answer = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(user, 15);
        Assert.Equal(15, answer.Items.Length);
        foreach (var item in answer.Items)
        {
            var closest = history.MaxBy(h => TensorPrimitives.Dot(catalog[item.ItemId], catalog[h]));
            Assert.Equal(closest, item.Because);
            Assert.Equal(_items.Single(i => i.Id == closest).Text, item.BecauseText);
        }
        // Without reasons: the same answer, no item naming one (the silos send no embeddings with their hits).
        var plain = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(user, 15, new RecommendOptions(Reasons: false));
        Assert.Equal(answer.Items.Select(i => (i.ItemId, i.Score)), plain.Items.Select(i => (i.ItemId, i.Score)));
        Assert.All(plain.Items, i => Assert.Null(i.Because));
        // The popularity list of a user without history has no history to point at.
        Assert.All((await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(Fresh("stranger"), 5)).Items, i => Assert.Null(i.Because));
    }

    [Fact]
    public async Task A_filter_that_keeps_one_item_returns_that_item_and_a_new_user_gets_k_passing_items()
    {
        var client = _exact.Client;
        var user = Fresh("user");
        await client.GetGrain<IUserMaintenance>(user).ApplyAsync([Event(user, _items[0].Id)]);
        var one = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(user, 10, new RecommendOptions(new ItemFilter(Tags: ["rare"])));
        Assert.Equal([_items[7].Id], one.Items.Select(i => i.ItemId));

        // No history: the cold-start list, filtered, still k long.
        var office = new ItemFilter(CategoryPrefix: ["Office"], AvailableOnly: true);
        var cold = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(Fresh("stranger"), 12, new RecommendOptions(office));
        Assert.Equal("popularity", cold.Source);
        Assert.Equal(12, cold.Items.Length);
        Assert.All(cold.Items, i => Assert.True(office.Matches(_attributes[i.ItemId]), i.ItemId));
        Assert.Equal(12, cold.Items.Select(i => i.ItemId).Distinct().Count());
    }

    [Fact]
    public async Task A_deleted_item_is_in_no_answer_its_history_entries_stay_and_writing_it_again_brings_it_back()
    {
        var client = _exact.Client;
        var user = Fresh("user");
        var history = new[] { _items[1].Id, _items[2].Id, _items[3].Id };
        await client.GetGrain<IUserMaintenance>(user).ApplyAsync([.. history.Select(id => Event(user, id))]);
        var retrieval = client.GetGrain<IRetrievalGrain>(0);
        var top = (await retrieval.RecommendAsync(user, 5)).Items[0].ItemId;
        var probe = (await retrieval.SimilarAsync(top, 1))!.Items[0].ItemId;
        var item = client.GetGrain<IItemGrain>(top);

        Assert.True(await item.DeleteAsync());
        Assert.False(await item.DeleteAsync());
        Assert.Null(await item.GetAsync());
        Assert.Null(await retrieval.SimilarAsync(top, 5));
        Assert.DoesNotContain(top, (await retrieval.RecommendAsync(user, CatalogItems)).Items.Select(i => i.ItemId));
        Assert.DoesNotContain(top, (await retrieval.SimilarAsync(probe, CatalogItems))!.Items.Select(i => i.ItemId));
        Assert.DoesNotContain(top, (await retrieval.RecommendAsync(Fresh("stranger"), CatalogItems)).Items.Select(i => i.ItemId));
        Assert.Equal(history, (await client.GetGrain<IUserGrain>(user).GetHistoryAsync()).Select(h => h.ItemId));

        var original = _items.Single(i => i.Id == top);
        var back = await item.UpsertAsync(original.Text, _attributes[top]);
        Assert.Equal(original.Text, back.Text);
        Assert.Equal(top, (await retrieval.RecommendAsync(user, 5)).Items[0].ItemId);
        Assert.Contains(top, (await retrieval.SimilarAsync(probe, CatalogItems))!.Items.Select(i => i.ItemId));
    }

    [Fact]
    public async Task An_item_written_without_a_text_is_encoded_from_its_title_category_and_brand()
    {
        var client = _exact.Client;
        var id = Fresh("item");
        var twin = Fresh("item");
        try
        {
            await WrittenFromAttributesAsync(client, id, twin);
        }
        finally
        {
            // The other tests compare answers with the 200 sample items.
            await client.GetGrain<IItemGrain>(id).DeleteAsync();
            await client.GetGrain<IItemGrain>(twin).DeleteAsync();
        }
    }

    private static async Task WrittenFromAttributesAsync(IClusterClient client, string id, string twin)
    {
        var attributes = new ItemAttributes("Steel office chair", ["Office", "Chairs"], "Acme", Price: 120, Tags: ["steel"]);
        var written = await client.GetGrain<IItemGrain>(id).UpsertAsync(null, attributes);
        Assert.Equal("Steel office chair. Office Chairs. Acme.", written.Text);
        var read = (await client.GetGrain<IItemGrain>(id).GetAsync())!;
        Assert.Equal(attributes.Category, read.Attributes!.Category);
        Assert.Equal(120, read.Attributes.Price);

        // The same embedding as the text written out: the sample's texts were built the same way.
        await client.GetGrain<IItemGrain>(twin).UpsertAsync(written.Text);
        var a = (await client.GetGrain<IItemGrain>(id).GetEmbeddingsAsync())!.Content;
        var b = (await client.GetGrain<IItemGrain>(twin).GetEmbeddingsAsync())!.Content;
        Assert.Equal(a, b);
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetGrain<IItemGrain>(Fresh("item")).UpsertAsync(null, new ItemAttributes(Brand: "no title")));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetGrain<IItemGrain>(Fresh("item")).UpsertAsync("text", new ItemAttributes(Price: -1)));
    }

    private ItemFilter? FilterNamed(string name) => name switch
    {
        "category" => new ItemFilter(CategoryPrefix: ["Industrial & Scientific", "3D Printing"]),
        "available" => new ItemFilter(AvailableOnly: true),
        "price" => new ItemFilter(MinPrice: 5, MaxPrice: 12.5),
        "tags" => new ItemFilter(Tags: ["blue"]),
        "rare" => new ItemFilter(Tags: ["rare", "red"]),
        "combined" => new ItemFilter(["Industrial & Scientific"], AvailableOnly: true, MaxPrice: 30, Tags: ["red"], Exclude: [_items[4].Id, _items[8].Id]),
        "exclude" => new ItemFilter(Exclude: [.. _items.Take(50).Select(i => i.Id)]),
        _ => null,
    };

    private static async Task<Dictionary<string, float[]>> CatalogAsync(IClusterClient client)
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 3).Select(n => client.GetGrain<IIndexShardGrain>(n).CountAsync()));
        Assert.Equal(CatalogItems, ids.Sum());
        var all = UniSRecDataset.Load(RepositoryPaths.Scientific).Items.Take(CatalogItems);
        var embeddings = await Task.WhenAll(all.Select(i => client.GetGrain<IItemGrain>(i.Id).GetEmbeddingsAsync()));
        return embeddings.ToDictionary(e => e!.ItemId, e => e!.Item);
    }

    /// <summary>Every item of the catalog that passes the filter and is not excluded, ranked by the dot product: the top <paramref name="k"/>.</summary>
    private (string Id, float Score)[] BruteForce(Dictionary<string, float[]> catalog, float[] query, ItemFilter? filter, string[] exclude, int k)
    {
        var excluded = exclude.Concat(filter?.Exclude ?? []).ToHashSet();
        return [.. catalog.Where(c => !excluded.Contains(c.Key) && (filter is null || filter.Matches(_attributes[c.Key])))
            .Select(c => (c.Key, TensorPrimitives.Dot(query, c.Value)))
            .OrderByDescending(c => c.Item2).ThenBy(c => c.Key, StringComparer.Ordinal).Take(k)];
    }
}

/// <summary>
/// Two clusters with the same 200 sample items and synthetic attributes (four category paths, five brands, a third
/// unavailable, prices 0..39, one item alone tagged "rare"), shared by the catalog tests.
/// </summary>
public sealed class CatalogClusters : IAsyncLifetime
{
    public const int CatalogItems = 200;

    private static readonly string[][] Categories =
    [
        ["Industrial & Scientific", "3D Printing"],
        ["Industrial & Scientific", "3D Printing", "Filament"],
        ["Industrial & Scientific", "Lab"],
        ["Office", "Chairs"],
    ];

    private InProcessTestCluster? _exact;
    private InProcessTestCluster? _graph;

    public CatalogItem[] Items { get; } = UniSRecDataset.Load(RepositoryPaths.Scientific).Items.Take(CatalogItems).ToArray();

    public Dictionary<string, ItemAttributes> Attributes { get; } = [];

    /// <summary>Shards search exactly while small; filters that keep few items are scanned.</summary>
    public InProcessTestCluster Exact => _exact!;

    /// <summary>The graph from the first item, and every filter through its widening search instead of the exact scan.</summary>
    public InProcessTestCluster Graph => _graph!;

    public async Task InitializeAsync()
    {
        for (var i = 0; i < Items.Length; i++)
        {
            // Item 7 alone has the tag "rare" (0.5 % of the catalog).
            Attributes[Items[i].Id] = new ItemAttributes(
                Category: Categories[i % Categories.Length],
                Brand: $"brand-{i % 5}",
                Available: i % 3 != 0,
                Price: i % 40,
                Tags: i == 7 ? ["rare", "red"] : i % 2 == 0 ? ["red"] : ["blue"]);
        }
        var settings = new Dictionary<string, string?>
        {
            ["Index:Shards"] = "3",
            ["Users:HistoryLength"] = "8",
            ["Orleans:TrustExternalClients"] = "true",
        };
        _exact = await TestClusters.StartAsync(2, settings);
        _graph = await TestClusters.StartAsync(2, new Dictionary<string, string?>(settings) { ["Index:HnswThreshold"] = "0", ["Index:FilterExactLimit"] = "0" });
        foreach (var cluster in new[] { _exact, _graph })
        {
            await Parallel.ForEachAsync(Items, new ParallelOptions { MaxDegreeOfParallelism = 32 },
                async (item, ct) => await cluster.Client.GetGrain<IItemGrain>(item.Id).UpsertAsync(item.Text, Attributes[item.Id], ct));
        }
    }

    public async Task DisposeAsync()
    {
        await TestClusters.StopAsync(_exact);
        await TestClusters.StopAsync(_graph);
    }
}
