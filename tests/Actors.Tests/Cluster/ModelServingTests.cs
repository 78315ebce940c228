using System.Numerics.Tensors;
using Actors.Grains.Model;
using Actors.Grains.Users;
using Microsoft.Extensions.DependencyInjection;
using Actors.Ingest;
using Actors.Tests.Infrastructure;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Cluster;

/// <summary>A cluster serving a trained-model artifact: item and user towers in the grains, incremental user updates.</summary>
[Collection(ModelClusterCollectionDefinition.Name)]
public sealed class ModelServingTests(ModelClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], tolerance);
        }
    }

    [Fact]
    public async Task Item_embeddings_are_the_item_tower_over_the_content_embedding_with_the_model_version()
    {
        var item = fixture.Seeded[12];
        var embeddings = await Client.GetGrain<IItemGrain>(item.Id).GetEmbeddingsAsync();

        Assert.NotNull(embeddings);
        Assert.Equal(fixture.Model.Version, embeddings.ModelVersion);
        Assert.Equal(384, embeddings.Content.Length);
        AssertClose(fixture.Model.ItemEmbedding(embeddings.Content), embeddings.Item, 1e-6f);
    }

    [Fact]
    public async Task The_user_embedding_is_the_user_tower_over_the_window_after_every_event()
    {
        var userId = Fresh("user");
        var user = Client.GetGrain<IUserGrain>(userId);
        var maintenance = Client.GetGrain<IUserMaintenance>(userId);
        var random = new Random(9);
        var window = new List<float[]>();
        for (var n = 0; n < ClusterFixture.HistoryLength * 2 + 3; n++)
        {
            var item = fixture.Seeded[random.Next(fixture.Seeded.Count)];
            await maintenance.ApplyAsync([Event(userId, item.Id)]);
            window.Add((await Client.GetGrain<IItemGrain>(item.Id).GetEmbeddingsAsync())!.Content);
            if (window.Count > ClusterFixture.HistoryLength)
            {
                window.RemoveAt(0);
            }

            var profile = await user.GetProfileAsync();
            Assert.Equal(fixture.Model.Version, profile.ModelVersion);
            AssertClose(fixture.Model.UserEmbedding(window), profile.Embedding!, 1e-4f);
            AssertClose((await maintenance.RecomputeEmbeddingAsync())!, profile.Embedding!, 1e-4f);
        }
    }

    [Fact]
    public async Task Steps_of_concurrent_users_run_batched_and_each_embedding_is_the_tower_over_its_window()
    {
        var batchers = fixture.Cluster.Silos.Select(s => fixture.Cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<ServingModel>()).ToArray();
        long Steps() => batchers.Sum(m => m.Batcher?.Steps ?? 0);
        long Passes() => batchers.Sum(m => m.Batcher?.Passes ?? 0);
        var (stepsBefore, passesBefore) = (Steps(), Passes());

        const int Users = 48;
        var events = ClusterFixture.HistoryLength + 4;
        var random = new Random(21);
        var userIds = Enumerable.Range(0, Users).Select(_ => Fresh("user")).ToArray();
        var items = userIds.Select(_ => Enumerable.Range(0, events).Select(_ => fixture.Seeded[random.Next(fixture.Seeded.Count)].Id).ToArray()).ToArray();
        // Every user's events one call at a time, all users at once: their steps meet in the silos' batchers.
        await Task.WhenAll(userIds.Select(async (userId, u) =>
        {
            var user = Client.GetGrain<IUserMaintenance>(userId);
            foreach (var itemId in items[u])
            {
                await user.ApplyAsync([Event(userId, itemId)]);
            }
        }));

        var contents = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var itemId in items.SelectMany(i => i).Distinct())
        {
            contents[itemId] = (await Client.GetGrain<IItemGrain>(itemId).GetEmbeddingsAsync())!.Content;
        }
        for (var u = 0; u < Users; u++)
        {
            var window = items[u].TakeLast(ClusterFixture.HistoryLength).ToArray();
            var expected = fixture.Model.UserEmbedding(window.Select(i => contents[i]).ToArray(), window);
            AssertClose(expected, (await Client.GetGrain<IUserGrain>(userIds[u]).GetProfileAsync()).Embedding!, 1e-5f);
        }
        var (steps, passes) = (Steps() - stepsBefore, Passes() - passesBefore);
        Assert.Equal(Users * events, steps);
        Assert.True(passes < steps, $"no two of the {steps} steps ran together");
    }

    [Fact]
    public async Task Recommendations_rank_items_by_user_and_item_tower_similarity()
    {
        var userId = Fresh("user");
        var history = fixture.Seeded.Skip(60).Take(4).Select(i => i.Id).ToArray();
        await new EventPublisher(Client).PublishAsync(history.Select(i => Event(userId, i)).ToArray());
        await Eventually.MatchesAsync(() => Client.GetGrain<IUserGrain>(userId).GetHistoryAsync(), h => h.Length == 4, "4 events in the history");

        var result = await Client.GetGrain<IRetrievalGrain>(0).RecommendAsync(userId, 10);
        var profile = await Client.GetGrain<IUserGrain>(userId).GetProfileAsync();

        Assert.Equal("embedding", result.Source);
        Assert.Equal(10, result.Items.Length);
        Assert.Empty(result.Items.Select(i => i.ItemId).Intersect(history));
        foreach (var recommended in result.Items)
        {
            var item = (await Client.GetGrain<IItemGrain>(recommended.ItemId).GetEmbeddingsAsync())!.Item;
            Assert.Equal(TensorPrimitives.Dot(profile.Embedding!, item), recommended.Score, 1e-5f);
        }
    }
}
