namespace Actors.Grains.Users;

/// <summary>The persisted state of a user grain: the rolling history and the ids of events already applied.</summary>
[GenerateSerializer, Alias("Actors.UserState")]
public sealed class UserState
{
    /// <summary>The window, oldest first, at most <c>Users:HistoryLength</c> entries.</summary>
    [Id(0)] public List<HistoryEntry> History { get; set; } = [];

    /// <summary>Ids of applied events that have slid out of the window, oldest first, bounded.</summary>
    [Id(1)] public List<string> EvictedEventIds { get; set; } = [];
}
