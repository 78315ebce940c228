using Microsoft.Extensions.Logging;

namespace Actors.Grains.Items;

internal sealed partial class ItemGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Item {ItemId}: encoder changed from {Old} to {New}; re-encoding")]
    private partial void LogReencoding(string itemId, string? old, string @new);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Item {ItemId}: model changed from {Old} to {New}; recomputing the item embedding")]
    private partial void LogRealigning(string itemId, string? old, string @new);

    [LoggerMessage(Level = LogLevel.Information, Message = "Item {ItemId} deleted")]
    private partial void LogDeleted(string itemId);
}
