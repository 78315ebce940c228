using System.Globalization;
using System.Text.Json;
using Actors.Grains.Items;

namespace Actors.Silo.Api;

/// <summary>Reads and checks request bodies and parameters; every failure names the field and what was expected.</summary>
internal static class RequestParsing
{
    /// <summary>
    /// Reads the body as JSON. The size limit is checked here as well as by Kestrel, so that it holds under every server
    /// (the test host has no request size limit) and a body cut off by Kestrel reads as 413, not as bad JSON. Only
    /// <c>application/json</c> bodies are read: a web page can send <c>text/plain</c> to any address without asking
    /// (a cross-site "simple request"), but not <c>application/json</c> without a CORS preflight this host never grants.
    /// </summary>
    public static async Task<JsonDocument> ReadJsonAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            throw new RequestProblem(
                $"The body must be sent with Content-Type: application/json; got {(string.IsNullOrEmpty(request.ContentType) ? "none" : $"'{Truncate(request.ContentType)}'")}.",
                StatusCodes.Status415UnsupportedMediaType);
        }
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
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
                    throw TooLarge(maxBytes);
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(maxBytes);
        }
        try
        {
            return JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (JsonException ex)
        {
            throw new RequestProblem($"The body is not valid JSON (UTF-8): {ex.Message}");
        }
    }

    private static RequestProblem TooLarge(long maxBytes) =>
        new($"The body is larger than {maxBytes} bytes (Api:MaxBodyBytes).", StatusCodes.Status413PayloadTooLarge);

    public static string RequireId(string? id, string what) =>
        ItemValidation.CheckId(id, what) is { } problem ? throw new RequestProblem(problem) : id!;

    public static int ParseK(string? k, int max)
    {
        if (k is null)
        {
            return 10;
        }
        if (!int.TryParse(k, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < 1 || value > max)
        {
            throw new RequestProblem($"k must be an integer in 1..{max}; got '{Truncate(k)}'.");
        }
        return value;
    }

    public static string RequireString(JsonElement obj, string property, string where)
    {
        if (!obj.TryGetProperty(property, out var value))
        {
            throw new RequestProblem($"{where}: the field '{property}' is missing.");
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new RequestProblem($"{where}: the field '{property}' must be a string, not {Describe(value.ValueKind)}.");
        }
        return ReadText(value, $"{where}: the field '{property}'");
    }

    /// <summary>
    /// Reads one event object; <paramref name="where"/> names it in error messages (e.g. "events[3]"). A timestamp must
    /// lie between <see cref="ApiOptions.EarliestTimestamp"/> and <paramref name="now"/> + <see cref="ApiOptions.MaxClockSkew"/>.
    /// </summary>
    public static InteractionEvent ReadEvent(JsonElement element, string where, DateTimeOffset now, ApiOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new RequestProblem($"{where} must be an object with eventId, userId and itemId, not {Describe(element.ValueKind)}.");
        }
        var eventId = RequireId(RequireString(element, "eventId", where), $"{where}.eventId");
        var userId = RequireId(RequireString(element, "userId", where), $"{where}.userId");
        var itemId = RequireId(RequireString(element, "itemId", where), $"{where}.itemId");
        var timestamp = now;
        if (element.TryGetProperty("timestamp", out var ts) && ts.ValueKind != JsonValueKind.Null)
        {
            if (ts.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(ReadText(ts, $"{where}.timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out timestamp))
            {
                throw new RequestProblem($"{where}.timestamp must be an ISO-8601 date and time string, e.g. \"2024-05-01T12:00:00Z\".");
            }
            // Compared as instants: the offset (up to ±14:00) is the producer's, the bounds are UTC.
            if (timestamp.UtcDateTime > now.UtcDateTime + limits.MaxClockSkew)
            {
                throw new RequestProblem(
                    $"{where}.timestamp {timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)} is more than {limits.MaxClockSkew} ahead of the server's clock " +
                    $"({now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}; Api:MaxClockSkew); send the time the interaction happened, or none for now.");
            }
            if (timestamp < limits.EarliestTimestamp)
            {
                throw new RequestProblem(
                    $"{where}.timestamp {timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)} is before {limits.EarliestTimestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)} (Api:EarliestTimestamp).");
            }
        }
        return new InteractionEvent(eventId, userId, itemId, timestamp);
    }

    private static string ReadText(JsonElement value, string what)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The reader lets some malformed UTF-8 and lone surrogate escapes through and only fails when transcoding.
            throw new RequestProblem($"{what} is not valid UTF-8 text.");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
