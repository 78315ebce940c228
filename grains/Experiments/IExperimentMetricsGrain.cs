using Orleans.Concurrency;

namespace Actors.Grains.Experiments;

/// <summary>One arm's counts: answers served, events within the hit window, hits.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ArmCounts")]
public sealed record ArmCounts(
    [property: Id(0)] string Version,
    [property: Id(1)] long Served,
    [property: Id(2)] long Events,
    [property: Id(3)] long Hits);

/// <summary>The counts of one experiment (key: its name), per arm.</summary>
[ClusterInternal]
[Alias("Actors.IExperimentMetricsGrain")]
internal interface IExperimentMetricsGrain : IGrainWithStringKey
{
    [Alias("Add"), OneWay]
    Task AddAsync(ArmCounts[] deltas);

    [Alias("Get"), ReadOnly, AlwaysInterleave]
    Task<ArmCounts[]> GetAsync();
}
