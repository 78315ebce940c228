using Microsoft.Extensions.Logging;

namespace Actors.Grains.Index;

internal sealed partial class IndexShardGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Index shard {Shard} activated with {Count} items from its snapshot and batch records")]
    private partial void LogActivated(long shard, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index shard {Shard}: {Count} items changed after the last snapshot; asking them to register again")]
    private partial void LogReplaying(long shard, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index shard {Shard}: snapshot was made with model {Old}, this silo serves {New}; refreshing {Count} items")]
    private partial void LogModelChanged(long shard, string? old, string @new, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index shard {Shard}: the snapshot on deactivation ({Reason}) failed ({Error}); the change journal brings its items back on the next activation")]
    private partial void LogSnapshotOnDeactivationFailed(long shard, string reason, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index shard {Shard}: item {ItemId} arrived with model {Other}, this silo serves {Current}")]
    private partial void LogForeignModel(long shard, string itemId, string other, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index shard {Shard}: batch record {Sequence} named by the journal is missing; its items come back when they are imported or upserted again")]
    private partial void LogBatchMissing(long shard, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index shard {Shard}: deleting batch record {Sequence}, folded into the snapshot, failed ({Error}); it is never read again")]
    private partial void LogBatchDeleteFailed(long shard, long sequence, string error);
}
