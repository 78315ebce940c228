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

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: event {EventId} is of type {Type}, which is not among Events:Types; dropped")]
    private partial void LogUnknownType(string userId, string eventId, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: malformed event {EventId} (missing or invalid id); dropped")]
    private partial void LogMalformed(string userId, string? eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: applying {Count} events failed; nothing of the batch is kept in memory, and the activation starts over from storage so the redelivery applies them")]
    private partial void LogWriteFailed(Exception exception, string userId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: event {EventId} was applied with item {First} and came again with item {Second}; the second payload is dropped (conflict)")]
    private partial void LogConflict(string userId, string eventId, string first, string second);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: the stored history held {Trimmed} entries more than Users:HistoryLength ({HistoryLength}); the oldest left the window, their ids still deduplicated")]
    private partial void LogTrimmed(string userId, int trimmed, int historyLength);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: rebuilding the tower after a failed batch failed; the activation starts over from storage")]
    private partial void LogRollbackFailed(Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Error, Message = "User {UserId}: stream error")]
    private partial void LogStreamError(Exception exception, string userId);
}
