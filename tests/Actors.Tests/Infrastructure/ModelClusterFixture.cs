using Actors.Model;

namespace Actors.Tests.Infrastructure;

/// <summary>
/// A two-silo cluster serving a LEARN preference model (random weights, saved as a real artifact and loaded through
/// <c>Model:Path</c>) instead of the content baseline.
/// </summary>
public sealed class ModelClusterFixture : ClusterFixture
{
    private readonly DirectoryInfo _artifact = Directory.CreateTempSubdirectory("actors-model-");

    public PreferenceModel Model { get; } = PreferenceModel.CreateRandom(
        new PreferenceModelConfig { ContentDimension = 384, Hidden = 32, Layers = 2, Heads = 2, FeedForward = 64, OutputDimension = 16, MaxLength = 50 },
        seed: 42);

    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Model:Path"] = _artifact.FullName;
        // Shards search with HNSW from the first item here, so the serving path is covered with both indexes.
        settings["Index:HnswThreshold"] = "0";
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
public sealed class ModelClusterCollectionDefinition : ICollectionFixture<ModelClusterFixture>
{
    public const string Name = "model cluster";
}
