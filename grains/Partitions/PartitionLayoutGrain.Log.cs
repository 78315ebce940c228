using Microsoft.Extensions.Logging;

namespace Actors.Grains.Partitions;

internal sealed partial class PartitionLayoutGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Moved} {Kind} counts into their partitions under {Partitions} partitions")]
    private partial void LogMoved(string kind, int moved, int partitions);
}
