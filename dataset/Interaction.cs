namespace Actors.Dataset;

/// <summary>One row of a <c>.inter</c> file: a user's history (item indices, oldest first) and the next item.</summary>
public sealed record Interaction(int User, int[] History, int Target);

/// <summary>An item of the catalog: its index in the data set, its token (e.g. an Amazon ASIN) and its text.</summary>
public sealed record CatalogItem(int Index, string Id, string Text);
