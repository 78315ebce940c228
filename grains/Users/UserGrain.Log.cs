using Microsoft.Extensions.Logging;

namespace Actors.Grains.Users;

internal sealed partial class UserGrain
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "User {UserId}: event {EventId} already applied; skipped")]
    private partial void LogDuplicate(string userId, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: event {EventId} names unknown item {ItemId}; dropped")]
    private partial void LogUnknownItem(string userId, string eventId, string itemId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: event {EventId} is addressed to user {Other}; dropped")]
    private partial void LogWrongUser(string userId, string eventId, string other);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: malformed event {EventId} (missing or invalid id); dropped")]
    private partial void LogMalformed(string userId, string? eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: writing {Count} applied events failed; reactivating from storage so the redelivery applies them")]
    private partial void LogWriteFailed(Exception exception, string userId, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "User {UserId}: stream error")]
    private partial void LogStreamError(Exception exception, string userId);
}
