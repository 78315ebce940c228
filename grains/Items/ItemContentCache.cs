using Actors.Encoder;
using Actors.Grains.Hosting;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Items;

/// <summary>
/// Items' content embeddings on this silo, for the user grains: an event needs its item's content embedding, which
/// only changes with the item's text or the encoder, so a silo fetches it once (all of a batch's missing items in
/// parallel) and keeps it, keyed by item id and checked against this silo's encoder version. Bounded
/// (<see cref="ItemOptions.ContentCacheSize"/> entries, least recently used evicted) and expiring
/// (<see cref="ItemOptions.ContentCacheTtl"/>), so a text edited on another silo reaches this one's events that late;
/// the item's own silo forgets its entry when the item changes. Unknown items are never cached.
/// </summary>
internal sealed class ItemContentCache : IDisposable
{
    private readonly MemoryCache? _cache;
    private readonly TextEncoder _encoder;
    private readonly TimeSpan _ttl;

    public ItemContentCache(IOptions<ItemOptions> options, TextEncoder encoder)
    {
        _encoder = encoder;
        _ttl = options.Value.ContentCacheTtl;
        if (options.Value.ContentCacheSize > 0 && _ttl > TimeSpan.Zero)
        {
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.ContentCacheSize, CompactionPercentage = 0.1 });
        }
    }

    /// <summary>
    /// The content embedding of each of <paramref name="itemIds"/> (distinct), from the cache or from the item grains
    /// (those missing asked in parallel); null for an item that does not exist.
    /// </summary>
    public async Task<Dictionary<string, float[]?>> GetAsync(IGrainFactory grains, IReadOnlyCollection<string> itemIds)
    {
        var result = new Dictionary<string, float[]?>(itemIds.Count, StringComparer.Ordinal);
        List<string>? missing = null;
        foreach (var itemId in itemIds)
        {
            if (_cache is not null && _cache.TryGetValue(itemId, out Entry? entry) && entry!.EncoderVersion == _encoder.ModelVersion)
            {
                result[itemId] = entry.Content;
            }
            else
            {
                (missing ??= []).Add(itemId);
            }
        }
        if (missing is null)
        {
            return result;
        }

        var fetched = await Task.WhenAll(missing.Select(id => GrainReferences.Get<IItemGrain>(grains, id).GetEmbeddingsAsync()));
        for (var i = 0; i < missing.Count; i++)
        {
            var embeddings = fetched[i];
            result[missing[i]] = embeddings?.Content;
            if (embeddings is not null && _cache is not null && embeddings.EncoderVersion == _encoder.ModelVersion)
            {
                _cache.Set(missing[i], new Entry(embeddings.Content, embeddings.EncoderVersion), new MemoryCacheEntryOptions
                {
                    Size = 1,
                    AbsoluteExpirationRelativeToNow = _ttl,
                });
            }
        }
        return result;
    }

    /// <summary>Forgets <paramref name="itemId"/> on this silo (its text or content changed).</summary>
    public void Forget(string itemId) => _cache?.Remove(itemId);

    public void Dispose() => _cache?.Dispose();

    private sealed record Entry(float[] Content, string EncoderVersion);
}
