using Actors.VectorIndex;

namespace Actors.Grains.Partitions;

/// <summary>
/// The move a partition of counts makes when the partition count changes (<see cref="PartitionLayoutGrain"/>), the same
/// for popularity and transitions: the entries that belong to another partition now are handed to their owners, each
/// of which stores them before it answers, and only then forgotten here, so a crash in between counts them twice and
/// never loses them.
/// </summary>
internal static class Repartition
{
    /// <summary>
    /// Hands the entries of <paramref name="entries"/> that belong to another partition than <paramref name="self"/>
    /// under <paramref name="partitions"/> partitions to <paramref name="adopt"/> (one call per owner, all at once), then
    /// removes them from <paramref name="entries"/>. Returns how many moved; the caller stores its state when any did.
    /// </summary>
    public static async Task<int> MoveMisplacedAsync<TValue>(
        Dictionary<string, TValue> entries,
        long self,
        int partitions,
        Func<int, KeyValuePair<string, TValue>[], Task> adopt)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        var moving = entries
            .Where(pair => Partitioner.ShardOf(pair.Key, partitions) != self)
            .GroupBy(pair => Partitioner.ShardOf(pair.Key, partitions))
            .ToArray();
        if (moving.Length == 0)
        {
            return 0;
        }
        await Task.WhenAll(moving.Select(group => adopt(group.Key, [.. group])));
        var moved = 0;
        foreach (var group in moving)
        {
            foreach (var (key, _) in group)
            {
                entries.Remove(key);
                moved++;
            }
        }
        return moved;
    }
}
