using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Actors.Dataset;
using Actors.Grains.Index;
using Actors.Grains.Users;
using Actors.Model;
using Actors.Tests.Infrastructure;
using Orleans.TestingHost;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Cluster;

/// <summary>
/// Model versions, live, on a real two-silo cluster with the real encoder: a second model uploaded and activated while
/// events, queries and item writes flow (no failed answer, every answer exactly the brute-force top-k of the one version
/// it names), a rollback, and an experiment of two arms. Each test starts its own cluster: they change what serves.
/// </summary>
public sealed class ModelRegistryTests : IAsyncLifetime
{
    private const int CatalogItems = 120;
    private const int K = 5;

    private static readonly PreferenceModelConfig Config = new()
    {
        ContentDimension = 384, Hidden = 32, Layers = 2, Heads = 2, FeedForward = 64, OutputDimension = 16, MaxLength = 50,
    };

    private readonly DirectoryInfo _configured = Directory.CreateTempSubdirectory("actors-registry-a-");
    private readonly DirectoryInfo _uploaded = Directory.CreateTempSubdirectory("actors-registry-b-");
    private readonly PreferenceModel _a = PreferenceModel.CreateRandom(Config, seed: 42);
    private readonly PreferenceModel _b = PreferenceModel.CreateRandom(Config, seed: 7);
    private readonly IReadOnlyList<CatalogItem> _items = UniSRecDataset.Load(RepositoryPaths.Scientific).Items;
    private InProcessTestCluster? _cluster;

    private IClusterClient Client => _cluster!.Client;

    private IModelRegistryGrain Registry => Client.GetGrain<IModelRegistryGrain>(0);

    public async Task InitializeAsync()
    {
        _a.Save(_configured.FullName);
        _b.Save(_uploaded.FullName);
        _cluster = await TestClusters.StartAsync(2, new Dictionary<string, string?>
        {
            ["Model:Path"] = _configured.FullName,
            ["Model:RoutingRefresh"] = "00:00:00.200",
            ["Model:BuildDelay"] = "00:00:01",
            ["Model:BuildPoll"] = "00:00:00.200",
            ["Index:Shards"] = "3",
            ["Users:HistoryLength"] = "8",
            ["Experiments:FlushInterval"] = "00:00:00.200",
            ["Orleans:TrustExternalClients"] = "true",
        });
        await Parallel.ForEachAsync(_items.Take(CatalogItems), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (item, ct) => await Client.GetGrain<IItemGrain>(item.Id).UpsertAsync(item.Text, ct));
    }

    public async Task DisposeAsync()
    {
        await TestClusters.StopAsync(_cluster);
        _configured.Delete(recursive: true);
        _uploaded.Delete(recursive: true);
    }

    [Fact]
    public async Task A_second_model_activated_under_load_switches_with_no_failed_and_no_mixed_answer()
    {
        var quiet = await UsersWithHistoriesAsync(12, seed: 1);
        var busy = await UsersWithHistoriesAsync(6, seed: 2);
        var uploaded = await Registry.UploadAsync(Upload(_uploaded));
        Assert.Equal(_b.Version, uploaded.Version);
        Assert.Equal(ModelStatus.Uploaded, uploaded.Status);
        Assert.Equal(_a.Version, (await Registry.ListAsync()).Serving);

        // Queries of users whose histories stay put, events of others and new items, all while the version switches.
        using var stop = new CancellationTokenSource();
        var answers = new ConcurrentQueue<(string User, Recommendations Answer)>();
        var failures = new ConcurrentBag<Exception>();
        var queries = Task.WhenAll(Enumerable.Range(0, 3).Select(async worker =>
        {
            var random = new Random(worker);
            while (!stop.IsCancellationRequested)
            {
                var user = quiet[random.Next(quiet.Length)];
                try
                {
                    answers.Enqueue((user, await Client.GetGrain<IRetrievalGrain>(0).RecommendAsync(user, K)));
                }
                catch (Exception ex)
                {
                    failures.Add(ex);
                }
            }
        }));
        var writes = Task.Run(async () =>
        {
            var random = new Random(3);
            var next = CatalogItems;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var user = busy[random.Next(busy.Length)];
                    await Client.GetGrain<IUserMaintenance>(user).ApplyAsync([Event(user, _items[random.Next(CatalogItems)].Id)]);
                    if (next < CatalogItems + 10)
                    {
                        await Client.GetGrain<IItemGrain>(_items[next].Id).UpsertAsync(_items[next].Text);
                        next++;
                    }
                }
                catch (Exception ex)
                {
                    failures.Add(ex);
                }
                await Task.Delay(20);
            }
        });

        await Task.Delay(500);
        var activating = await Registry.ActivateAsync(_b.Version);
        Assert.Equal(ModelStatus.Building, activating.Status);
        await Eventually.TrueAsync(async () => (await Registry.ListAsync()).Serving == _b.Version, TimeSpan.FromSeconds(90), "the uploaded version serves");
        // Every silo reads the switch within a refresh; then only the new version answers.
        await Task.Delay(1500);
        var switchedAt = answers.Count;
        await Task.Delay(1000);
        await stop.CancelAsync();
        await Task.WhenAll(queries, writes);

        Assert.Empty(failures);
        var all = answers.ToArray();
        Assert.Contains(all, a => a.Answer.ModelVersion == _a.Version);
        Assert.Contains(all, a => a.Answer.ModelVersion == _b.Version);
        Assert.All(all.Skip(switchedAt), a => Assert.Equal(_b.Version, a.Answer.ModelVersion));
        Assert.All(all, a => Assert.False(a.Answer.Partial));

        // Each answer is exactly the top-k of the version it names, over the whole catalog (no other version's score in
        // it): every score is that version's dot product, and the items are its brute-force top-k over the catalog as it
        // was (the items written during the run are left out of the expectation unless the answer holds them).
        var catalog = await CatalogAsync(CatalogItems + 10);
        var written = _items.Skip(CatalogItems).Take(10).Select(i => i.Id).ToHashSet();
        var rankings = new Dictionary<(string User, string Version), (string Id, float Score)[]>();
        foreach (var user in quiet)
        {
            foreach (var model in new[] { _a, _b })
            {
                rankings[(user, model.Version)] = await RankingAsync(user, model, catalog);
            }
        }
        foreach (var (user, answer) in all)
        {
            var ranking = rankings[(user, answer.ModelVersion!)];
            var held = answer.Items.Select(i => i.ItemId).ToHashSet();
            var expected = ranking.Where(r => !written.Contains(r.Id) || held.Contains(r.Id)).Take(K).ToArray();
            Assert.Equal(expected.Select(e => e.Id), answer.Items.Select(i => i.ItemId));
            Assert.All(answer.Items.Zip(expected), pair => Assert.Equal(pair.Second.Score, pair.First.Score, 1e-4f));
        }

        // The new index holds every item, the ones written during the build too.
        var view = await Registry.ListAsync();
        var serving = view.Versions.Single(v => v.Version == _b.Version);
        var counts = await Task.WhenAll(Enumerable.Range(0, 3).Select(n => Client.GetGrain<IIndexShardGrain>(ShardKeys.Of(serving.Slot, n)).CountAsync()));
        Assert.Equal(CatalogItems + 10, counts.Sum());
        Assert.Equal(1.0, serving.Progress);
        Assert.Equal(_a.Version, view.Previous);
        Assert.Equal(ModelStatus.Ready, view.Versions.Single(v => v.Version == _a.Version).Status);
    }

    [Fact]
    public async Task A_rollback_serves_the_previous_version_again_at_once_and_an_upload_is_idempotent()
    {
        var users = await UsersWithHistoriesAsync(4, seed: 5);
        await Registry.UploadAsync(Upload(_uploaded));
        Assert.Equal(ModelStatus.Uploaded, (await Registry.UploadAsync(Upload(_uploaded))).Status);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Registry.RollbackAsync());

        await Registry.ActivateAsync(_b.Version);
        await Eventually.TrueAsync(async () => (await Registry.ListAsync()).Serving == _b.Version, TimeSpan.FromSeconds(90), "the uploaded version serves");
        await Eventually.TrueAsync(async () => (await RecommendAsync(users[0])).ModelVersion == _b.Version, TimeSpan.FromSeconds(10), "answers come from the new version");

        var rolledBack = await Registry.RollbackAsync();
        Assert.Equal(_a.Version, rolledBack.Serving);
        Assert.Equal(_b.Version, rolledBack.Previous);
        Assert.Equal(ModelStatus.Ready, rolledBack.Versions.Single(v => v.Version == _b.Version).Status);
        await Eventually.TrueAsync(async () => (await Task.WhenAll(users.Select(RecommendAsync))).All(a => a.ModelVersion == _a.Version),
            TimeSpan.FromSeconds(10), "every answer comes from the configured version again");

        // Rolling back again rolls forward, at once: the other index was kept ready.
        Assert.Equal(_b.Version, (await Registry.RollbackAsync()).Serving);
    }

    [Fact]
    public async Task An_experiment_splits_users_by_hash_answers_each_from_its_arm_and_counts_hits_per_arm()
    {
        await Registry.UploadAsync(Upload(_uploaded));
        await Assert.ThrowsAsync<ArgumentException>(() => Registry.StartExperimentAsync("ab", [new(_a.Version, 0.5), new(_b.Version, 0.6)]));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Registry.StartExperimentAsync("ab", [new(_a.Version, 0.5), new("nope", 0.5)]));
        var started = await Registry.StartExperimentAsync("ab", [new(_a.Version, 0.5), new(_b.Version, 0.5)]);
        Assert.Equal(ExperimentStatus.Preparing, started.Status);
        await Eventually.TrueAsync(async () => (await Registry.ListAsync()).Experiment?.Status == ExperimentStatus.Running, TimeSpan.FromSeconds(90), "both arms are ready");
        await Task.Delay(1000);

        var users = await UsersWithHistoriesAsync(200, seed: 9);
        var arms = new Dictionary<string, string>();
        foreach (var user in users)
        {
            var first = await RecommendAsync(user);
            var second = await RecommendAsync(user);
            Assert.Equal("ab", first.Experiment);
            Assert.Equal(first.ModelVersion, second.ModelVersion);
            Assert.Equal(first.Items.Select(i => i.ItemId), second.Items.Select(i => i.ItemId));
            arms[user] = first.ModelVersion!;
        }
        // 200 fair coin flips: outside 70..130 with probability below 1e-5.
        Assert.InRange(arms.Values.Count(v => v == _b.Version), 70, 130);

        // Each user's next event: a recommended item for the first half of each arm, another item for the rest.
        var hits = new Dictionary<string, int> { [_a.Version] = 0, [_b.Version] = 0 };
        var events = new Dictionary<string, int> { [_a.Version] = 0, [_b.Version] = 0 };
        var index = 0;
        foreach (var user in users)
        {
            var answer = await RecommendAsync(user);
            var recommended = answer.Items.Select(i => i.ItemId).ToHashSet();
            var hit = index++ % 2 == 0;
            var item = hit ? answer.Items[0].ItemId : _items.Take(CatalogItems).First(i => !recommended.Contains(i.Id)).Id;
            await Client.GetGrain<IUserMaintenance>(user).ApplyAsync([Event(user, item)]);
            events[arms[user]]++;
            hits[arms[user]] += hit ? 1 : 0;
        }
        await Eventually.TrueAsync(async () =>
        {
            var experiment = (await Registry.ListAsync()).Experiment!;
            return experiment.Arms.All(a => a.Events == events[a.Version] && a.Hits == hits[a.Version] && a.Served == 3 * arms.Values.Count(v => v == a.Version));
        }, TimeSpan.FromSeconds(20), "the per-arm counts reach the registry");
        var figures = (await Registry.ListAsync()).Experiment!;
        foreach (var arm in figures.Arms)
        {
            Assert.Equal(0.5, arm.Share);
            Assert.Equal(hits[arm.Version] / (double)events[arm.Version], arm.HitRate, 1e-9);
            Assert.InRange(arm.HitRate, arm.Low, arm.High);
        }

        // Stopping promotes an arm; users are all served by it, outside any experiment.
        var stopped = await Registry.StopExperimentAsync("ab", _b.Version);
        Assert.Null(stopped.Experiment);
        Assert.Equal(_b.Version, stopped.Serving);
        await Eventually.TrueAsync(async () => (await Task.WhenAll(users.Take(20).Select(RecommendAsync))).All(a => a.ModelVersion == _b.Version && a.Experiment is null),
            TimeSpan.FromSeconds(10), "the promoted arm serves everyone");
    }

    private Task<Recommendations> RecommendAsync(string user) => Client.GetGrain<IRetrievalGrain>(0).RecommendAsync(user, K);

    private static ModelUpload Upload(DirectoryInfo folder) => new(
        File.ReadAllBytes(Path.Combine(folder.FullName, PreferenceModel.ManifestFileName)),
        File.ReadAllBytes(Path.Combine(folder.FullName, PreferenceModel.WeightsFileName)));

    /// <summary>Fresh users with a few events each on catalog items.</summary>
    private async Task<string[]> UsersWithHistoriesAsync(int count, int seed)
    {
        var random = new Random(seed);
        var users = Enumerable.Range(0, count).Select(_ => Fresh("user")).ToArray();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (user, _) =>
        {
            int[] picks;
            lock (random)
            {
                picks = [.. Enumerable.Range(0, 4).Select(_ => random.Next(CatalogItems))];
            }
            await Client.GetGrain<IUserMaintenance>(user).ApplyAsync([.. picks.Select(p => Event(user, _items[p].Id))]);
        });
        return users;
    }

    private async Task<Dictionary<string, float[]>> CatalogAsync(int count)
    {
        var embeddings = await Task.WhenAll(_items.Take(count).Select(i => Client.GetGrain<IItemGrain>(i.Id).GetEmbeddingsAsync()));
        return embeddings.ToDictionary(e => e!.ItemId, e => e!.Content);
    }

    /// <summary>
    /// Every unseen item ranked by <paramref name="model"/> for the user, best first: its user tower over the history,
    /// its item tower over each item (brute force).
    /// </summary>
    private async Task<(string Id, float Score)[]> RankingAsync(string user, PreferenceModel model, Dictionary<string, float[]> catalog)
    {
        var history = (await Client.GetGrain<IUserGrain>(user).GetHistoryAsync()).Select(h => h.ItemId).ToArray();
        var query = model.UserEmbedding([.. history.Select(id => catalog[id])]);
        var seen = history.ToHashSet();
        return [.. catalog.Where(c => !seen.Contains(c.Key))
            .Select(c => (c.Key, TensorPrimitives.Dot(query, model.ItemEmbedding(c.Value))))
            .OrderByDescending(c => c.Item2)];
    }
}
