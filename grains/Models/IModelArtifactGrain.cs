namespace Actors.Grains.Models;

/// <summary>
/// One uploaded model artifact (key: its version), stored whole in grain storage: the registry writes it once the upload
/// is validated, and every silo reads it when it first serves that version.
/// </summary>
[ClusterInternal]
[Alias("Actors.IModelArtifactGrain")]
internal interface IModelArtifactGrain : IGrainWithStringKey
{
    /// <summary>Stores the artifact (the same bytes again change nothing).</summary>
    [Alias("Store")]
    Task StoreAsync(ModelUpload artifact);

    /// <summary>The artifact, or null when none is stored under this version.</summary>
    [Alias("Get"), Orleans.Concurrency.ReadOnly]
    Task<ModelUpload?> GetAsync();
}

/// <summary>The registry's calls that only the cluster makes: what a slot is (index shards of a slot ask on activation).</summary>
[ClusterInternal]
[Alias("Actors.IModelRegistryMaintenance")]
internal interface IModelRegistryMaintenance : IGrainWithIntegerKey
{
    /// <summary>The version whose index slot <paramref name="slot"/> is (live or not), or null for a slot never assigned.</summary>
    [Alias("VersionOfSlot"), Orleans.Concurrency.ReadOnly, Orleans.Concurrency.AlwaysInterleave]
    Task<string?> VersionOfSlotAsync(int slot);
}
