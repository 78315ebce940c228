using Actors.Grains.Hosting;
using Actors.Grains.Users;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Actors.Tests.Events;

/// <summary>A one-silo cluster whose user state goes through a <see cref="FaultInjectingStorage"/> over the memory provider.</summary>
public sealed class FaultyStorageCluster : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    public StorageFaults Storage { get; } = new();

    public IClusterClient Client => _cluster!.Client;

    public IReadOnlyList<Actors.Dataset.CatalogItem> Seeded { get; } = Actors.Dataset.UniSRecDataset.Load(RepositoryPaths.Scientific).Items.Take(12).ToArray();

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?> { ["Users:HistoryLength"] = "4", ["Users:RememberedEventIds"] = "10", ["Orleans:TrustExternalClients"] = "true" };
        _cluster = await TestClusters.StartAsync(1, settings, silo =>
        {
            silo.AddMemoryGrainStorage("actors-unfaulted");
            // Registered last, so the grains' "actors" storage is the injector over a real memory provider.
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Actors, (sp, _) =>
                new FaultInjectingStorage(sp.GetRequiredKeyedService<IGrainStorage>("actors-unfaulted"), Storage));
        });
        await Parallel.ForEachAsync(Seeded, async (item, ct) => await Client.GetGrain<IItemGrain>(item.Id).UpsertAsync(item.Text, ct));
    }

    public Task DisposeAsync() => TestClusters.StopAsync(_cluster);
}

/// <summary>
/// A storage failure in the middle of an event batch: nothing of the batch is seen in memory ahead of storage, during
/// the write or after it failed, and the redelivered batch is applied, not skipped as already seen.
/// </summary>
public sealed class BatchFailureTests(FaultyStorageCluster cluster) : IClassFixture<FaultyStorageCluster>
{
    private static InteractionEvent Event(string userId, string itemId, int n) => new($"{userId}:e{n}", userId, itemId, DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_failed_write_leaves_nothing_of_the_batch_in_memory_and_the_retry_applies_it()
    {
        var userId = $"u-{Guid.NewGuid():N}";
        var user = cluster.Client.GetGrain<IUserGrain>(userId);
        var maintenance = cluster.Client.GetGrain<IUserMaintenance>(userId);
        var first = new[] { Event(userId, cluster.Seeded[0].Id, 0), Event(userId, cluster.Seeded[1].Id, 1) };
        Assert.Equal(2, await maintenance.ApplyAsync(first));
        var stored = await user.GetHistoryAsync();
        var embedding = (await user.GetProfileAsync()).Embedding;

        var batch = new[] { Event(userId, cluster.Seeded[2].Id, 2), Event(userId, cluster.Seeded[3].Id, 3), Event(userId, cluster.Seeded[4].Id, 4) };
        cluster.Storage.Target = user.GetGrainId();
        cluster.Storage.HoldNextFailure();
        cluster.Storage.FailWrites = true;
        try
        {
            var applying = maintenance.ApplyAsync(batch);
            await cluster.Storage.WriteStarted.WaitAsync(TimeSpan.FromSeconds(10));

            // While the write is under way (reads interleave): the stored history and its embedding, nothing of the batch.
            Assert.Equal(stored, await user.GetHistoryAsync());
            Assert.Equal(embedding, (await user.GetProfileAsync()).Embedding);

            cluster.Storage.Release();
            await Assert.ThrowsAnyAsync<Exception>(() => applying);
            Assert.Equal(stored, await user.GetHistoryAsync());
            Assert.Equal(embedding, (await user.GetProfileAsync()).Embedding);
        }
        finally
        {
            cluster.Storage.FailWrites = false;
            cluster.Storage.Release();
        }

        // The redelivery is applied whole: no id of the failed batch was kept as seen.
        Assert.Equal(3, await maintenance.ApplyAsync(batch));
        var history = await user.GetHistoryAsync();
        Assert.Equal([.. first.Skip(1).Select(e => e.EventId), .. batch.Select(e => e.EventId)], history.Select(h => h.EventId));
        // The tower matches the history it now holds.
        var profile = await user.GetProfileAsync();
        var recomputed = await maintenance.RecomputeEmbeddingAsync();
        Assert.NotNull(profile.Embedding);
        Assert.Equal(recomputed!, profile.Embedding!, (a, b) => Math.Abs(a - b) < 1e-5f);
        // And the first event, slid out of the four-long window, is still recognised.
        Assert.Equal(0, await maintenance.ApplyAsync([first[0]]));
    }
}
