namespace Actors.Grains.Index;

/// <summary>
/// The key of an index shard grain: the model slot in the high 32 bits, the shard number in the low ones. Slot 0 (the
/// configured model) keeps the keys shards always had, so stored indexes of earlier versions are found as they were;
/// every uploaded version that is built gets a slot of its own, and so shards, storage records and journals of their own.
/// </summary>
internal static class ShardKeys
{
    public static long Of(int slot, int shard) => ((long)slot << 32) | (uint)shard;

    public static int ShardOf(long key) => (int)(key & 0xFFFF_FFFF);

    public static int SlotOf(long key) => (int)(key >> 32);
}
