using Microsoft.Extensions.Logging;

namespace Actors.Grains.Transitions;

internal sealed partial class TransitionGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Transition shard {Shard} activated with the successors of {Sources} items")]
    private partial void LogActivated(long shard, int sources);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transition shard {Shard}: {Count} malformed transitions (missing item id) dropped")]
    private partial void LogMalformed(long shard, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transition shard {Shard}: writing the counts on deactivation ({Reason}) failed ({Error}); counts since the last flush are lost")]
    private partial void LogFlushOnDeactivationFailed(long shard, string reason, string error);
}
