using Actors.Tests.Infrastructure;

namespace Actors.Tests.Api;

/// <summary>The real silo host with a short answer-text preview and its default <c>Api:MaxK</c> and <c>AllowedHosts</c>.</summary>
public sealed class BoundarySiloFactory : SiloFactory
{
    public const int AnswerTextLength = 24;

    protected override Dictionary<string, string> Settings() => new()
    {
        ["Catalog:ImportWhenEmpty"] = "false",
        ["Api:AnswerTextLength"] = AnswerTextLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>The real silo host with a small request budget for loopback, so the rate limiter shows from a test.</summary>
public sealed class RateLimitedSiloFactory : SiloFactory
{
    public const int LoopbackPermitsPerSecond = 5;

    protected override int SeedCount => 1;

    protected override Dictionary<string, string> Settings() => new()
    {
        ["Catalog:ImportWhenEmpty"] = "false",
        ["Api:RateLimit:LoopbackPermitsPerSecond"] = LoopbackPermitsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Api:RateLimit:BurstSeconds"] = "1",
    };
}
