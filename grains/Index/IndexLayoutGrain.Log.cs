using Microsoft.Extensions.Logging;

namespace Actors.Grains.Index;

internal sealed partial class IndexLayoutGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Index:Shards changed from {Previous} to {Configured}: re-partitioning the items of shards 0..{Span} (answers are partial until done)")]
    private partial void LogMigrating(int previous, int configured, int span);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index re-partition: shard {Shard} moved {Count} items to their new owners")]
    private partial void LogShardMigrated(int shard, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index re-partition done: the items are partitioned over {Shards} shards")]
    private partial void LogSettled(int shards);
}
