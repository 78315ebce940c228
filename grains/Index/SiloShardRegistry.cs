using System.Collections.Concurrent;

namespace Actors.Grains.Index;

/// <summary>
/// The index shards active on this silo, of every model slot (one singleton per silo): a shard grain registers its <see cref="ShardIndex"/>
/// once activation has loaded it and takes it out when it deactivates, and the silo's search grain searches every
/// registered shard in one local call. Thread-safe.
/// </summary>
internal sealed class SiloShardRegistry
{
    private readonly ConcurrentDictionary<long, ShardIndex> _shards = new();

    /// <summary>The shards registered now (a moment's view: shards may come and go while it is read).</summary>
    public ICollection<ShardIndex> Shards => _shards.Values;

    public void Register(ShardIndex shard) => _shards[shard.Key] = shard;

    /// <summary>Takes <paramref name="shard"/> out, unless another activation of the same shard has replaced it since.</summary>
    public void Unregister(ShardIndex shard) => _shards.TryRemove(new KeyValuePair<long, ShardIndex>(shard.Key, shard));
}
