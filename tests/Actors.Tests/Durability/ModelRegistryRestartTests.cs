using Actors.Model;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Durability;

/// <summary>
/// The model registry in Azure Blob storage (Azurite) across a full cluster restart: the uploaded version, what serves
/// and the running experiment come back, every user is in the same arm as before, and the uploaded version's index is
/// still complete, so the experiment runs again without a rebuild.
/// </summary>
public sealed class ModelRegistryRestartTests
{
    private static readonly PreferenceModelConfig Config = new()
    {
        ContentDimension = 384, Hidden = 32, Layers = 2, Heads = 2, FeedForward = 64, OutputDimension = 16, MaxLength = 50,
    };

    [Fact]
    public async Task The_registry_and_every_users_experiment_arm_survive_a_full_cluster_restart()
    {
        var configured = Directory.CreateTempSubdirectory("actors-restart-a-");
        var uploaded = Directory.CreateTempSubdirectory("actors-restart-b-");
        try
        {
            var a = PreferenceModel.CreateRandom(Config, seed: 42);
            var b = PreferenceModel.CreateRandom(Config, seed: 7);
            a.Save(configured.FullName);
            b.Save(uploaded.FullName);
            var durable = new DurableCluster();
            durable.Settings["Model:Path"] = configured.FullName;
            durable.Settings["Model:BuildDelay"] = "00:00:01";
            durable.Settings["Model:RoutingRefresh"] = "00:00:00.200";
            var catalog = DurableCluster.Catalog(20);
            var users = Enumerable.Range(0, 80).Select(n => $"user-{Guid.NewGuid():N}").ToArray();

            var before = await durable.RunAsync(async cluster =>
            {
                await DurableCluster.UpsertAsync(cluster.Client, catalog);
                var registry = cluster.Client.GetGrain<IModelRegistryGrain>(0);
                await registry.UploadAsync(new ModelUpload(
                    await File.ReadAllBytesAsync(Path.Combine(uploaded.FullName, PreferenceModel.ManifestFileName)),
                    await File.ReadAllBytesAsync(Path.Combine(uploaded.FullName, PreferenceModel.WeightsFileName))));
                await registry.StartExperimentAsync("restart", [new(a.Version, 0.5), new(b.Version, 0.5)]);
                await Eventually.TrueAsync(async () => (await registry.ListAsync()).Experiment?.Status == ExperimentStatus.Running,
                    TimeSpan.FromSeconds(60), "both arms ready");
                return await ArmsAsync(cluster.Client, users);
            });
            Assert.Contains(a.Version, before.Values);
            Assert.Contains(b.Version, before.Values);

            await durable.RunAsync(async cluster =>
            {
                var registry = cluster.Client.GetGrain<IModelRegistryGrain>(0);
                var view = await registry.ListAsync();
                Assert.Equal(a.Version, view.Serving);
                Assert.Equal("restart", view.Experiment?.Name);
                Assert.Equal(ExperimentStatus.Running, view.Experiment!.Status);
                Assert.Equal(ModelStatus.Ready, view.Versions.Single(v => v.Version == b.Version).Status);

                var after = await ArmsAsync(cluster.Client, users);
                Assert.Equal(before, after);
                // The uploaded version's index came back from its own snapshot: every item, none rebuilt from scratch.
                var slot = view.Versions.Single(v => v.Version == b.Version).Slot;
                var counts = await Task.WhenAll(Enumerable.Range(0, 3).Select(n =>
                    cluster.Client.GetGrain<IIndexShardGrain>(Grains.Index.ShardKeys.Of(slot, n)).CountAsync()));
                Assert.Equal(catalog.Count, counts.Sum());
            });
        }
        finally
        {
            configured.Delete(recursive: true);
            uploaded.Delete(recursive: true);
        }
    }

    /// <summary>Each user's arm, once every silo routes by the experiment (a silo reads the registry within a refresh of starting).</summary>
    private static async Task<Dictionary<string, string>> ArmsAsync(IClusterClient client, string[] users)
    {
        var profiles = await Eventually.MatchesAsync(
            () => Task.WhenAll(users.Select(u => client.GetGrain<IUserGrain>(u).GetProfileAsync())),
            all => all.All(p => p.Experiment == "restart"),
            "every user routed by the experiment",
            TimeSpan.FromSeconds(30));
        return profiles.ToDictionary(p => p.UserId, p => p.ModelVersion);
    }
}
