using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Actors.Silo.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Actors.Silo.Api;

/// <summary>What reading a request body gave: the value, or the answer that refuses the request (413/415, or 400).</summary>
internal readonly record struct BodyRead<T>(T Value, ProblemHttpResult? Refused = null, ValidationProblem? Invalid = null)
{
    public static BodyRead<T> Refuse(ProblemHttpResult refused) => new(default!, Refused: refused);

    public static BodyRead<T> Reject(ValidationProblem invalid) => new(default!, Invalid: invalid);
}

/// <summary>The events of one <c>POST /events</c> as sent: one object (<c>event</c>) or an array (<c>events[i]</c>).</summary>
internal sealed record EventBatch(IReadOnlyList<EventRequest> Events, bool IsArray)
{
    /// <summary>The path that names event <paramref name="index"/> in problem answers.</summary>
    public string PathOf(int index) => IsArray ? $"events[{index}]" : "event";
}

/// <summary>
/// Reads request bodies into the API's request records with the strict <see cref="ApiJsonContext"/>. The size limit is
/// checked here as well as by Kestrel, so that it holds under every server (the test host has no request size limit)
/// and a body cut off by Kestrel reads as 413, not as bad JSON. Only <c>application/json</c> bodies are read: a web page
/// can send <c>text/plain</c> to any address without asking (a cross-site "simple request"), but not
/// <c>application/json</c> without a CORS preflight this host never grants.
/// </summary>
internal static class JsonBody
{
    public static async Task<BodyRead<T>> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, string root, long maxBytes, CancellationToken cancellationToken)
    {
        var body = await ReadBytesAsync(request, maxBytes, cancellationToken);
        if (body.Refused is not null || body.Invalid is not null)
        {
            return new(default!, body.Refused, body.Invalid);
        }
        return Deserialize(body.Value, type, root);
    }

    /// <summary>Reads <c>POST /events</c>: one event object or an array of them.</summary>
    public static async Task<BodyRead<EventBatch>> ReadEventsAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        var body = await ReadBytesAsync(request, maxBytes, cancellationToken);
        if (body.Refused is not null || body.Invalid is not null)
        {
            return new(default!, body.Refused, body.Invalid);
        }
        switch (FirstToken(body.Value))
        {
            case JsonTokenType.StartArray:
                var many = Deserialize(body.Value, ApiJsonContext.Default.EventRequestArray, "events");
                return many.Invalid is { } invalid ? BodyRead<EventBatch>.Reject(invalid) : new(new EventBatch(many.Value, IsArray: true));
            case JsonTokenType.StartObject or JsonTokenType.None:
                // None: not JSON at all; the serializer says where and why.
                var one = Deserialize(body.Value, ApiJsonContext.Default.EventRequest, "event");
                return one.Invalid is { } problem ? BodyRead<EventBatch>.Reject(problem) : new(new EventBatch([one.Value], IsArray: false));
            case var other:
                return BodyRead<EventBatch>.Reject(ValidationErrors.One("body", $"The body must be one event object or an array of them, not {JsonProblems.Describe(other)}."));
        }
    }

    private static BodyRead<T> Deserialize<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> type, string root)
    {
        try
        {
            return JsonSerializer.Deserialize(body.Span, type) is { } value
                ? new(value)
                : BodyRead<T>.Reject(ValidationErrors.One(root, $"{root} must be {JsonProblems.Expected(type)}, not null."));
        }
        catch (JsonException ex)
        {
            return BodyRead<T>.Reject(JsonProblems.Explain(body, ex, type, root).ToProblem());
        }
    }

    private static JsonTokenType FirstToken(ReadOnlyMemory<byte> body)
    {
        var reader = new Utf8JsonReader(body.Span);
        try
        {
            return reader.Read() ? reader.TokenType : JsonTokenType.None;
        }
        catch (JsonException)
        {
            return JsonTokenType.None;
        }
    }

    private static async Task<BodyRead<ReadOnlyMemory<byte>>> ReadBytesAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return BodyRead<ReadOnlyMemory<byte>>.Refuse(ApiProblems.NotJson(request.ContentType));
        }
        if (request.ContentLength > maxBytes)
        {
            return BodyRead<ReadOnlyMemory<byte>>.Refuse(ApiProblems.TooLarge(maxBytes));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return BodyRead<ReadOnlyMemory<byte>>.Refuse(ApiProblems.TooLarge(maxBytes));
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return BodyRead<ReadOnlyMemory<byte>>.Refuse(ApiProblems.TooLarge(maxBytes));
        }
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        // Checked whole, before any field is read: the reader lets some malformed UTF-8 through to the string it is in.
        return Utf8.IsValid(body.Span)
            ? new(body)
            : BodyRead<ReadOnlyMemory<byte>>.Reject(ValidationErrors.One("body", "The body is not valid UTF-8."));
    }
}
