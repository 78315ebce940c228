using System.Collections.Concurrent;

namespace Actors.Grains.Index;

/// <summary>
/// One shard's posting lists: the items under each category prefix ("Office", "Office › Chairs", ...) and the items of
/// each tag. A filter that names a category or tags is answered from the smallest of its lists instead of a scan of the
/// shard. Written from the shard grain's turns, read concurrently by searches.
/// </summary>
internal sealed class AttributePostings
{
    // Category segments and tags are joined under prefixes that no value can hold (values have no control characters).
    private const char Separator = '\u001f';

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _lists = new(StringComparer.Ordinal);

    public void Add(string itemId, ItemAttributes attributes)
    {
        foreach (var key in KeysOf(attributes))
        {
            _lists.GetOrAdd(key, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[itemId] = 0;
        }
    }

    public void Remove(string itemId, ItemAttributes attributes)
    {
        foreach (var key in KeysOf(attributes))
        {
            if (_lists.TryGetValue(key, out var items))
            {
                items.TryRemove(itemId, out _);
            }
        }
    }

    /// <summary>
    /// The smallest list among those <paramref name="filter"/> names (its category prefix, each of its tags): every item
    /// that passes is in it. Empty when one of them has no items; null when the filter names neither.
    /// </summary>
    public IReadOnlyDictionary<string, byte>? Narrowest(ItemFilter filter)
    {
        ConcurrentDictionary<string, byte>? narrowest = null;
        foreach (var key in KeysOf(filter))
        {
            if (!_lists.TryGetValue(key, out var items) || items.IsEmpty)
            {
                return Empty;
            }
            if (narrowest is null || items.Count < narrowest.Count)
            {
                narrowest = items;
            }
        }
        return narrowest;
    }

    private static readonly IReadOnlyDictionary<string, byte> Empty = new Dictionary<string, byte>();

    private static IEnumerable<string> KeysOf(ItemAttributes attributes)
    {
        if (attributes.Category is { Length: > 0 } path)
        {
            for (var depth = 1; depth <= path.Length; depth++)
            {
                yield return CategoryKey(path, depth);
            }
        }
        foreach (var tag in attributes.Tags ?? [])
        {
            yield return TagKey(tag);
        }
    }

    private static IEnumerable<string> KeysOf(ItemFilter filter)
    {
        if (filter.CategoryPrefix is { Length: > 0 } prefix)
        {
            yield return CategoryKey(prefix, prefix.Length);
        }
        foreach (var tag in filter.Tags ?? [])
        {
            yield return TagKey(tag);
        }
    }

    private static string CategoryKey(string[] path, int depth) => "c" + Separator + string.Join(Separator, path, 0, depth);

    private static string TagKey(string tag) => "t" + Separator + tag;
}
