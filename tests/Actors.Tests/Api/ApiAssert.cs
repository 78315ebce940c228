using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Actors.Tests.Api;

/// <summary>What the HTTP tests share: relative addresses, and what a problem answer must carry.</summary>
internal static class ApiAssert
{
    public static Uri Url(string path) => new(path, UriKind.Relative);

    /// <summary>A problem-details answer with <paramref name="status"/> whose <c>detail</c> mentions <paramref name="mentions"/>.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string mentions)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(mentions, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        return problem;
    }
}
