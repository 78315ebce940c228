namespace Actors.Silo.Api;

/// <summary>
/// The per-address request budget (section <c>Api:RateLimit</c>): a token bucket per client IP address, refilled every
/// second, holding <see cref="BurstSeconds"/> seconds' worth. A request over budget gets 429 with <c>Retry-After</c>.
/// <c>/health</c> and <c>/metrics</c> are not counted (probes and scrapers must get through an attack).
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Requests per second one remote address may make; 0 turns the limit off. Default 50.</summary>
    public int PermitsPerSecond { get; set; } = 50;

    /// <summary>
    /// Requests per second from loopback (and from connections without an IP address: Unix sockets, the in-process test
    /// host); 0 means no limit. Default 0: the tests, the chaos run and the load harness drive the API from this machine,
    /// and whoever is on the machine can reach the silo's ports anyway.
    /// </summary>
    public int LoopbackPermitsPerSecond { get; set; }

    /// <summary>How many seconds' worth of permits a bucket holds, the burst an address may send at once. Default 2.</summary>
    public int BurstSeconds { get; set; } = 2;
}
