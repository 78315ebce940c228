using System.Globalization;
using System.Text.Json;
using Actors.Model;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Cluster;

/// <summary>
/// A two-silo cluster serving a copy of the shipped LEARN artifact (<c>models/learn-scientific</c>) whose manifest
/// carries a <c>fusion</c> field, so retrieval fuses the cosine with the transition counts the grains keep.
/// </summary>
public sealed class FusionClusterFixture : ClusterFixture
{
    /// <summary>Transition shards in this cluster: neither the default nor the index's shard count, so a mismatch shows.</summary>
    public const int TransitionShards = 7;

    /// <summary>Successors kept per source item in this cluster (small, so a test can overflow it).</summary>
    public const int MaxSuccessorsPerItem = 20;

    private readonly DirectoryInfo _artifact = Directory.CreateTempSubdirectory("actors-fusion-model-");

    /// <summary>The fusion the served copy's manifest carries.</summary>
    public static FusionSettings Fusion { get; } = new(Lambda: 2, Window: 3, Decay: 0.5, Temperature: 0.05);

    /// <summary>The served model, as the silos load it.</summary>
    public PreferenceModel Model { get; private set; } = null!;

    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Model:Path"] = _artifact.FullName;
        settings["Transitions:Shards"] = TransitionShards.ToString(CultureInfo.InvariantCulture);
        settings["Transitions:MaxSuccessorsPerItem"] = MaxSuccessorsPerItem.ToString(CultureInfo.InvariantCulture);
        settings["Transitions:FlushInterval"] = "00:00:00.250";
        return settings;
    }

    public override Task InitializeAsync()
    {
        var shipped = PreferenceModel.Load(Path.Combine(RepositoryPaths.Root, "models", "learn-scientific"));
        shipped.WithMetadata(new Dictionary<string, JsonElement> { [FusionSettings.ManifestKey] = Fusion.ToJson() }, shipped.Version + "-fusion")
            .Save(_artifact.FullName);
        Model = PreferenceModel.Load(_artifact.FullName);
        if (FusionSettings.Of(Model) != Fusion)
        {
            throw new InvalidOperationException($"The saved copy reads back with fusion {FusionSettings.Of(Model)}; expected {Fusion}.");
        }
        return base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _artifact.Delete(recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class FusionClusterCollectionDefinition : ICollectionFixture<FusionClusterFixture>
{
    public const string Name = "fusion cluster";
}
