namespace Actors.Silo.Api;

/// <summary>
/// Refuses a model or experiment write sent by a page of another origin. The other writes are safe from such pages
/// because they read only <c>application/json</c> (a cross-site page cannot send that without a preflight this host
/// never grants), but an upload is <c>multipart/form-data</c> and activate or rollback carry no body: a plain HTML
/// form on any site could send them to a silo without an API key (the embedded default). Browsers name the page's
/// origin in <c>Origin</c> and <c>Sec-Fetch-Site</c>; clients that are not browsers send neither and pass.
/// </summary>
internal static class CrossSiteFilter
{
    public static async ValueTask<object?> RefuseCrossSiteAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var origin = request.Headers.Origin;
        if (origin.Count > 0 && !IsSameOrigin(origin[0], request.Host))
        {
            return ApiProblems.CrossSite(origin[0] ?? "");
        }
        var site = request.Headers["Sec-Fetch-Site"];
        if (site.Count > 0 && (string.Equals(site[0], "cross-site", StringComparison.OrdinalIgnoreCase) || string.Equals(site[0], "same-site", StringComparison.OrdinalIgnoreCase)))
        {
            return ApiProblems.CrossSite($"Sec-Fetch-Site: {site[0]}");
        }
        return await next(context);
    }

    /// <summary>Whether <paramref name="origin"/> names this host (a sandboxed page's "null" does not).</summary>
    private static bool IsSameOrigin(string? origin, HostString host) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, host.Value, StringComparison.OrdinalIgnoreCase);
}
