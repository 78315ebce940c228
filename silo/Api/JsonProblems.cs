using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Actors.Silo.Api;

/// <summary>
/// Turns the serializer's <see cref="JsonException"/> into a problem keyed by the field it names
/// (<c>$[3].timestamp</c> becomes <c>events[3].timestamp</c>) saying what the contract expects there, read from the
/// request type's own metadata, and what was sent instead. Only a refused body is read a second time, to say that.
/// </summary>
internal static class JsonProblems
{
    public static ValidationErrors Explain(ReadOnlyMemory<byte> body, JsonException exception, JsonTypeInfo root, string rootName)
    {
        var segments = Parse(exception.Path);
        var key = rootName;
        var parentKey = rootName;
        JsonTypeInfo? type = root;
        JsonTypeInfo? parent = null;
        var unknown = false;
        foreach (var segment in segments)
        {
            (parent, parentKey, key) = (type, key, key + Render(segment));
            (type, unknown) = Step(type, segment);
        }
        var errors = new ValidationErrors();
        if (exception.InnerException is JsonException syntax)
        {
            var where = segments.Count == 0 ? "" : $" at {key}";
            return errors.Add(key, $"The body is not valid JSON{where} (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}): {WithoutPosition(syntax.Message)}");
        }
        if (unknown && parent is not null)
        {
            return errors.Add(key, $"{key} is not a field of {parentKey}; the fields are {Fields(parent)}, and names are case-sensitive.");
        }
        var (value, container) = Locate(body, segments);
        if (value is not { } sent)
        {
            return errors.Add(key, $"{key} must be {Expected(type)}.");
        }
        if (segments.Count > 0 && segments[^1] is string name && container is { ValueKind: JsonValueKind.Object } owner && Occurrences(owner, name) > 1)
        {
            return errors.Add(key, $"{key} appears more than once.");
        }
        if (type is { Kind: JsonTypeInfoKind.Object } && sent.ValueKind == JsonValueKind.Object)
        {
            foreach (var missing in Required(type).Where(p => !sent.TryGetProperty(p, out _)))
            {
                errors.Add($"{key}.{missing}", $"{key}.{missing} is missing.");
            }
            return errors.IsEmpty ? errors.Add(key, $"{key} must be {Expected(type)}.") : errors;
        }
        if (type?.Type == typeof(string) && sent.ValueKind == JsonValueKind.String)
        {
            // A string the reader cannot turn into text: a lone surrogate escape such as "\ud800".
            return errors.Add(key, $"{key} is not valid Unicode text ({exception.InnerException?.Message ?? "an unpaired surrogate"}).");
        }
        return errors.Add(key, $"{key} must be {Expected(type)}, not {Describe(sent)}.");
    }

    /// <summary>What the contract expects of a value of <paramref name="type"/>, for a message.</summary>
    public static string Expected(JsonTypeInfo? type) => type switch
    {
        null => "another kind of value",
        { Kind: JsonTypeInfoKind.Object } => $"an object with {Fields(type)}",
        { Kind: JsonTypeInfoKind.Enumerable } => "an array",
        _ when type.Type == typeof(string) => "a string",
        _ when type.Type == typeof(DateTimeOffset) || type.Type == typeof(DateTimeOffset?) => "an ISO-8601 date and time string, e.g. \"2024-05-01T12:00:00Z\"",
        _ => type.Type.Name,
    };

    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        // The raw text: reading it as a string could fail the way the serializer did.
        JsonValueKind.String => ApiProblems.Quote(value.GetRawText()),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>"eventId, userId and itemId (timestamp optional)": the required fields, then the optional ones.</summary>
    private static string Fields(JsonTypeInfo type)
    {
        var required = Required(type).ToArray();
        var optional = type.Properties.Select(p => p.Name).Except(required, StringComparer.Ordinal).ToArray();
        var list = required.Length switch
        {
            0 => "no required field",
            1 => required[0],
            _ => $"{string.Join(", ", required[..^1])} and {required[^1]}",
        };
        return optional.Length == 0 ? list : $"{list} ({string.Join(", ", optional)} optional)";
    }

    private static IEnumerable<string> Required(JsonTypeInfo type) =>
        type.Properties.Where(p => p.IsRequired || p.AssociatedParameter is { HasDefaultValue: false }).Select(p => p.Name);

    private static (JsonTypeInfo? Type, bool Unknown) Step(JsonTypeInfo? type, object segment) => (type, segment) switch
    {
        ({ Kind: JsonTypeInfoKind.Enumerable, ElementType: { } element }, int) => (type.Options.GetTypeInfo(element), false),
        ({ Kind: JsonTypeInfoKind.Object }, string name) => type.Properties.FirstOrDefault(p => p.Name == name) is { } property
            ? (type.Options.GetTypeInfo(property.PropertyType), false)
            : (null, true),
        _ => (null, false),
    };

    /// <summary>The value at the path and the object or array holding it; nothing when the body is not JSON throughout.</summary>
    private static (JsonElement? Value, JsonElement? Container) Locate(ReadOnlyMemory<byte> body, List<object> segments)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            JsonElement? container = null;
            var value = document.RootElement;
            foreach (var segment in segments)
            {
                container = value;
                switch (segment)
                {
                    case int index when value.ValueKind == JsonValueKind.Array && index < value.GetArrayLength():
                        value = value[index];
                        break;
                    case string name when value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var property):
                        value = property;
                        break;
                    default:
                        return (null, null);
                }
            }
            return (value.Clone(), container?.Clone());
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static int Occurrences(JsonElement obj, string name) => obj.EnumerateObject().Count(p => p.NameEquals(name));

    /// <summary>The segments of a serializer path (<c>$</c>, <c>$[0].eventId</c>, <c>$['odd name']</c>): names and indexes.</summary>
    private static List<object> Parse(string? path)
    {
        var segments = new List<object>();
        if (string.IsNullOrEmpty(path) || path[0] != '$')
        {
            return segments;
        }
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 2)..end]);
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                end = end < 0 ? path.Length : end;
                segments.Add(int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : -1);
                i = end + 1;
            }
            else
            {
                break;
            }
        }
        return segments;
    }

    private static string Render(object segment) => segment switch
    {
        int index => $"[{index}]",
        string name when name.Length > 0 && name.All(char.IsAsciiLetterOrDigit) => $".{name}",
        string name => $"['{name}']",
        _ => "",
    };

    /// <summary>The reader's message without its own position suffix (the problem states the position once, 1-based).</summary>
    private static string WithoutPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }
}
