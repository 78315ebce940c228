namespace Actors.Tests.Infrastructure;

/// <summary>The real silo host started with one bad setting: what it refuses to start with, in one message.</summary>
internal static class StartupRefusal
{
    /// <summary>Starts the host with <paramref name="key"/> = <paramref name="value"/>; returns every message of the failure (it must fail).</summary>
    public static string Of(string key, string value)
    {
        using var factory = new SiloWith(key, value);
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        return Messages(error);
    }

    private static string Messages(Exception error) =>
        error is AggregateException aggregate
            ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(Messages))
            : error.Message + (error.InnerException is { } inner ? " | " + Messages(inner) : "");

    /// <summary>The real silo host with one setting on top of the test defaults.</summary>
    private sealed class SiloWith(string key, string value) : SiloFactory
    {
        protected override Dictionary<string, string> Settings()
        {
            var settings = base.Settings();
            settings[key] = value;
            return settings;
        }
    }
}
