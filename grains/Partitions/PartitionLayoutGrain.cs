using Actors.Grains.Hosting;
using Actors.Grains.Popularity;
using Actors.Grains.Transitions;
using Microsoft.Extensions.Logging;

namespace Actors.Grains.Partitions;

/// <summary>
/// Keeps a kind of count ("popularity" or "transitions") in the partitions the configuration names. It remembers the
/// most partitions ever used, and on every <see cref="EnsureAsync"/> (each silo asks once it is active) asks each of
/// them, one at a time, to move what belongs elsewhere under the configured count to its owner: after a change of
/// <c>Popularity:Partitions</c> or <c>Transitions:Shards</c> the counts follow, and counts that a silo still running the
/// old setting sent afterwards are moved by the next silo's start. Until a move is done, answers read the counts that
/// are already in place (best effort, like the counts themselves).
/// </summary>
internal sealed partial class PartitionLayoutGrain(
    [PersistentState("partition-layout", StorageNames.Actors)] IPersistentState<PartitionLayoutState> state,
    ILogger<PartitionLayoutGrain> logger) : Grain, IPartitionLayoutGrain
{
    public const string Popularity = "popularity";
    public const string Transitions = "transitions";

    public async Task<int> EnsureAsync(int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        var kind = this.GetPrimaryKeyString();
        var highest = Math.Max(state.State.HighestPartitions, partitions);
        if (highest != state.State.HighestPartitions)
        {
            // Recorded first, so a crash during the moves still sweeps these partitions next time.
            state.State.HighestPartitions = highest;
            await state.WriteStateAsync();
        }
        var moved = 0;
        for (var p = 0; p < highest; p++)
        {
            moved += kind switch
            {
                Popularity => await GrainFactory.GetGrain<IPopularityMaintenance>(p).RepartitionAsync(partitions),
                Transitions => await GrainFactory.GetGrain<ITransitionMaintenance>(p).RepartitionAsync(partitions),
                _ => throw new InvalidOperationException($"No partitioned counts are called '{kind}'."),
            };
        }
        if (moved > 0)
        {
            LogMoved(kind, moved, partitions);
        }
        return moved;
    }
}

/// <summary>The persisted layout of one kind of count (<see cref="PartitionLayoutGrain"/>).</summary>
[GenerateSerializer, Alias("Actors.PartitionLayoutState")]
public sealed class PartitionLayoutState
{
    /// <summary>The most partitions the counts were ever spread over (0 before the first run).</summary>
    [Id(0)] public int HighestPartitions { get; set; }
}
