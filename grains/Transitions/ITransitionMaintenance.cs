using Orleans.Concurrency;

namespace Actors.Grains.Transitions;

/// <summary>
/// The calls on a transition shard (key: shard number) that only the cluster makes, beside the public
/// <see cref="ITransitionGrain"/> that <see cref="TransitionGrain"/> also implements: the silos' counts
/// (<see cref="SiloTransitions"/>) and the moves after a change of <c>Transitions:Shards</c>
/// (<see cref="Partitions.PartitionLayoutGrain"/>). Internal to this assembly (tests reach it through
/// InternalsVisibleTo), and refused to an external client by <see cref="ClusterInternalAttribute"/> as well.
/// </summary>
[ClusterInternal]
[Alias("Actors.ITransitionMaintenance")]
internal interface ITransitionMaintenance : IGrainWithIntegerKey
{
    /// <summary>Counts each transition once; every <see cref="ItemTransition.From"/> must belong to this shard. One-way: best effort.</summary>
    [Alias("Record"), OneWay]
    Task RecordAsync(ItemTransition[] transitions);

    /// <summary>Adds whole rows of counts (a shard moving its sources), answering once they are counted and stored; each row is trimmed to <c>Transitions:MaxSuccessorsPerItem</c>.</summary>
    [Alias("Adopt")]
    Task AdoptAsync(Successors[] rows);

    /// <summary>
    /// Moves the sources that belong to another shard under <paramref name="shards"/> shards to their owners
    /// (<see cref="AdoptAsync"/>), then forgets them. Returns how many moved.
    /// </summary>
    [Alias("Repartition")]
    Task<int> RepartitionAsync(int shards);
}

/// <summary>One user's move from item <see cref="From"/> to item <see cref="To"/>: consecutive items of a history.</summary>
[GenerateSerializer, Immutable, Alias("Actors.ItemTransition")]
internal readonly record struct ItemTransition(
    [property: Id(0)] string From,
    [property: Id(1)] string To);
