using System.Text.Json;
using Actors.Grains.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.HttpResults;
using Actors.Grains.Items;
using Actors.Ingest;
using Microsoft.Extensions.Options;

namespace Actors.Silo.Api;

/// <summary>The HTTP API: items, events, users. Every bad request gets a 400 problem-details answer and changes nothing.</summary>
internal static class ActorsApi
{
    /// <summary>
    /// The error handling every request passes first (before static files and endpoints): request problems become 400
    /// problem details, paths no client can mean (control characters) are refused, anything else is a problem-details 500.
    /// </summary>
    public static WebApplication UseActorsRequestGuards(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.Use(async (context, next) =>
        {
            try
            {
                if (HasControlCharacters(context.Request.Path.Value))
                {
                    throw new RequestProblem("The path contains control characters; ids are printable text.");
                }
                await next(context);
            }
            catch (RequestProblem problem) when (!context.Response.HasStarted)
            {
                await RequestProblem.ToResult(problem.Message, problem.StatusCode).ExecuteAsync(context);
            }
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
        items.MapPut("/{itemId}", PutItemAsync).AddEndpointFilter(ApiKeyFilter.RequireKeyAsync);
        items.MapGet("/{itemId}", GetItemAsync);
        items.MapGet("/{itemId}/similar", GetSimilarAsync);

        app.MapPost("/events", PostEventsAsync).WithTags("Events").AddEndpointFilter(ApiKeyFilter.RequireKeyAsync);

        var users = app.MapGroup("/users").WithTags("Users");
        users.MapGet("/{userId}/history", GetHistoryAsync);
        users.MapGet("/{userId}/recommendations", GetRecommendationsAsync);
        return app;
    }

    private static async Task<IResult> PutItemAsync(string itemId, HttpRequest request, IClusterClient client, IOptions<ItemOptions> itemOptions, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        RequestParsing.RequireId(itemId, "itemId");
        using var body = await RequestParsing.ReadJsonAsync(request, api.Value.MaxBodyBytes, cancellationToken);
        if (body.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new RequestProblem("The body must be an object: {\"text\": \"...\"}.");
        }
        var text = RequestParsing.RequireString(body.RootElement, "text", "body");
        if (ItemValidation.CheckText(text, itemOptions.Value.MaxTextLength) is { } problem)
        {
            throw new RequestProblem(problem);
        }
        var item = await client.GetGrain<IItemGrain>(itemId).UpsertAsync(text, cancellationToken);
        return TypedResults.Ok(new ItemResponse(item.ItemId, item.Text));
    }

    private static async Task<IResult> GetItemAsync(string itemId, IClusterClient client)
    {
        RequestParsing.RequireId(itemId, "itemId");
        var item = await client.GetGrain<IItemGrain>(itemId).GetAsync();
        return item is null ? NotFound($"Item '{itemId}' does not exist.") : TypedResults.Ok(new ItemResponse(item.ItemId, item.Text));
    }

    private static async Task<IResult> GetSimilarAsync(string itemId, string? k, IClusterClient client, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        RequestParsing.RequireId(itemId, "itemId");
        var count = RequestParsing.ParseK(k, api.Value.MaxK);
        var similar = await client.GetGrain<IRetrievalGrain>(0).SimilarAsync(itemId, count, cancellationToken);
        return similar is null
            ? NotFound($"Item '{itemId}' does not exist.")
            : TypedResults.Ok(new SimilarItemsResponse(itemId, ToResponse(similar.Items, api.Value.AnswerTextLength), similar.Partial));
    }

    private static async Task<IResult> PostEventsAsync(HttpRequest request, IClusterClient client, EventPublisher publisher, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var limits = api.Value;
        using var body = await RequestParsing.ReadJsonAsync(request, limits.MaxBodyBytes, cancellationToken);
        var root = body.RootElement;
        var now = DateTimeOffset.UtcNow;
        var events = new List<InteractionEvent>();
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                events.Add(RequestParsing.ReadEvent(root, "event", now, limits));
                break;
            case JsonValueKind.Array:
                var length = root.GetArrayLength();
                if (length == 0)
                {
                    throw new RequestProblem("The array holds no events.");
                }
                if (length > limits.MaxEventsPerRequest)
                {
                    throw new RequestProblem($"The array holds {length} events; at most {limits.MaxEventsPerRequest} are accepted per request.");
                }
                var index = 0;
                foreach (var element in root.EnumerateArray())
                {
                    events.Add(RequestParsing.ReadEvent(element, $"events[{index++}]", now, limits));
                }
                break;
            default:
                throw new RequestProblem("The body must be one event object or an array of them.");
        }

        // Every item must exist before anything is published: a request is applied whole or not at all.
        var itemIds = events.Select(e => e.ItemId).Distinct(StringComparer.Ordinal).ToArray();
        var found = await Task.WhenAll(itemIds.Select(id => client.GetGrain<IItemGrain>(id).GetAsync()));
        var unknown = itemIds.Where((_, i) => found[i] is null).ToArray();
        if (unknown.Length > 0)
        {
            throw new RequestProblem($"Unknown item id{(unknown.Length > 1 ? "s" : "")}: {string.Join(", ", unknown.Take(10).Select(u => $"'{u}'"))}{(unknown.Length > 10 ? $" and {unknown.Length - 10} more" : "")}; nothing was applied.");
        }

        await publisher.PublishAsync(events, cancellationToken);
        return TypedResults.Accepted((string?)null, new EventsAccepted(events.Count));
    }

    private static async Task<IResult> GetHistoryAsync(string userId, IClusterClient client)
    {
        RequestParsing.RequireId(userId, "userId");
        var history = await client.GetGrain<IUserGrain>(userId).GetHistoryAsync();
        return TypedResults.Ok(new HistoryResponse(userId, history.Select(h => h.ItemId).ToArray(), history.Select(h => h.EventId).ToArray()));
    }

    private static async Task<IResult> GetRecommendationsAsync(string userId, string? k, IClusterClient client, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        RequestParsing.RequireId(userId, "userId");
        var count = RequestParsing.ParseK(k, api.Value.MaxK);
        var recommendations = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(userId, count, cancellationToken);
        return TypedResults.Ok(new RecommendationsResponse(userId, ToResponse(recommendations.Items, api.Value.AnswerTextLength), recommendations.Source, recommendations.Partial));
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
        Array.ConvertAll(items, i => new ScoredItemResponse(i.ItemId, i.Score, Preview(i.Text, textLength)));

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

    private static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(title: "Not found.", detail: detail, statusCode: StatusCodes.Status404NotFound);
}
