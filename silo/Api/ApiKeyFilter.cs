using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Actors.Silo.Api;

/// <summary>Write endpoints answer 401 unless the request carries the configured API key (when one is configured).</summary>
internal static class ApiKeyFilter
{
    public static async ValueTask<object?> RequireKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = context.HttpContext.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.ApiKey;
        if (string.IsNullOrWhiteSpace(expected))
        {
            return await next(context);
        }
        var presented = context.HttpContext.Request.Headers[ApiOptions.ApiKeyHeader];
        if (presented.Count != 1 || !Matches(presented[0], expected.Trim()))
        {
            return TypedResults.Problem(
                title: "An API key is required.",
                detail: $"This endpoint needs the API key in the {ApiOptions.ApiKeyHeader} header; it was {(presented.Count == 0 ? "missing" : "not accepted")}.",
                statusCode: StatusCodes.Status401Unauthorized);
        }
        return await next(context);
    }

    /// <summary>Compares in constant time, so the answer's timing says nothing about how much of the key was right.</summary>
    private static bool Matches(string? presented, string expected) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
