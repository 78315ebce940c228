using Orleans.Concurrency;

namespace Actors;

/// <summary>Where a model version is in its life.</summary>
public enum ModelStatus
{
    /// <summary>Stored and validated; no index of its own.</summary>
    Uploaded,

    /// <summary>Its index is being built beside the serving one (every item re-aligned by its item tower).</summary>
    Building,

    /// <summary>Its index is complete and kept up to date: it can serve at once (an experiment arm, or the rollback target).</summary>
    Ready,

    /// <summary>Answers every query not in an experiment.</summary>
    Serving,

    /// <summary>Its index was dropped; activating it again rebuilds one.</summary>
    Retired,
}

/// <summary>
/// One model version as the registry knows it. <see cref="Slot"/> numbers its index (0: the model the silos are
/// configured with, <c>Model:Path</c>; uploaded versions get 1, 2, ...). While <see cref="ModelStatus.Building"/>,
/// <see cref="ItemsIndexed"/> of <see cref="ItemsTotal"/> items are in its index.
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ModelVersionInfo")]
public sealed record ModelVersionInfo(
    [property: Id(0)] string Version,
    [property: Id(1)] int Slot,
    [property: Id(2)] ModelStatus Status,
    [property: Id(3)] string Kind,
    [property: Id(4)] int Dimension,
    [property: Id(5)] DateTimeOffset? UploadedAt,
    [property: Id(6)] DateTimeOffset? ActivatedAt,
    [property: Id(7)] long ItemsIndexed,
    [property: Id(8)] long ItemsTotal,
    [property: Id(9)] string Source)
{
    /// <summary>The share of the items in this version's index, 0..1 (1 once ready or serving).</summary>
    public double Progress => Status is ModelStatus.Ready or ModelStatus.Serving ? 1
        : ItemsTotal <= 0 ? 0 : Math.Min(1, ItemsIndexed / (double)ItemsTotal);
}

/// <summary>An experiment arm as asked for: a model version and its share of the users (the shares sum to 1).</summary>
[GenerateSerializer, Immutable, Alias("Actors.ExperimentArm")]
public sealed record ExperimentArm(
    [property: Id(0)] string Version,
    [property: Id(1)] double Share);

/// <summary>Whether an experiment's arms are all ready (<see cref="Running"/>) or some index is still being built.</summary>
public enum ExperimentStatus
{
    Preparing,
    Running,
}

/// <summary>
/// One arm's online figures: recommendation answers served to its users, the events its users sent within the hit window
/// after an answer (<see cref="Events"/>), and how many of those were of an item that answer held (<see cref="Hits"/>);
/// <see cref="HitRate"/> = hits / events with its 95 % Wilson interval [<see cref="Low"/>, <see cref="High"/>].
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ArmMetrics")]
public sealed record ArmMetrics(
    [property: Id(0)] string Version,
    [property: Id(1)] double Share,
    [property: Id(2)] long Served,
    [property: Id(3)] long Events,
    [property: Id(4)] long Hits,
    [property: Id(5)] double HitRate,
    [property: Id(6)] double Low,
    [property: Id(7)] double High);

/// <summary>The experiment running now, with each arm's figures so far.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ExperimentView")]
public sealed record ExperimentView(
    [property: Id(0)] string Name,
    [property: Id(1)] ExperimentStatus Status,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] ArmMetrics[] Arms,
    [property: Id(4)] TimeSpan HitWindow);

/// <summary>
/// The registry as a whole: the version serving, the one a rollback returns to, the one being activated (null when
/// none), every version, and the experiment (null when none runs).
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ModelRegistryView")]
public sealed record ModelRegistryView(
    [property: Id(0)] string Serving,
    [property: Id(1)] string? Previous,
    [property: Id(2)] string? Activating,
    [property: Id(3)] ModelVersionInfo[] Versions,
    [property: Id(4)] ExperimentView? Experiment);

/// <summary>A model artifact as uploaded: the bytes of <c>manifest.json</c> and of <c>model.safetensors</c>.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ModelUpload")]
public sealed record ModelUpload(
    [property: Id(0)] byte[] Manifest,
    [property: Id(1)] byte[] Weights);

/// <summary>A version with an index: its slot (index shards of slot s are that version's) and its version string.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ModelSlot")]
public sealed record ModelSlot(
    [property: Id(0)] int Slot,
    [property: Id(1)] string Version);

/// <summary>An experiment's arms as the silos route by: each arm's slot and share.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ExperimentRoute")]
public sealed record ExperimentRoute(
    [property: Id(0)] string Name,
    [property: Id(1)] ModelSlot[] Arms,
    [property: Id(2)] double[] Shares,
    [property: Id(3)] TimeSpan HitWindow);

/// <summary>
/// What every silo routes by (refreshed about once a second): the slot that serves, every slot whose index is kept
/// up to date (<see cref="Live"/>: item upserts go to each), and the running experiment (null when none, or while its
/// arms are still being built). <see cref="Epoch"/> grows with every change. <see cref="Versions"/> is every version
/// with its status and build progress, for each silo's metrics.
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ModelRouting")]
public sealed record ModelRouting(
    [property: Id(0)] long Epoch,
    [property: Id(1)] ModelSlot Serving,
    [property: Id(2)] ModelSlot[] Live,
    [property: Id(3)] ExperimentRoute? Experiment,
    [property: Id(4)] ModelVersionInfo[]? Versions = null);

/// <summary>
/// The model registry (one grain, key 0), durable: uploaded artifacts, which version serves, the activation in
/// progress, the experiment. Bad input is an <see cref="ArgumentException"/> naming it; an unknown version a
/// <see cref="KeyNotFoundException"/>; a request the registry's state does not allow (a duplicate version, a second
/// activation, rollback without a previous version) an <see cref="InvalidOperationException"/>. Nothing is changed by
/// a refused request.
/// </summary>
[Alias("Actors.IModelRegistryGrain")]
public interface IModelRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Every version, the serving one, the activation in progress and the experiment with its figures.</summary>
    [Alias("List"), ReadOnly, AlwaysInterleave]
    Task<ModelRegistryView> ListAsync();

    /// <summary>What the silos route queries and upserts by.</summary>
    [Alias("GetRouting"), ReadOnly, AlwaysInterleave]
    Task<ModelRouting> GetRoutingAsync();

    /// <summary>
    /// Validates and stores an artifact (the weights against the manifest's architecture, the content dimension and
    /// encoder against this cluster's encoder, learned item ids against the catalog). Uploading the same artifact again
    /// returns the stored version; another artifact with a stored version string is refused.
    /// </summary>
    [Alias("Upload")]
    Task<ModelVersionInfo> UploadAsync(ModelUpload upload, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes <paramref name="version"/> serve: builds its index in the background (every item re-aligned by its item
    /// tower from the stored content embedding) and switches over once the index is complete; at once when it is
    /// ready already. Returns the version as it is now (building, or serving).
    /// </summary>
    [Alias("Activate")]
    Task<ModelVersionInfo> ActivateAsync(string version);

    /// <summary>Makes the previous serving version serve again (its index is kept ready for this), or cancels an activation in progress.</summary>
    [Alias("Rollback")]
    Task<ModelRegistryView> RollbackAsync();

    /// <summary>
    /// Starts an experiment: each user is assigned to one arm by a salted hash of the user id and <paramref name="name"/>,
    /// in proportion to the shares. Arms without a ready index get one built first (the experiment is
    /// <see cref="ExperimentStatus.Preparing"/> until then, and users are served by the serving version).
    /// </summary>
    [Alias("StartExperiment")]
    Task<ExperimentView> StartExperimentAsync(string name, ExperimentArm[] arms);

    /// <summary>
    /// Stops the experiment <paramref name="name"/>: <paramref name="promote"/> (one of its arms) becomes the serving
    /// version, or, when null, the serving version stays. The other arms' indexes are dropped.
    /// </summary>
    [Alias("StopExperiment")]
    Task<ModelRegistryView> StopExperimentAsync(string name, string? promote);
}
