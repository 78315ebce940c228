namespace Actors.Grains.Users;

/// <summary>The persisted state of a user grain: the rolling history and the ids of events already applied.</summary>
[GenerateSerializer, Alias("Actors.UserState")]
public sealed class UserState
{
    /// <summary>The window, oldest first, at most <c>Users:HistoryLength</c> entries.</summary>
    [Id(0)] public List<HistoryEntry> History { get; set; } = [];

    /// <summary>
    /// Ids of applied events that are not in the window, still deduplicated: those that slid out of it, and those of types
    /// kept out of the history (<c>Events:Types:{name}:InHistory</c> false), in the order they got here, bounded.
    /// </summary>
    [Id(1)] public List<string> EvictedEventIds { get; set; } = [];
}
