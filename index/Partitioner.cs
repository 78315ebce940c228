using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Actors.VectorIndex;

/// <summary>Hash partitioning of keys over shards: stable across processes, platforms and restarts (XxHash32 of the UTF-16 key).</summary>
public static class Partitioner
{
    /// <summary>The shard, in 0..<paramref name="shards"/>-1, that owns <paramref name="key"/>.</summary>
    public static int ShardOf(string key, int shards)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        var hash = XxHash32.HashToUInt32(MemoryMarshal.AsBytes(key.AsSpan()));
        return (int)(hash % (uint)shards);
    }
}
