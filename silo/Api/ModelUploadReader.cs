using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Actors.Silo.Api;

/// <summary>
/// Reads <c>POST /models</c>: a <c>multipart/form-data</c> body with the parts <c>manifest</c> (manifest.json) and
/// <c>weights</c> (model.safetensors). The sections are streamed, not buffered by the form reader (whose own limit is
/// 128 MiB), and the whole body is counted against <see cref="ApiOptions.MaxModelBytes"/> here as well as by Kestrel,
/// so the limit holds under every server. Only the shape is checked (both parts present, not empty, the manifest a JSON
/// object): what the artifact means is the registry's to judge.
/// </summary>
internal static class ModelUploadReader
{
    public const string ManifestPart = "manifest";
    public const string WeightsPart = "weights";

    private const string Setting = "Api:MaxModelBytes";

    public static async Task<BodyRead<ModelUpload>> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return BodyRead<ModelUpload>.Refuse(ApiProblems.NotMultipart(request.ContentType));
        }
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return BodyRead<ModelUpload>.Reject(ValidationErrors.One("body", "The multipart/form-data Content-Type names no boundary."));
        }
        if (request.ContentLength > maxBytes)
        {
            return BodyRead<ModelUpload>.Refuse(ApiProblems.TooLarge(maxBytes, Setting));
        }

        var parts = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var errors = new ValidationErrors();
        var read = 0L;
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                var name = NameOf(section);
                if (name is not (ManifestPart or WeightsPart))
                {
                    errors.Add(name ?? "body", $"The form part '{ApiProblems.Quote(name ?? "")}' is not one of this request's: send '{ManifestPart}' (manifest.json) and '{WeightsPart}' (model.safetensors).");
                    continue;
                }
                if (parts.ContainsKey(name))
                {
                    errors.Add(name, $"The form part '{name}' appears more than once.");
                    continue;
                }
                using var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int count;
                while ((count = await section.Body.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    read += count;
                    if (read > maxBytes)
                    {
                        return BodyRead<ModelUpload>.Refuse(ApiProblems.TooLarge(maxBytes, Setting));
                    }
                    buffer.Write(chunk, 0, count);
                }
                parts[name] = buffer.ToArray();
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return BodyRead<ModelUpload>.Refuse(ApiProblems.TooLarge(maxBytes, Setting));
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            // A body cut short, a missing closing boundary, section headers over the reader's limit.
            return BodyRead<ModelUpload>.Reject(ValidationErrors.One("body", $"The body is not valid multipart/form-data: {ex.Message}"));
        }

        Check(parts, ManifestPart, "manifest.json", errors);
        Check(parts, WeightsPart, "model.safetensors", errors);
        if (parts.TryGetValue(ManifestPart, out var manifest) && manifest.Length > 0)
        {
            errors.AddIfAny(ManifestPart, NotAJsonObject(manifest));
        }
        return errors.IsEmpty ? new(new ModelUpload(parts[ManifestPart], parts[WeightsPart])) : BodyRead<ModelUpload>.Reject(errors.ToProblem());
    }

    private static void Check(Dictionary<string, byte[]> parts, string name, string file, ValidationErrors errors)
    {
        if (!parts.TryGetValue(name, out var bytes))
        {
            errors.Add(name, $"The form part '{name}' is missing: send {file} in it.");
        }
        else if (bytes.Length == 0)
        {
            errors.Add(name, $"The form part '{name}' is empty: send {file} in it.");
        }
    }

    /// <summary>Null when <paramref name="manifest"/> is one JSON object, else what it is instead.</summary>
    private static string? NotAJsonObject(byte[] manifest)
    {
        try
        {
            using var document = JsonDocument.Parse(manifest);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? null
                : $"The form part '{ManifestPart}' must be a JSON object (manifest.json), not {JsonProblems.Describe(TokenOf(document.RootElement.ValueKind))}.";
        }
        catch (JsonException ex)
        {
            return $"The form part '{ManifestPart}' is not valid JSON (manifest.json): {ex.Message}";
        }
    }

    private static JsonTokenType TokenOf(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => JsonTokenType.StartArray,
        JsonValueKind.String => JsonTokenType.String,
        JsonValueKind.Number => JsonTokenType.Number,
        JsonValueKind.True => JsonTokenType.True,
        JsonValueKind.False => JsonTokenType.False,
        _ => JsonTokenType.Null,
    };

    /// <summary>
    /// The <c>name</c> of a section's <c>Content-Disposition: form-data</c>, or null when it has none; with or without a
    /// <c>filename</c> (<c>curl -F manifest=@manifest.json</c> sends one, which <c>IsFormDisposition</c> would refuse).
    /// </summary>
    private static string? NameOf(MultipartSection section) =>
        ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
        && disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(disposition.Name).Value
            : null;
}
