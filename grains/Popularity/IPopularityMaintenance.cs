using Orleans.Concurrency;

namespace Actors.Grains.Popularity;

/// <summary>
/// The calls on a popularity partition (key: partition number) that only the cluster makes, beside the public
/// <see cref="IPopularityGrain"/> that <see cref="PopularityGrain"/> also implements: the silos' counts
/// (<see cref="SiloPopularity"/>) and the moves after a change of <c>Popularity:Partitions</c>
/// (<see cref="Partitions.PartitionLayoutGrain"/>). Internal to this assembly, and refused to an external client by
/// <see cref="ClusterInternalAttribute"/> as well.
/// </summary>
[ClusterInternal]
[Alias("Actors.IPopularityMaintenance")]
internal interface IPopularityMaintenance : IGrainWithIntegerKey
{
    /// <summary>
    /// Adds decayed interaction counts, all expressed at <paramref name="at"/> (<paramref name="scores"/>[i] for
    /// <paramref name="itemIds"/>[i], which belong to this partition). One-way: best effort, like the counts it feeds.
    /// </summary>
    [Alias("Merge"), OneWay]
    Task MergeAsync(string[] itemIds, double[] scores, DateTimeOffset at);

    /// <summary>Adds decayed interaction counts as <see cref="MergeAsync"/> does, answering once they are counted and stored (a partition moving its items).</summary>
    [Alias("Adopt")]
    Task AdoptAsync(string[] itemIds, double[] scores, DateTimeOffset at);

    /// <summary>
    /// Moves the items that belong to another partition under <paramref name="partitions"/> partitions to their owners
    /// (<see cref="AdoptAsync"/>), then forgets them. Returns how many moved.
    /// </summary>
    [Alias("Repartition")]
    Task<int> RepartitionAsync(int partitions);
}
