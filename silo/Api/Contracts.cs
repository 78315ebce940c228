namespace Actors.Silo.Api;

/// <summary>An item in an HTTP answer.</summary>
public sealed record ItemResponse(string ItemId, string Text);

/// <summary>A scored item in an HTTP answer.</summary>
public sealed record ScoredItemResponse(string ItemId, float Score, string Text);

/// <summary>The answer of <c>GET /items/{itemId}/similar</c>; <see cref="Partial"/> when a shard missed the deadline.</summary>
public sealed record SimilarItemsResponse(string ItemId, IReadOnlyList<ScoredItemResponse> Items, bool Partial);

/// <summary>
/// The answer of <c>GET /users/{userId}/recommendations</c>; <see cref="Source"/> is "embedding" or "popularity",
/// <see cref="Partial"/> is true when a shard missed the deadline.
/// </summary>
public sealed record RecommendationsResponse(string UserId, IReadOnlyList<ScoredItemResponse> Items, string Source, bool Partial);

/// <summary>The answer of <c>GET /users/{userId}/history</c>, oldest first; <see cref="EventIds"/> are the ids of the events that added <see cref="Items"/>, position by position.</summary>
public sealed record HistoryResponse(string UserId, IReadOnlyList<string> Items, IReadOnlyList<string> EventIds);

/// <summary>The answer of <c>POST /events</c>.</summary>
public sealed record EventsAccepted(int Accepted);
