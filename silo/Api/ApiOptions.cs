namespace Actors.Silo.Api;

/// <summary>Limits of the HTTP API (section <c>Api</c>); item text length is <c>Items:MaxTextLength</c>.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest request body accepted, in bytes; larger bodies get 413. Default 1 MiB.</summary>
    public long MaxBodyBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Largest <c>POST /models</c> body (a model's manifest and weights) accepted, in bytes; larger ones get 413. This
    /// endpoint alone, and only once the API key is checked, reads more than <see cref="MaxBodyBytes"/>. Default 256 MiB.
    /// </summary>
    public long MaxModelBytes { get; set; } = 256L << 20;

    /// <summary>Most events accepted in one <c>POST /events</c>. Default 1,000.</summary>
    public int MaxEventsPerRequest { get; set; } = 1_000;

    /// <summary>
    /// Largest <c>k</c> accepted by the recommendation and similar-items endpoints. Default 100: each answered item
    /// costs an item-grain call for its text, so this bounds what one anonymous request can make the cluster do.
    /// </summary>
    public int MaxK { get; set; } = 100;

    /// <summary>
    /// How far ahead of the silo's clock an event's <c>timestamp</c> may be (the producer's clock may run a little
    /// ahead); later ones get 400. Popularity decays from each event's time, so one event dated far ahead would
    /// outweigh every other. Default 5 minutes.
    /// </summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The earliest event <c>timestamp</c> accepted; earlier ones get 400 (year 1 is a default value, not an
    /// interaction). Default 1970-01-01T00:00:00Z, so that replays of older data sets still go through.
    /// </summary>
    public DateTimeOffset EarliestTimestamp { get; set; } = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// The key every write (<c>PUT /items</c>, <c>POST /events</c>, the model and experiment writes) requires in the <see cref="ApiKeyHeader"/> header; none by
    /// default (the embedded default listens on loopback only). Set it from a secret store or the environment
    /// (<c>Api__ApiKey</c>), never in a committed file.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Refuse to start without an <see cref="ApiKey"/> (the production profile sets this). Default false.</summary>
    public bool RequireApiKey { get; set; }

    /// <summary>
    /// Longest item text, in characters, in the items of recommendation and similar-items answers; longer texts are cut
    /// there (<c>GET /items/{itemId}</c> returns the whole text). Default 300, so one answer stays small whatever
    /// <c>k</c> and <c>Items:MaxTextLength</c> are.
    /// </summary>
    public int AnswerTextLength { get; set; } = 300;

    /// <summary>Requests per client address (section <c>Api:RateLimit</c>).</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>
    /// Refuse to start while <c>AllowedHosts</c> is "*" (the production profile sets this): the host names must be
    /// listed, so a DNS-rebinding page cannot reach the API under a name of its own. Default false.
    /// </summary>
    public bool RequireAllowedHosts { get; set; }

    /// <summary>The request header that carries the API key.</summary>
    public const string ApiKeyHeader = "X-Api-Key";
}
