using Actors.Silo.Api.Contracts;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.OpenApi;

namespace Actors.Silo.Api;

/// <summary>
/// What an endpoint declares beyond its typed results: the body it reads, the API key a write requires, and the answers
/// the key filter and the pipeline (rate limit, 503 handler) add, so the OpenAPI document lists them all.
/// </summary>
internal static class EndpointMetadata
{
    /// <summary>What every endpoint may answer besides its own results: over the rate limit, or the cluster not answering.</summary>
    public static RouteHandlerBuilder AsRead(this RouteHandlerBuilder endpoint) =>
        endpoint.ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>A write: requires the API key (when configured) and reads a JSON body of bounded size.</summary>
    public static RouteHandlerBuilder AsWrite(this RouteHandlerBuilder endpoint) =>
        endpoint.AsRead().AddEndpointFilter(ApiKeyFilter.RequireKeyAsync)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>
    /// A model or experiment write: the API key as for every write (the 413 and 415 of a body only where it reads one),
    /// and never from another site's page (<see cref="CrossSiteFilter"/>), since an upload is a form and activate a bare POST.
    /// </summary>
    public static RouteHandlerBuilder AsModelWrite(this RouteHandlerBuilder endpoint, bool readsBody) =>
        (readsBody ? endpoint.AsWrite() : endpoint.AsRead().AddEndpointFilter(ApiKeyFilter.RequireKeyAsync).ProducesProblem(StatusCodes.Status401Unauthorized))
            .AddEndpointFilter(CrossSiteFilter.RefuseCrossSiteAsync)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    /// <summary>
    /// A body limit of its own for this endpoint (Kestrel's is <see cref="ApiOptions.MaxBodyBytes"/> for all others):
    /// routing sets it on the request before the endpoint reads anything.
    /// </summary>
    public static RouteHandlerBuilder WithRequestSizeLimit(this RouteHandlerBuilder endpoint, long maxBytes) =>
        endpoint.WithMetadata(new RequestSizeLimit(maxBytes));

    /// <summary>The <c>POST /models</c> body in the OpenAPI document: a form with the files <c>manifest</c> and <c>weights</c>.</summary>
    public static RouteHandlerBuilder WithModelUploadBody(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            static OpenApiSchema File(string description) => new() { Type = JsonSchemaType.String, Format = "binary", Description = description };
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["multipart/form-data"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string> { ModelUploadReader.ManifestPart, ModelUploadReader.WeightsPart },
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                [ModelUploadReader.ManifestPart] = File("manifest.json of the artifact"),
                                [ModelUploadReader.WeightsPart] = File("model.safetensors of the artifact"),
                            },
                        },
                    },
                },
            };
            return Task.CompletedTask;
        });

    /// <summary>
    /// The request body in the OpenAPI document, one of <paramref name="types"/>. Not <c>Accepts</c>: its metadata makes
    /// routing answer a wrong media type with a bare 415 before the endpoint, whose 415 says what to send.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody(this RouteHandlerBuilder endpoint, params Type[] types) => endpoint.WithJsonBody(required: true, types);

    /// <summary>As <see cref="WithJsonBody(RouteHandlerBuilder, Type[])"/>; <paramref name="required"/> false for a body that may be left out.</summary>
    public static RouteHandlerBuilder WithJsonBody(this RouteHandlerBuilder endpoint, bool required, params Type[] types) =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schemas = new List<IOpenApiSchema>();
            foreach (var type in types)
            {
                schemas.Add(WithTimestamp(await context.GetOrCreateSchemaAsync(type, null, cancellationToken)));
            }
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = required,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = schemas.Count == 1 ? schemas[0] : new OpenApiSchema { OneOf = schemas } },
                },
            };
        });

    /// <summary>An event's <c>timestamp</c> as what it is: <see cref="TimestampConverter"/> hides its type from the schema generator.</summary>
    private static IOpenApiSchema WithTimestamp(IOpenApiSchema schema)
    {
        if (schema is OpenApiSchema { Properties: { } properties } && properties.ContainsKey("timestamp"))
        {
            properties["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Format = "date-time" };
        }
        if (schema is OpenApiSchema { Items: { } items })
        {
            WithTimestamp(items);
        }
        return schema;
    }

    private sealed class RequestSizeLimit(long maxBytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => maxBytes;
    }
}
