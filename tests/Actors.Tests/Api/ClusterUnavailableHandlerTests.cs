using System.Text.Json;
using Actors.Silo.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Tests.Api;

/// <summary>Grain calls that fail because part of the cluster is not answering become 503 with Retry-After, not 500.</summary>
public sealed class ClusterUnavailableHandlerTests
{
    private static async Task<(bool Handled, HttpContext Context, JsonElement? Body)> HandleAsync(Exception exception)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var handler = new ClusterUnavailableHandler(services.GetRequiredService<Microsoft.AspNetCore.Http.IProblemDetailsService>());
        var handled = await handler.TryHandleAsync(context, exception, CancellationToken.None);
        context.Response.Body.Position = 0;
        JsonElement? body = context.Response.Body.Length > 0 ? JsonDocument.Parse(context.Response.Body).RootElement.Clone() : null;
        return (handled, context, body);
    }

    public static TheoryData<Exception> Unavailable() =>
    [
        new SiloUnavailableException("silo S127.0.0.1:11111 is dead"),
        new TimeoutException("Response did not arrive on time in 00:00:30"),
        new AggregateException(new InvalidOperationException("other"), new TimeoutException("late")),
        new InvalidOperationException("wrapped", new SiloUnavailableException("dead")),
    ];

    [Theory]
    [MemberData(nameof(Unavailable))]
    public async Task A_cluster_that_does_not_answer_is_a_503_with_retry_after(Exception exception)
    {
        var (handled, context, body) = await HandleAsync(exception);

        Assert.True(handled);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal(ClusterUnavailableHandler.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), context.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
        Assert.Equal(503, body!.Value.GetProperty("status").GetInt32());
        Assert.Contains("retry", body.Value.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_failures_are_left_to_the_default_500()
    {
        var (handled, context, body) = await HandleAsync(new InvalidOperationException("a bug"));

        Assert.False(handled);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Null(body);
    }
}
