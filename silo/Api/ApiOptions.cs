namespace Actors.Silo.Api;

/// <summary>Limits of the HTTP API (section <c>Api</c>); item text length is <c>Items:MaxTextLength</c>.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest request body accepted, in bytes; larger bodies get 413. Default 1 MiB.</summary>
    public long MaxBodyBytes { get; set; } = 1 << 20;

    /// <summary>Most events accepted in one <c>POST /events</c>. Default 1,000.</summary>
    public int MaxEventsPerRequest { get; set; } = 1_000;

    /// <summary>Largest <c>k</c> accepted by the recommendation and similar-items endpoints. Default 1,000.</summary>
    public int MaxK { get; set; } = 1_000;
}
