using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Actors.Client.Commands;

/// <summary>One line of <c>recommend --users</c>: a user's answer, as <see cref="IRetrievalGrain.RecommendAsync"/> gave it.</summary>
internal sealed record UserRecommendationsLine(
    string UserId,
    ScoredItem[] Items,
    string Source,
    bool Partial,
    string? ModelVersion,
    string? Experiment);

/// <summary>One line of <c>recommend --users</c> for a user whose query failed: the run goes on without them.</summary>
internal sealed record UserErrorLine(string UserId, string Error);

/// <summary>
/// The JSON lines of <c>recommend --users</c>, source-generated: camelCase names, nulls written (a line always has the
/// same properties), one line per value (not indented).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(UserRecommendationsLine))]
[JsonSerializable(typeof(UserErrorLine))]
internal sealed partial class BulkRecommendationsJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context with item texts written as they are ("+/- 0.03 mm", "Industrial &amp; Scientific"), not as \u escapes:
    /// the lines go to a file or a pipe, never into HTML, so only what JSON itself requires is escaped.
    /// </summary>
    public static BulkRecommendationsJsonContext Lines { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
