using Actors.Grains.Events;
using Actors.Grains.Items;
using Actors.Grains.Hosting;
using Actors.Grains.Popularity;
using Actors.Grains.Users;
using Actors.Model;
using Actors.Tests.Infrastructure;
using Actors.VectorIndex;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Events;

/// <summary>
/// A two-silo cluster serving a LEARN model (random weights) with the built-in event types and three custom ones:
/// <c>add-to-cart</c> (weight 3), <c>impression</c> (weight 0.5, not in the history) and <c>hover</c> (in the history,
/// not embedded).
/// </summary>
public sealed class EventTypeClusterFixture : ClusterFixture
{
    private readonly DirectoryInfo _artifact = Directory.CreateTempSubdirectory("actors-types-model-");

    public PreferenceModel Model { get; } = PreferenceModel.CreateRandom(
        new PreferenceModelConfig { ContentDimension = 384, Hidden = 32, Layers = 2, Heads = 2, FeedForward = 64, OutputDimension = 16, MaxLength = 50 },
        seed: 14);

    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Model:Path"] = _artifact.FullName;
        settings["Events:Types:view:Weight"] = "1";
        settings["Events:Types:click:Weight"] = "2";
        settings["Events:Types:purchase:Weight"] = "5";
        settings["Events:Types:add-to-cart:Weight"] = "3";
        settings["Events:Types:impression:Weight"] = "0.5";
        settings["Events:Types:impression:InHistory"] = "false";
        settings["Events:Types:hover:Embed"] = "false";
        return settings;
    }

    public override Task InitializeAsync()
    {
        Model.Save(_artifact.FullName);
        return base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _artifact.Delete(recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class EventTypeClusterCollectionDefinition : ICollectionFixture<EventTypeClusterFixture>
{
    public const string Name = "event type cluster";
}

/// <summary>Event types change the history, the embedding, popularity, transitions and the seen items as configured.</summary>
[Collection(EventTypeClusterCollectionDefinition.Name)]
public sealed class EventTypeTests(EventTypeClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    private static InteractionEvent Typed(string userId, string itemId, string? type) => Event(userId, itemId) with { Type = type };

    private T SiloService<T>(int silo) where T : notnull =>
        fixture.Cluster.GetSiloServiceProvider(fixture.Cluster.Silos[silo].SiloAddress).GetRequiredService<T>();

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], tolerance);
        }
    }

    /// <summary>A new item with a seeded item's content, imported without encoding: no other test's events count for it.</summary>
    private async Task<string> FreshItemAsync(int seeded)
    {
        var source = (await Client.GetGrain<IItemGrain>(fixture.Seeded[seeded].Id).GetEmbeddingsAsync())!;
        var id = Fresh("item");
        await Client.GetGrain<IItemMaintenance>(id).ImportAsync($"item {id}", source.Content, source.EncoderVersion);
        return id;
    }

    [Fact]
    public async Task A_type_not_in_the_history_is_applied_and_deduplicated_but_leaves_history_and_embedding_as_they_were()
    {
        var userId = Fresh("user");
        var user = Client.GetGrain<IUserGrain>(userId);
        var maintenance = Client.GetGrain<IUserMaintenance>(userId);
        await maintenance.ApplyAsync([Typed(userId, fixture.Seeded[0].Id, "view"), Typed(userId, fixture.Seeded[1].Id, "purchase")]);
        var before = await user.GetProfileAsync();

        var impression = Typed(userId, fixture.Seeded[2].Id, "impression");
        Assert.Equal(1, await maintenance.ApplyAsync([impression]));
        Assert.Equal(0, await maintenance.ApplyAsync([impression]));

        Assert.Equal([fixture.Seeded[0].Id, fixture.Seeded[1].Id], (await user.GetHistoryAsync()).Select(h => h.ItemId));
        var after = await user.GetProfileAsync();
        Assert.Equal(before.Embedding, after.Embedding);
        Assert.DoesNotContain(fixture.Seeded[2].Id, after.SeenItems);
    }

    [Fact]
    public async Task History_entries_keep_their_type_and_an_event_without_one_is_of_the_default_type()
    {
        var userId = Fresh("user");
        await Client.GetGrain<IUserMaintenance>(userId).ApplyAsync([Typed(userId, fixture.Seeded[3].Id, null), Typed(userId, fixture.Seeded[4].Id, "add-to-cart")]);

        var history = await Client.GetGrain<IUserGrain>(userId).GetHistoryAsync();

        Assert.Equal(["view", "add-to-cart"], history.Select(h => h.Type));
    }

    [Fact]
    public async Task An_event_of_an_unconfigured_type_on_the_stream_is_dropped()
    {
        var userId = Fresh("user");

        Assert.Equal(0, await Client.GetGrain<IUserMaintenance>(userId).ApplyAsync([Typed(userId, fixture.Seeded[5].Id, "like")]));

        Assert.Empty(await Client.GetGrain<IUserGrain>(userId).GetHistoryAsync());
    }

    [Fact]
    public async Task The_embedding_is_the_tower_over_the_embedded_entries_of_the_window_after_every_event_as_it_slides()
    {
        var userId = Fresh("user");
        var user = Client.GetGrain<IUserGrain>(userId);
        var maintenance = Client.GetGrain<IUserMaintenance>(userId);
        var random = new Random(14);
        string[] kinds = ["view", "hover", "purchase", "impression", "hover", "click"];
        var window = new List<(string Type, float[] Content, string ItemId)>();
        for (var n = 0; n < ClusterFixture.HistoryLength * 4; n++)
        {
            var item = fixture.Seeded[random.Next(fixture.Seeded.Count)];
            var type = kinds[random.Next(kinds.Length)];
            Assert.Equal(1, await maintenance.ApplyAsync([Typed(userId, item.Id, type)]));
            if (type != "impression")
            {
                window.Add((type, (await Client.GetGrain<IItemGrain>(item.Id).GetEmbeddingsAsync())!.Content, item.Id));
                if (window.Count > ClusterFixture.HistoryLength)
                {
                    window.RemoveAt(0);
                }
            }

            Assert.Equal(window.Select(w => w.ItemId), (await user.GetHistoryAsync()).Select(h => h.ItemId));
            var embedded = window.Where(w => w.Type != "hover").Select(w => w.Content).ToList();
            var profile = await user.GetProfileAsync();
            if (embedded.Count == 0)
            {
                Assert.Null(profile.Embedding);
                continue;
            }
            AssertClose(fixture.Model.UserEmbedding(embedded), profile.Embedding!, 1e-4f);
            AssertClose((await maintenance.RecomputeEmbeddingAsync())!, profile.Embedding!, 1e-4f);
        }
    }

    [Fact]
    public async Task Seen_by_type_lists_the_distinct_items_of_the_history_per_type()
    {
        var userId = Fresh("user");
        var (a, b, c, d, e) = (fixture.Seeded[10].Id, fixture.Seeded[11].Id, fixture.Seeded[12].Id, fixture.Seeded[13].Id, fixture.Seeded[14].Id);
        await Client.GetGrain<IUserMaintenance>(userId).ApplyAsync([
            Typed(userId, a, "view"), Typed(userId, b, "purchase"), Typed(userId, a, "view"), Typed(userId, c, "click"),
            Typed(userId, d, "impression"), Typed(userId, e, null), Typed(userId, b, "view"), Typed(userId, c, "hover")]);

        var seen = (await Client.GetGrain<IUserGrain>(userId).GetProfileAsync()).SeenByType!;

        Assert.Equal(["click", "hover", "purchase", "view"], seen.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([a, e, b], seen["view"]);
        Assert.Equal([b], seen["purchase"]);
        Assert.Equal([c], seen["click"]);
        Assert.Equal([c], seen["hover"]);
    }

    [Fact]
    public async Task A_purchase_counts_as_five_views_in_popularity()
    {
        var (bought, fourViews, sixViews, seen) = (await FreshItemAsync(20), await FreshItemAsync(21), await FreshItemAsync(22), await FreshItemAsync(23));
        var events = new List<InteractionEvent> { Typed(Fresh("buyer"), bought, "purchase") };
        events.AddRange(Enumerable.Range(0, 4).Select(_ => Typed(Fresh("viewer"), fourViews, "view")));
        events.AddRange(Enumerable.Range(0, 6).Select(_ => Typed(Fresh("viewer"), sixViews, null)));
        events.AddRange(Enumerable.Range(0, 2).Select(_ => Typed(Fresh("passer"), seen, "impression")));
        foreach (var evt in events)
        {
            Assert.Equal(1, await Client.GetGrain<IUserMaintenance>(evt.UserId).ApplyAsync([evt]));
        }

        var silos = Enumerable.Range(0, fixture.Cluster.Silos.Count).Select(SiloService<SiloPopularity>).ToArray();
        foreach (var silo in silos.Concat(silos))
        {
            await silo.FlushAsync();
        }

        var partitions = SiloService<IOptions<PopularityOptions>>(0).Value.Partitions;
        async Task<float> ScoreOf(string item) =>
            (await Client.GetGrain<IPopularityGrain>(Partitioner.ShardOf(item, partitions)).TopAsync(100_000)).Single(h => h.ItemId == item).Score;
        Assert.Equal(5, await ScoreOf(bought), 1e-3f);
        Assert.Equal(4, await ScoreOf(fourViews), 1e-3f);
        Assert.Equal(6, await ScoreOf(sixViews), 1e-3f);
        Assert.Equal(1, await ScoreOf(seen), 1e-3f);
        var order = silos[0].Top(1000, []).Select(h => h.ItemId).Where(new HashSet<string> { bought, fourViews, sixViews, seen }.Contains);
        Assert.Equal([sixViews, bought, fourViews, seen], order);
    }

    [Fact]
    public async Task Transitions_count_each_event_as_much_as_its_type_and_an_event_outside_the_history_is_no_source()
    {
        var (s, t, u, w) = (await FreshItemAsync(30), await FreshItemAsync(31), await FreshItemAsync(32), await FreshItemAsync(33));
        var userId = Fresh("user");
        var maintenance = Client.GetGrain<IUserMaintenance>(userId);
        // s → t (purchase: 5), t → u twice (impressions: 0.5 each), t → w (view: the impressions are not in the history).
        foreach (var evt in new[] { Typed(userId, s, "view"), Typed(userId, t, "purchase"), Typed(userId, u, "impression"), Typed(userId, u, "impression"), Typed(userId, w, "view") })
        {
            Assert.Equal(1, await maintenance.ApplyAsync([evt]));
        }

        var shards = SiloService<IOptions<TransitionOptions>>(0).Value.Shards;
        async Task<Dictionary<string, int>> SuccessorsOf(string source)
        {
            var row = (await Client.GetGrain<ITransitionGrain>(Partitioner.ShardOf(source, shards)).GetSuccessorsAsync([source])).Single();
            return row.Items.Zip(row.Counts).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        }
        static bool Same(Dictionary<string, int> expected, Dictionary<string, int> got) =>
            expected.Count == got.Count && expected.All(p => got.GetValueOrDefault(p.Key) == p.Value);

        Dictionary<string, int> fromS = new() { [t] = 5 }, fromT = new() { [u] = 1, [w] = 1 };
        Assert.Equal(fromS, await Eventually.MatchesAsync(() => SuccessorsOf(s), got => Same(fromS, got), $"{s} → {t} ×5"));
        Assert.Equal(fromT, await Eventually.MatchesAsync(() => SuccessorsOf(t), got => Same(fromT, got), $"{t} → {u} ×1 and {t} → {w} ×1"));
        Assert.Empty(await SuccessorsOf(u));
    }

    [Fact]
    public void The_defaults_are_view_click_and_purchase_weighted_1_2_and_5_all_in_the_history_and_embedded()
    {
        var options = new EventOptions();
        EventOptions.FillDefaults(options);
        var types = new EventTypes(Options.Create(options));

        Assert.Equal(["view", "click", "purchase"], types.Names);
        Assert.Equal("view", types.DefaultType);
        Assert.Equal([1d, 2d, 5d], types.Names.Select(n => types.Of(n).Weight));
        Assert.All(types.Names, n => Assert.True(types.Of(n) is { InHistory: true, Embed: true }));
        Assert.Equal("view", types.Resolve(null));
        Assert.Null(types.Resolve("View"));
        Assert.Same(types.Default, types.Of(null));
    }

    [Fact]
    public void The_cluster_reads_its_configured_types()
    {
        var types = SiloService<EventTypes>(1);

        string[] configured = ["add-to-cart", "click", "hover", "impression", "purchase", "view"];
        Assert.Equal(configured, types.Names.Order(StringComparer.Ordinal));
        Assert.Equal(3, types.Of("add-to-cart").Weight);
        Assert.False(types.Of("impression").InHistory);
        Assert.False(types.Of("hover").Embed);
        Assert.True(types.Of("hover").InHistory);
        Assert.Equal(0.5, types.Of("impression").Weight);
    }
}
