using Orleans.Concurrency;

namespace Actors.Grains.Experiments;

/// <summary>
/// Counts of one arm of an experiment (the arm is a model version): recommendation answers served to its users, their
/// events within the hit window after an answer, and the events whose item that answer held. A delta when a silo sends
/// it, the totals when the metrics grain answers; <see cref="Hits"/> never exceeds <see cref="Events"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ArmCounts")]
internal sealed record ArmCounts(
    [property: Id(0)] string Version,
    [property: Id(1)] long Served,
    [property: Id(2)] long Events,
    [property: Id(3)] long Hits)
{
    /// <summary>Whether this is a count the metrics grain can add: a version, no negative count, no more hits than events.</summary>
    public bool IsValid => !string.IsNullOrEmpty(Version) && Served >= 0 && Events >= 0 && Hits >= 0 && Hits <= Events;

    /// <summary>This count plus <paramref name="other"/> (of the same version).</summary>
    public ArmCounts Plus(ArmCounts other) =>
        this with { Served = Served + other.Served, Events = Events + other.Events, Hits = Hits + other.Hits };
}

/// <summary>
/// The online figures of one experiment (key: the experiment's name), summed over every silo's
/// <see cref="SiloExperimentMetrics"/> and kept durably by <see cref="ExperimentMetricsGrain"/>. Internal to this
/// assembly, and refused to an external client by <see cref="ClusterInternalAttribute"/> as well.
/// </summary>
[ClusterInternal]
[Alias("Actors.IExperimentMetricsGrain")]
internal interface IExperimentMetricsGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds a silo's counts since its last flush, one entry per version. One-way: best effort, like the counts it feeds
    /// (an invalid entry is dropped and logged).
    /// </summary>
    [Alias("Add"), OneWay]
    Task AddAsync(ArmCounts[] deltas);

    /// <summary>The totals so far, one entry per version that was ever counted, ordered by version.</summary>
    [Alias("Get"), ReadOnly, AlwaysInterleave]
    Task<ArmCounts[]> GetAsync();
}
