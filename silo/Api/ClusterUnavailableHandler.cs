using Microsoft.AspNetCore.Diagnostics;

namespace Actors.Silo.Api;

/// <summary>
/// A request whose grain calls failed because part of the cluster is not answering (a silo died or is being declared
/// dead, a call timed out, a message was rejected while the cluster reshapes) gets 503 with <c>Retry-After</c>, not 500:
/// nothing is wrong with the request, and the same request is likely to succeed in a few seconds. Every other
/// exception is left to the default handler (a problem-details 500).
/// </summary>
internal sealed class ClusterUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    /// <summary>Seconds a client is asked to wait: about the time the cluster takes to route around a dead silo.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (!IsClusterUnavailable(exception))
        {
            return false;
        }
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The cluster is not answering.",
                Detail = $"Part of the cluster did not answer ({exception.GetBaseException().GetType().Name}); nothing is wrong with the request: retry in a few seconds.",
            },
        });
    }

    /// <summary>Whether <paramref name="exception"/>, or one it wraps, says a silo or a call did not answer.</summary>
    public static bool IsClusterUnavailable(Exception? exception) => exception switch
    {
        null => false,
        SiloUnavailableException or OrleansMessageRejectionException or TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsClusterUnavailable),
        _ => IsClusterUnavailable(exception.InnerException),
    };
}
