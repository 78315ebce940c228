using Actors.Grains.Events;
using Actors.Grains.Hosting;
using Actors.Silo.Api.Contracts;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.HttpResults;
using Actors.Ingest;
using Microsoft.Extensions.Options;

namespace Actors.Silo.Api;

/// <summary>
/// The HTTP API: items, events, users (model versions and experiments: <see cref="ModelsApi"/>). Each endpoint states its answers in its signature (a <see cref="Results{TResult1, TResult2}"/>
/// union); a bad request gets a 400 validation problem keyed by the field it names, before any grain call, and changes nothing.
/// </summary>
internal static class ActorsApi
{
    /// <summary>The API's JSON contract (<see cref="ApiJsonContext"/>) for answers and the OpenAPI document.</summary>
    public static IServiceCollection AddActorsApiJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options => ApiJsonContext.Configure(options.SerializerOptions));

    /// <summary>
    /// The error handling every request passes first (before static files and endpoints): paths no client can mean
    /// (control characters) are refused, a cluster that is not answering is a 503 (<see cref="ClusterUnavailableHandler"/>),
    /// anything else unexpected a problem-details 500.
    /// </summary>
    public static WebApplication UseActorsRequestGuards(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.Use(async (context, next) =>
        {
            if (HasControlCharacters(context.Request.Path.Value))
            {
                await ApiProblems.BadPath().ExecuteAsync(context);
                return;
            }
            await next(context);
        });
        return app;
    }

    public static WebApplication MapActorsApi(this WebApplication app)
    {
        // The answer says why a silo is not ready (importing, waiting for another silo, failed and retrying).
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = (context, report) => context.Response.WriteAsync(
                $"{report.Status}: {string.Join("; ", report.Entries.Values.Select(e => e.Description ?? e.Status.ToString()))}"),
        });

        var items = app.MapGroup("/items").WithTags("Items");
        items.MapPut("/{itemId}", PutItemAsync).WithName("PutItem").WithSummary("Create or replace an item; searchable when this returns")
            .WithJsonBody(typeof(ItemRequest)).AsWrite();
        items.MapDelete("/{itemId}", DeleteItemAsync).WithName("DeleteItem")
            .WithSummary("Delete an item: it leaves every answer before this returns; histories keep it; a PUT brings it back").AsWrite()
            .ProducesProblem(StatusCodes.Status404NotFound);
        items.MapGet("/{itemId}", GetItemAsync).WithName("GetItem").WithSummary("An item with its whole text").AsRead().ProducesProblem(StatusCodes.Status404NotFound);
        items.MapGet("/{itemId}/similar", GetSimilarAsync).WithName("GetSimilarItems").WithSummary("The items nearest to an item, best first, itself excluded")
            .AsRead().ProducesProblem(StatusCodes.Status404NotFound);

        app.MapPost("/events", PostEventsAsync).WithTags("Events").WithName("PostEvents")
            .WithSummary("Publish one event object or an array of them; applied whole or not at all")
            .WithJsonBody(typeof(EventRequest), typeof(EventRequest[])).AsWrite();

        var users = app.MapGroup("/users").WithTags("Users");
        users.MapGet("/{userId}/history", GetHistoryAsync).WithName("GetHistory").WithSummary("A user's interactions, oldest first").AsRead();
        users.MapGet("/{userId}/recommendations", GetRecommendationsAsync).WithName("GetRecommendations")
            .WithSummary("Items for a user, best first, nothing from the history").AsRead();
        return app.MapModelsApi();
    }

    private static async Task<Results<Ok<ItemResponse>, ValidationProblem, ProblemHttpResult>> PutItemAsync(
        string itemId, HttpRequest request, IClusterClient client, IOptions<ItemOptions> itemOptions, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        if (RequestValidation.ValidateId(itemId, "itemId") is { } badId)
        {
            return badId;
        }
        var body = await JsonBody.ReadAsync(request, ApiJsonContext.Default.ItemRequest, "item", api.Value.MaxBodyBytes, cancellationToken);
        if (body.Refused is { } refused)
        {
            return refused;
        }
        if ((body.Invalid ?? RequestValidation.Validate(body.Value, itemOptions.Value.MaxTextLength)) is { } invalid)
        {
            return invalid;
        }
        var item = await client.GetGrain<IItemGrain>(itemId).UpsertAsync(body.Value.Text, RequestValidation.ToAttributes(body.Value), cancellationToken);
        return TypedResults.Ok(ItemResponse.From(item));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteItemAsync(string itemId, IClusterClient client, CancellationToken cancellationToken)
    {
        if (RequestValidation.ValidateId(itemId, "itemId") is { } badId)
        {
            return badId;
        }
        return await client.GetGrain<IItemGrain>(itemId).DeleteAsync(cancellationToken)
            ? TypedResults.NoContent()
            : ApiProblems.NotFound($"Item '{itemId}' does not exist.");
    }

    private static async Task<Results<Ok<ItemResponse>, ValidationProblem, ProblemHttpResult>> GetItemAsync(string itemId, IClusterClient client)
    {
        if (RequestValidation.ValidateId(itemId, "itemId") is { } badId)
        {
            return badId;
        }
        var item = await client.GetGrain<IItemGrain>(itemId).GetAsync();
        return item is null ? ApiProblems.NotFound($"Item '{itemId}' does not exist.") : TypedResults.Ok(ItemResponse.From(item));
    }

    private static async Task<Results<Ok<SimilarItemsResponse>, ValidationProblem, ProblemHttpResult>> GetSimilarAsync(
        string itemId, string? k, string? category, string? available, string? minPrice, string? maxPrice, string[]? tag, string[]? exclude,
        IClusterClient client, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var badK = RequestValidation.ValidateK(k, api.Value.MaxK, out var count);
        var badFilter = RequestValidation.ValidateFilter(category, available, minPrice, maxPrice, tag, exclude, out var filter);
        if ((RequestValidation.ValidateId(itemId, "itemId") ?? badK ?? badFilter) is { } invalid)
        {
            return invalid;
        }
        var similar = await client.GetGrain<IRetrievalGrain>(0).SimilarAsync(itemId, count, filter, cancellationToken);
        return similar is null
            ? ApiProblems.NotFound($"Item '{itemId}' does not exist.")
            : TypedResults.Ok(new SimilarItemsResponse(itemId, ToResponse(similar.Items, api.Value.AnswerTextLength), similar.Partial));
    }

    private static async Task<Results<Accepted<EventsAccepted>, ValidationProblem, ProblemHttpResult>> PostEventsAsync(
        HttpRequest request, IClusterClient client, EventPublisher publisher, IOptions<ApiOptions> api, EventTypes eventTypes, CancellationToken cancellationToken)
    {
        var limits = api.Value;
        var body = await JsonBody.ReadEventsAsync(request, limits.MaxBodyBytes, cancellationToken);
        if (body.Refused is { } refused)
        {
            return refused;
        }
        var now = DateTimeOffset.UtcNow;
        if ((body.Invalid ?? RequestValidation.Validate(body.Value, now, limits, eventTypes)) is { } invalid)
        {
            return invalid;
        }

        // Every item must exist before anything is published: a request is applied whole or not at all.
        var events = RequestValidation.ToEvents(body.Value, now);
        var itemIds = events.Select(e => e.ItemId).Distinct(StringComparer.Ordinal).ToArray();
        var found = await Task.WhenAll(itemIds.Select(id => client.GetGrain<IItemGrain>(id).GetAsync()));
        var unknown = itemIds.Where((_, i) => found[i] is null).ToHashSet(StringComparer.Ordinal);
        if (unknown.Count > 0)
        {
            return UnknownItems(body.Value, unknown);
        }

        await publisher.PublishAsync(events, cancellationToken);
        return TypedResults.Accepted((string?)null, new EventsAccepted(events.Length));
    }

    /// <summary>A 400 naming each event whose item does not exist (the first of each id), and every such id in the detail.</summary>
    private static ValidationProblem UnknownItems(EventBatch batch, HashSet<string> unknown)
    {
        var errors = new ValidationErrors();
        var named = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Events.Count; i++)
        {
            if (unknown.Contains(batch.Events[i].ItemId) && named.Add(batch.Events[i].ItemId))
            {
                errors.Add($"{batch.PathOf(i)}.itemId", $"{batch.PathOf(i)}.itemId '{batch.Events[i].ItemId}' is not a known item.");
            }
        }
        var ids = named.Take(10).Select(u => $"'{u}'");
        return errors.ToProblem(
            $"Unknown item id{(named.Count > 1 ? "s" : "")}: {string.Join(", ", ids)}{(named.Count > 10 ? $" and {named.Count - 10} more" : "")}; nothing was applied.");
    }

    private static async Task<Results<Ok<HistoryResponse>, ValidationProblem>> GetHistoryAsync(string userId, IClusterClient client)
    {
        if (RequestValidation.ValidateId(userId, "userId") is { } badId)
        {
            return badId;
        }
        var history = await client.GetGrain<IUserGrain>(userId).GetHistoryAsync();
        return TypedResults.Ok(new HistoryResponse(userId, history.Select(h => h.ItemId).ToArray(), history.Select(h => h.EventId).ToArray()));
    }

    private static async Task<Results<Ok<RecommendationsResponse>, ValidationProblem>> GetRecommendationsAsync(
        string userId, string? k, string? category, string? available, string? minPrice, string? maxPrice, string[]? tag, string[]? exclude, string[]? excludeTypes,
        string? reasons, IClusterClient client, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var badK = RequestValidation.ValidateK(k, api.Value.MaxK, out var count);
        var badFilter = RequestValidation.ValidateFilter(category, available, minPrice, maxPrice, tag, exclude, out var filter);
        var badReasons = RequestValidation.ValidateFlag(reasons, "reasons", defaultValue: true, out var withReasons);
        if ((RequestValidation.ValidateId(userId, "userId") ?? badK ?? badFilter ?? badReasons) is { } invalid)
        {
            return invalid;
        }
        var types = RequestValidation.ExcludeTypes(excludeTypes);
        var options = filter is null && types is null && withReasons ? null : new RecommendOptions(filter, types, withReasons);
        var recommendations = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(userId, count, options, cancellationToken);
        return TypedResults.Ok(new RecommendationsResponse(
            userId, ToResponse(recommendations.Items, api.Value.AnswerTextLength), recommendations.Source, recommendations.Partial,
            recommendations.ModelVersion, recommendations.Experiment));
    }

    private static bool HasControlCharacters(string? path)
    {
        foreach (var c in path.AsSpan())
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }
        return false;
    }

    private static ScoredItemResponse[] ToResponse(ScoredItem[] items, int textLength) =>
        Array.ConvertAll(items, i => new ScoredItemResponse(i.ItemId, i.Score, Preview(i.Text, textLength),
            i.Because is null ? null : new ReasonResponse(i.Because, Preview(i.BecauseText ?? "", textLength))));

    /// <summary>The first <paramref name="length"/> characters of <paramref name="text"/>, never half a surrogate pair, "…" when cut.</summary>
    internal static string Preview(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }
        var cut = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return string.Concat(text.AsSpan(0, cut), "…");
    }
}
