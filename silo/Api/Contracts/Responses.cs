namespace Actors.Silo.Api.Contracts;

/// <summary>The answer of <c>PUT /items/{itemId}</c> and <c>GET /items/{itemId}</c>: the item with its whole text.</summary>
public sealed record ItemResponse(
    string ItemId,
    string Text,
    string? Title = null,
    IReadOnlyList<string>? Category = null,
    string? Brand = null,
    bool Available = true,
    double? Price = null,
    IReadOnlyList<string>? Tags = null)
{
    public static ItemResponse From(ItemView item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var a = item.Attributes ?? ItemAttributes.None;
        return new(item.ItemId, item.Text, a.Title, a.Category, a.Brand, a.Available, a.Price, a.Tags);
    }
}

/// <summary>A scored item in an answer; <see cref="Text"/> is a preview of at most <c>Api:AnswerTextLength</c> characters.</summary>
public sealed record ScoredItemResponse(string ItemId, float Score, string Text, ReasonResponse? Because = null);

/// <summary>Why an item is recommended: the item of the user's history closest to it, with its text (a preview).</summary>
public sealed record ReasonResponse(string ItemId, string Text);

/// <summary>The answer of <c>GET /items/{itemId}/similar</c>, best first; <see cref="Partial"/> when a shard missed the deadline.</summary>
public sealed record SimilarItemsResponse(string ItemId, IReadOnlyList<ScoredItemResponse> Items, bool Partial);

/// <summary>
/// The answer of <c>GET /users/{userId}/recommendations</c>, best first; <see cref="Source"/> is "embedding" or
/// "popularity", <see cref="Partial"/> is true when a shard missed the deadline. <see cref="ModelVersion"/> is the one
/// model version whose index answered (never a mix of two), <see cref="Experiment"/> the experiment whose arm served
/// the user (null outside one).
/// </summary>
public sealed record RecommendationsResponse(
    string UserId,
    IReadOnlyList<ScoredItemResponse> Items,
    string Source,
    bool Partial,
    string? ModelVersion,
    string? Experiment);

/// <summary>The answer of <c>GET /users/{userId}/history</c>, oldest first; <see cref="EventIds"/> are the ids of the events that added <see cref="Items"/>, position by position.</summary>
public sealed record HistoryResponse(string UserId, IReadOnlyList<string> Items, IReadOnlyList<string> EventIds);

/// <summary>The answer of <c>POST /events</c>: how many events are on the stream.</summary>
public sealed record EventsAccepted(int Accepted);
