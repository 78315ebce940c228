namespace Actors.Grains.Partitions;

/// <summary>
/// The partition counts a kind of count was spread over (key: "popularity" or "transitions"), durably: when
/// <c>Popularity:Partitions</c> or <c>Transitions:Shards</c> changes between runs, every partition ever used moves the
/// counts that belong elsewhere now to their owners. Each silo asks once it is active, so it is internal to this
/// assembly, and <see cref="ClusterInternalAttribute"/> refuses it to an external client as well.
/// </summary>
[ClusterInternal]
[Alias("Actors.IPartitionLayoutGrain")]
internal interface IPartitionLayoutGrain : IGrainWithStringKey
{
    /// <summary>Makes sure every count is in its partition under <paramref name="partitions"/>; returns how many moved.</summary>
    [Alias("Ensure")]
    Task<int> EnsureAsync(int partitions);
}
