using Microsoft.Extensions.Logging;

namespace Actors.Grains.Index;

internal sealed partial class IndexShardGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Index shard {Shard} activated with {Count} items from its snapshot")]
    private partial void LogActivated(long shard, int count);
}
