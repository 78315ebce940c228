namespace Actors;

/// <summary>
/// What a shop knows about an item besides its text, all optional: the category path (most general first, e.g.
/// ["Industrial &amp; Scientific", "3D Printing", "Filament"]), the brand, whether it can be sold now, its price and free
/// tags. When an item is written without a text, the text the encoder reads is built from these as LEARN's Amazon texts
/// were: "title. category path. brand." (<see cref="ItemText"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ItemAttributes")]
public sealed record ItemAttributes(
    [property: Id(0)] string? Title = null,
    [property: Id(1)] string[]? Category = null,
    [property: Id(2)] string? Brand = null,
    [property: Id(3)] bool Available = true,
    [property: Id(4)] double? Price = null,
    [property: Id(5)] string[]? Tags = null)
{
    /// <summary>No attributes: available, nothing else known (items written with a text only).</summary>
    public static ItemAttributes None { get; } = new();
}

/// <summary>
/// Which items an answer may hold: a category path prefix (every segment of <see cref="CategoryPrefix"/> equal to the
/// item's, in order), available items only, a price range (inclusive; an item without a price is outside any range),
/// every one of <see cref="Tags"/>, and none of <see cref="Exclude"/>. Null members do not filter.
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.ItemFilter")]
public sealed record ItemFilter(
    [property: Id(0)] string[]? CategoryPrefix = null,
    [property: Id(1)] bool AvailableOnly = false,
    [property: Id(2)] double? MinPrice = null,
    [property: Id(3)] double? MaxPrice = null,
    [property: Id(4)] string[]? Tags = null,
    [property: Id(5)] string[]? Exclude = null)
{
    /// <summary>Whether the filter keeps every item but the excluded ones (it needs no attributes).</summary>
    public bool OnlyExcludes => CategoryPrefix is not { Length: > 0 } && !AvailableOnly && MinPrice is null && MaxPrice is null && Tags is not { Length: > 0 };

    /// <summary>Whether an item with <paramref name="attributes"/> (null: none known) passes every attribute rule (the exclude list is the caller's).</summary>
    public bool Matches(ItemAttributes? attributes)
    {
        var a = attributes ?? ItemAttributes.None;
        if (AvailableOnly && !a.Available)
        {
            return false;
        }
        if ((MinPrice is { } min && !(a.Price >= min)) || (MaxPrice is { } max && !(a.Price <= max)))
        {
            return false;
        }
        if (CategoryPrefix is { Length: > 0 } prefix)
        {
            if (a.Category is not { } path || path.Length < prefix.Length)
            {
                return false;
            }
            for (var i = 0; i < prefix.Length; i++)
            {
                if (!string.Equals(path[i], prefix[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }
        }
        if (Tags is { Length: > 0 } tags)
        {
            if (a.Tags is not { } held)
            {
                return false;
            }
            foreach (var tag in tags)
            {
                if (Array.IndexOf(held, tag) < 0)
                {
                    return false;
                }
            }
        }
        return true;
    }
}

/// <summary>
/// How a user's recommendations are made: the items they may hold (<see cref="Filter"/>), and which of the user's
/// interactions leave their items out (<see cref="ExcludeTypes"/>: event types, e.g. ["purchase"]; null: every item of
/// the history, as always; empty: none), and whether each item says which history item it is closest to
/// (<see cref="Reasons"/>: one more call to every silo per answer; false skips it, for bulk runs that do not show them).
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.RecommendOptions")]
public sealed record RecommendOptions(
    [property: Id(0)] ItemFilter? Filter = null,
    [property: Id(1)] string[]? ExcludeTypes = null,
    [property: Id(2)] bool Reasons = true);

/// <summary>The text built from attributes when an item is written without one.</summary>
public static class ItemText
{
    /// <summary>"title. category path joined by spaces. brand." — the parts there are, each ending with a full stop; null when there is no title.</summary>
    public static string? From(ItemAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (string.IsNullOrWhiteSpace(attributes.Title))
        {
            return null;
        }
        var parts = new List<string> { attributes.Title.Trim() };
        if (attributes.Category is { Length: > 0 } category)
        {
            parts.Add(string.Join(' ', category.Select(c => c.Trim())));
        }
        if (!string.IsNullOrWhiteSpace(attributes.Brand))
        {
            parts.Add(attributes.Brand.Trim());
        }
        return string.Join(' ', parts.Select(p => p.EndsWith('.') ? p : p + "."));
    }
}
