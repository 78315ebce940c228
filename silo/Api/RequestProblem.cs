namespace Actors.Silo.Api;

/// <summary>A request that cannot be served as sent; the API turns it into a problem-details answer (400 unless said otherwise).</summary>
internal sealed class RequestProblem(string detail, int statusCode = StatusCodes.Status400BadRequest) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;

    public static IResult ToResult(string detail, int statusCode = StatusCodes.Status400BadRequest) =>
        TypedResults.Problem(
            title: statusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                StatusCodes.Status415UnsupportedMediaType => "The request body's media type is not supported.",
                _ => "The request is not valid.",
            },
            detail: detail,
            statusCode: statusCode);
}
