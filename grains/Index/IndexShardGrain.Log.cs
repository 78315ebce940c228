using Microsoft.Extensions.Logging;

namespace Actors.Grains.Index;

internal sealed partial class IndexShardGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Index shard {Shard} activated with {Count} items from its snapshot and batch records")]
    private partial void LogActivated(long shard, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index shard {Shard}: {Count} items changed after the last snapshot; loading them from their stored records")]
    private partial void LogReplaying(long shard, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index shard {Shard}: records were made with model {Old} (or another dimension), this silo serves {New}; rebuilding {Count} items from their stored records, answering partial meanwhile")]
    private partial void LogModelChanged(long shard, string? old, string @new, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index shard {Shard}: loaded {Count} items from their stored records; {Left} still pending")]
    private partial void LogLoaded(long shard, int count, int left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index shard {Shard}: item {ItemId}, expected since {Since:O}, was never upserted; loading it from its stored record")]
    private partial void LogExpectationTimedOut(long shard, string itemId, DateTime since);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index shard {Shard}: the snapshot on deactivation ({Reason}) failed ({Error}); the change journal brings its items back on the next activation")]
    private partial void LogSnapshotOnDeactivationFailed(long shard, string reason, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index shard {Shard}: item {ItemId} arrived with model {Other}, this silo serves {Current}")]
    private partial void LogForeignModel(long shard, string itemId, string other, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index shard {Shard}: batch record {Sequence} named by the journal is missing; its items come back when they are imported or upserted again")]
    private partial void LogBatchMissing(long shard, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index shard {Shard}: deleting batch record {Sequence}, folded into the snapshot, failed ({Error}); it is never read again")]
    private partial void LogBatchDeleteFailed(long shard, long sequence, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index shard {Shard}: another activation has written the journal (ETag {Own}, stored {Stored}); this one leaves its silo's searches and deactivates")]
    private partial void LogSuperseded(long shard, string? own, string? stored);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index shard {Shard} of model slot {Slot} seeded: {Pending} items to load")]
    private partial void LogSeeded(long shard, int slot, int pending);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index shard {Shard} of model slot {Slot} dropped ({Records} records deleted)")]
    private partial void LogDropped(long shard, int slot, int records);
}
