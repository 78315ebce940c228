using Microsoft.AspNetCore.Http.HttpResults;

namespace Actors.Silo.Api;

/// <summary>The API's problem-details answers other than 400, each with a detail that says what was wrong.</summary>
internal static class ApiProblems
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(title: "Not found.", detail: detail, statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult TooLarge(long maxBytes, string setting = "Api:MaxBodyBytes") =>
        TypedResults.Problem(
            title: "The request body is too large.",
            detail: $"The body is larger than {maxBytes} bytes ({setting}).",
            statusCode: StatusCodes.Status413PayloadTooLarge);

    public static ProblemHttpResult NotMultipart(string? contentType) =>
        TypedResults.Problem(
            title: "The request body's media type is not supported.",
            detail: $"The body must be sent as Content-Type: multipart/form-data with the parts 'manifest' (manifest.json) and 'weights' (model.safetensors); got {(string.IsNullOrEmpty(contentType) ? "none" : $"'{Quote(contentType)}'")}.",
            statusCode: StatusCodes.Status415UnsupportedMediaType);

    /// <summary>The model registry's state does not allow the request (nothing was changed): its message says why.</summary>
    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(title: "The request conflicts with the registry's state.", detail: detail, statusCode: StatusCodes.Status409Conflict);

    public static ProblemHttpResult CrossSite(string origin) =>
        TypedResults.Problem(
            title: "A cross-site request cannot change the models.",
            detail: $"The request comes from a page of another origin ('{Quote(origin)}'); model and experiment writes are accepted from this host's own page or from clients that send no Origin.",
            statusCode: StatusCodes.Status403Forbidden);

    public static ProblemHttpResult NotJson(string? contentType) =>
        TypedResults.Problem(
            title: "The request body's media type is not supported.",
            detail: $"The body must be sent with Content-Type: application/json; got {(string.IsNullOrEmpty(contentType) ? "none" : $"'{Quote(contentType)}'")}.",
            statusCode: StatusCodes.Status415UnsupportedMediaType);

    public static ProblemHttpResult BadPath() =>
        TypedResults.Problem(
            title: ValidationErrors.Title,
            detail: "The path contains control characters; ids are printable text.",
            statusCode: StatusCodes.Status400BadRequest);

    /// <summary>At most 40 characters of a value sent, for a message.</summary>
    public static string Quote(string value) => value.Length <= 40 ? value : value[..40] + "…";
}

/// <summary>
/// The problems found in one request, keyed by the path of the field (<c>events[3].timestamp</c>, <c>item.text</c>,
/// <c>k</c>), as a 400 validation-problem answer whose <c>detail</c> repeats them. At most <see cref="Limit"/> are kept,
/// so a batch of a thousand bad events gets an answer of bounded size.
/// </summary>
internal sealed class ValidationErrors
{
    public const string Title = "The request is not valid.";

    /// <summary>Problems kept; more are counted, not listed.</summary>
    public const int Limit = 20;

    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);
    private readonly List<string> _messages = [];
    private int _count;

    public bool IsEmpty => _count == 0;

    public bool IsFull => _count >= Limit;

    public ValidationErrors Add(string field, string message)
    {
        if (_count++ < Limit)
        {
            _errors[field] = _errors.TryGetValue(field, out var earlier) ? [.. earlier, message] : [message];
            _messages.Add(message);
        }
        return this;
    }

    /// <summary>Adds <paramref name="message"/> under <paramref name="field"/> unless it is null (a check that passed).</summary>
    public ValidationErrors AddIfAny(string field, string? message) => message is null ? this : Add(field, message);

    public ValidationProblem ToProblem(string? detail = null) =>
        TypedResults.ValidationProblem(
            _errors,
            detail: detail ?? string.Join(" ", _messages) + (_count > Limit ? $" ({_count - Limit} more not listed.)" : ""),
            title: Title);

    /// <summary>The answer for one problem.</summary>
    public static ValidationProblem One(string field, string message) => new ValidationErrors().Add(field, message).ToProblem();
}
