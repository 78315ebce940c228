using Orleans.Concurrency;

namespace Actors.Grains.Users;

/// <summary>
/// The calls on a user (key: user id) that only the cluster, its tests and its benchmarks make, beside the public
/// <see cref="IUserGrain"/> that <see cref="UserGrain"/> also implements: events applied without the stream (the
/// stream consumer takes the same path, in the grain), and the from-scratch embedding that checks the incremental one.
/// Internal to this assembly (tests and benchmarks reach it through InternalsVisibleTo), and refused to an external
/// client by <see cref="ClusterInternalAttribute"/> as well.
/// </summary>
[ClusterInternal]
[Alias("Actors.IUserMaintenance")]
internal interface IUserMaintenance : IGrainWithStringKey
{
    /// <summary>Applies events directly (the stream consumer uses the same path). Known event ids are skipped.</summary>
    [Alias("Apply")]
    Task<int> ApplyAsync(InteractionEvent[] events);

    /// <summary>The embedding recomputed from scratch over the current window, for checking the incremental one.</summary>
    [Alias("RecomputeEmbedding")]
    Task<float[]?> RecomputeEmbeddingAsync();

    /// <summary>
    /// Retrieval served the user <paramref name="itemIds"/> as arm <paramref name="version"/> of experiment
    /// <paramref name="experiment"/>: counted as served, and the user's events within the hit window count against it.
    /// One-way and interleaving: it only replaces a reference in memory.
    /// </summary>
    [Alias("NoteServed"), OneWay, AlwaysInterleave]
    Task NoteServedAsync(string experiment, string version, string[] itemIds);
}
