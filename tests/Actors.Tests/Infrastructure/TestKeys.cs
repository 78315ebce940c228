namespace Actors.Tests.Infrastructure;

/// <summary>Fresh grain keys and events for tests on a shared cluster: every test writes under keys no other test uses.</summary>
internal static class TestKeys
{
    public static string Fresh(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>An interaction happening now, under a fresh event id unless <paramref name="eventId"/> is given.</summary>
    public static InteractionEvent Event(string userId, string itemId, string? eventId = null) =>
        new(eventId ?? Fresh("evt"), userId, itemId, DateTimeOffset.UtcNow);
}
