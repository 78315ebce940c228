using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Actors.Silo.Api.Contracts;

/// <summary>
/// An event timestamp: an ISO-8601 date and time string, read as UTC when it names no offset (System.Text.Json's own
/// converter would take the silo's local offset, so the same request would mean another instant on another machine).
/// </summary>
internal sealed class TimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
        && DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp)
            ? timestamp
            // The message is the caller's to write: JsonProblems names the field and what was sent.
            : throw new JsonException();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString("O", CultureInfo.InvariantCulture));
    }
}
