using Actors.Grains.Hosting;

namespace Actors.Grains.Models;

/// <summary>The stored bytes of one uploaded artifact (see <see cref="IModelArtifactGrain"/>).</summary>
internal sealed class ModelArtifactGrain(
    [PersistentState("model-artifact", StorageNames.Actors)] IPersistentState<ModelArtifactState> state) : Grain, IModelArtifactGrain
{
    public async Task StoreAsync(ModelUpload artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (state.RecordExists && state.State.Manifest.AsSpan().SequenceEqual(artifact.Manifest) && state.State.Weights.AsSpan().SequenceEqual(artifact.Weights))
        {
            return;
        }
        state.State.Manifest = artifact.Manifest;
        state.State.Weights = artifact.Weights;
        await state.WriteStateAsync();
    }

    public Task<ModelUpload?> GetAsync() =>
        Task.FromResult(state.RecordExists ? new ModelUpload(state.State.Manifest, state.State.Weights) : null);
}

/// <summary>The persisted bytes of an uploaded artifact.</summary>
[GenerateSerializer, Alias("Actors.ModelArtifactState")]
public sealed class ModelArtifactState
{
    [Id(0)] public byte[] Manifest { get; set; } = [];
    [Id(1)] public byte[] Weights { get; set; } = [];
}
