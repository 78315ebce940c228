namespace Actors.Silo.Api;

/// <summary>An item in an HTTP answer.</summary>
public sealed record ItemResponse(string ItemId, string Text);

/// <summary>A scored item in an HTTP answer.</summary>
public sealed record ScoredItemResponse(string ItemId, float Score, string Text);

/// <summary>The answer of <c>GET /items/{itemId}/similar</c>.</summary>
public sealed record SimilarItemsResponse(string ItemId, IReadOnlyList<ScoredItemResponse> Items);

/// <summary>The answer of <c>GET /users/{userId}/recommendations</c>; <see cref="Source"/> is "embedding" or "popularity".</summary>
public sealed record RecommendationsResponse(string UserId, IReadOnlyList<ScoredItemResponse> Items, string Source);

/// <summary>The answer of <c>GET /users/{userId}/history</c>, oldest first.</summary>
public sealed record HistoryResponse(string UserId, IReadOnlyList<string> Items);

/// <summary>The answer of <c>POST /events</c>.</summary>
public sealed record EventsAccepted(int Accepted);
