using System.Text.Json;
using System.Text.Json.Serialization;

namespace Actors.Silo.Api.Contracts;

/// <summary>
/// The API's JSON, source-generated and strict: camelCase names matched case-sensitively, an unknown or repeated
/// property refused, null only where the type says so, every constructor parameter without a default required, numbers
/// only as JSON numbers, no comments or trailing commas. Enums (a model's and an experiment's status) are written as
/// their names.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNameCaseInsensitive = false,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(ItemRequest))]
[JsonSerializable(typeof(EventRequest))]
[JsonSerializable(typeof(EventRequest[]))]
[JsonSerializable(typeof(ItemResponse))]
[JsonSerializable(typeof(SimilarItemsResponse))]
[JsonSerializable(typeof(RecommendationsResponse))]
[JsonSerializable(typeof(HistoryResponse))]
[JsonSerializable(typeof(EventsAccepted))]
[JsonSerializable(typeof(ExperimentRequest))]
[JsonSerializable(typeof(StopExperimentRequest))]
[JsonSerializable(typeof(ModelVersionResponse))]
[JsonSerializable(typeof(ModelRegistryResponse))]
[JsonSerializable(typeof(ExperimentResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext
{
    /// <summary>Gives the HTTP answers (and the OpenAPI document's schemas) the same contract and settings as the requests.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var strict = Default.Options;
        options.TypeInfoResolverChain.Insert(0, Default);
        options.PropertyNameCaseInsensitive = strict.PropertyNameCaseInsensitive;
        options.NumberHandling = strict.NumberHandling;
        options.UnmappedMemberHandling = strict.UnmappedMemberHandling;
        options.AllowDuplicateProperties = strict.AllowDuplicateProperties;
        options.RespectNullableAnnotations = strict.RespectNullableAnnotations;
        options.RespectRequiredConstructorParameters = strict.RespectRequiredConstructorParameters;
    }
}
