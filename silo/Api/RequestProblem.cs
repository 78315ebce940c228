namespace Actors.Silo.Api;

/// <summary>A request that cannot be served as sent; the API turns it into a 400 problem-details answer.</summary>
internal sealed class RequestProblem(string detail) : Exception(detail)
{
    public static IResult ToResult(string detail) =>
        TypedResults.Problem(title: "The request is not valid.", detail: detail, statusCode: StatusCodes.Status400BadRequest);
}
