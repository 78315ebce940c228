using System.Collections.Concurrent;
using Actors.VectorIndex;

namespace Actors.Grains.Index;

/// <summary>
/// The in-memory half of one index shard: its embeddings (<see cref="AdaptiveVectorIndex"/>, made on the first write,
/// when the dimension is known) and the text each item is shown with. The shard grain writes it from its turns; the
/// silo's search grain reads it concurrently through <see cref="SiloShardRegistry"/>, so everything here is thread-safe.
/// </summary>
internal sealed class ShardIndex(int shard, int slot, int hnswThreshold, HnswOptions hnsw, string modelVersion, int filterExactLimit = ShardIndex.DefaultFilterExactLimit) : IDisposable
{
    private readonly Lock _create = new();
    private readonly ConcurrentDictionary<string, string> _texts = new(StringComparer.Ordinal);

    // Every item's attributes (ItemAttributes.None when it has none), for filtered searches.
    private readonly ConcurrentDictionary<string, ItemAttributes> _attributes = new(StringComparer.Ordinal);

    // The items of each category prefix and each tag, so a filter that names one starts from its items, not the shard's.
    private readonly AttributePostings _postings = new();
    private volatile AdaptiveVectorIndex? _index;
    private volatile bool _incomplete;

    /// <summary>The shard number.</summary>
    public int Shard { get; } = shard;

    /// <summary>The model slot (0: the configured model; see <see cref="ShardKeys"/>).</summary>
    public int Slot { get; } = slot;

    /// <summary>The shard grain's key: slot and shard number.</summary>
    public long Key => ShardKeys.Of(Slot, Shard);

    /// <summary>The model every embedding here was made with (the shard's silo's): entries of another are never added.</summary>
    public string ModelVersion { get; } = modelVersion;

    /// <summary>Set by the shard grain while it may miss acknowledged items (loading, rebuilding, migrating).</summary>
    public bool Incomplete
    {
        get => _incomplete;
        set => _incomplete = value;
    }

    /// <summary>
    /// Whether a search for a query made with <paramref name="modelVersion"/> (null: not checked) sees every item
    /// acknowledged to this shard, in the query's embedding space.
    /// </summary>
    public bool IsComplete(string? modelVersion) => !_incomplete && (modelVersion is null || modelVersion == ModelVersion);

    /// <summary>Whether a query made with <paramref name="modelVersion"/> may be compared with the entries here.</summary>
    public bool Comparable(string? modelVersion) => modelVersion is null || modelVersion == ModelVersion;

    /// <summary>The embeddings; null until the first item arrives.</summary>
    public AdaptiveVectorIndex? Index => _index;

    public int Count => _index?.Count ?? 0;

    public bool Contains(string itemId) => _index?.Contains(itemId) ?? false;

    /// <summary>The text an item is shown with; null when the shard was not given one (the item grain has it).</summary>
    public string? TextOf(string itemId) => _texts.GetValueOrDefault(itemId);

    /// <summary>Every item's text known here, for snapshots.</summary>
    public IEnumerable<KeyValuePair<string, string>> Texts => _texts;

    /// <summary>An item's attributes; null when it has none (or is not here).</summary>
    public ItemAttributes? AttributesOf(string itemId) =>
        _attributes.TryGetValue(itemId, out var attributes) && attributes != ItemAttributes.None ? attributes : null;

    public void Upsert(string itemId, float[] embedding, string? text, ItemAttributes? attributes = null)
    {
        IndexFor(embedding.Length).Upsert(itemId, embedding);
        SetText(itemId, text);
        SetAttributes(itemId, attributes);
    }

    /// <summary>Many items at once (row <c>i</c> of <paramref name="embeddings"/> for <c>itemIds[i]</c>), with one bulk add.</summary>
    public void UpsertMany(IReadOnlyList<string> itemIds, ReadOnlySpan<float> embeddings, int dimension, IReadOnlyList<string?>? texts, IReadOnlyList<ItemAttributes?>? attributes = null)
    {
        IndexFor(dimension).UpsertMany(itemIds, embeddings);
        for (var i = 0; i < itemIds.Count; i++)
        {
            SetText(itemIds[i], texts?[i]);
            SetAttributes(itemIds[i], attributes?[i]);
        }
    }

    public bool Remove(string itemId)
    {
        _texts.TryRemove(itemId, out _);
        if (_attributes.TryRemove(itemId, out var old))
        {
            _postings.Remove(itemId, old);
        }
        return _index?.Remove(itemId) ?? false;
    }

    /// <summary>True when the shard holds <paramref name="itemId"/> with exactly <paramref name="embedding"/> and that text.</summary>
    public bool Holds(string itemId, ReadOnlySpan<float> embedding, string? text) =>
        _index?.GetVector(itemId) is { } stored
        && stored.AsSpan().SequenceEqual(embedding)
        && (text is null || TextOf(itemId) == text);

    public ScoredKey[] Search(float[] query, int k, IReadOnlySet<string>? exclude)
    {
        var index = _index;
        return index is null || index.Count == 0 ? [] : index.Search(query, k, exclude);
    }

    /// <summary>
    /// The best <paramref name="k"/> items that pass <paramref name="filter"/> (none of <paramref name="exclude"/>),
    /// always k when k pass, without a scan of the shard:
    /// <list type="number">
    /// <item>A filter that names a category or tags starts from the items of its rarest one (the postings). When those
    /// are few (at most <c>Index:FilterExactLimit</c>, or under 2 % of the shard), every one that passes is scored exactly.</item>
    /// <item>Otherwise the share that passes is known from that list (or, for availability and price alone, from a
    /// sample), and the graph is searched for enough candidates to expect k passing ones (k / share, doubled), widening
    /// by 4 while fewer pass: for a broad filter that is one ordinary search.</item>
    /// <item>When the widening reaches <see cref="MaxWidening"/> times the usual beam, the graph is walked with the
    /// filter applied (USearch's filtered search), and if that still finds fewer than k, every passing item is scored,
    /// so an answer is never short because the nearest candidates were filtered away.</item>
    /// </list>
    /// </summary>
    public ScoredKey[] Search(float[] query, int k, IReadOnlySet<string>? exclude, ItemFilter? filter)
    {
        if (filter is null || filter.OnlyExcludes)
        {
            return Search(query, k, exclude);
        }
        var index = _index;
        if (index is null || index.Count == 0)
        {
            return [];
        }
        var candidates = _postings.Narrowest(filter);
        if (candidates is not null && (candidates.Count <= filterExactLimit || candidates.Count * 50L < index.Count))
        {
            return Scored(index, query, k, exclude, filter, candidates.Keys);
        }
        bool Passes(string itemId) => _attributes.TryGetValue(itemId, out var a) && filter.Matches(a);
        var share = candidates is not null ? candidates.Count / (double)index.Count : SampledShare(filter);
        var beam = index.HnswOptions.CandidatesFor(k);
        if (share > 0)
        {
            for (var wanted = Math.Min(index.Count, (int)Math.Min(int.MaxValue, Math.Max(2.0 * k, 2.0 * k / share)));
                 wanted <= MaxWidening * beam; wanted = Math.Min(index.Count, wanted * 4))
            {
                var hits = index.Search(query, wanted, exclude);
                var kept = Array.FindAll(hits, h => Passes(h.Key));
                if (kept.Length >= k)
                {
                    return kept[..k];
                }
                if (wanted >= index.Count)
                {
                    // The whole shard asked for: a graph may still not return every item, so the walk and the exact scan decide.
                    break;
                }
            }
        }
        var walked = index.Search(query, k, exclude, Passes);
        return walked.Length >= k ? walked : Scored(index, query, k, exclude, filter, candidates?.Keys ?? _attributes.Keys);
    }

    /// <summary>How many times the usual beam a widening search may ask for before the filtered walk takes over.</summary>
    private const int MaxWidening = 16;

    // Items read to estimate the share a filter without a posting list keeps.
    private const int ShareSample = 2_000;

    /// <summary>The share of a sample of the shard's items that pass <paramref name="filter"/> (the dictionary's order: no particular one).</summary>
    private double SampledShare(ItemFilter filter)
    {
        int seen = 0, passing = 0;
        foreach (var (_, attributes) in _attributes)
        {
            passing += filter.Matches(attributes) ? 1 : 0;
            if (++seen == ShareSample)
            {
                break;
            }
        }
        return seen == 0 ? 0 : passing / (double)seen;
    }

    /// <summary>The exact top <paramref name="k"/> of the <paramref name="candidates"/> that pass <paramref name="filter"/>.</summary>
    private ScoredKey[] Scored(AdaptiveVectorIndex index, float[] query, int k, IReadOnlySet<string>? exclude, ItemFilter filter, IEnumerable<string> candidates)
    {
        var top = new TopK(k);
        foreach (var itemId in candidates)
        {
            if ((exclude is null || !exclude.Contains(itemId)) && _attributes.TryGetValue(itemId, out var attributes) && filter.Matches(attributes)
                && index.TryScore(itemId, query, out var score))
            {
                top.Add(itemId, score);
            }
        }
        return top.ToArray();
    }

    /// <summary>Whether the item is here and passes <paramref name="filter"/> (null: no filter).</summary>
    public bool Passes(string itemId, ItemFilter? filter) =>
        _attributes.TryGetValue(itemId, out var attributes) && (filter is null || filter.Matches(attributes));

    /// <summary>Up to <paramref name="max"/> items here that pass <paramref name="filter"/>, none of <paramref name="exclude"/> (in no particular order).</summary>
    public List<string> Matching(ItemFilter? filter, IReadOnlySet<string>? exclude, int max)
    {
        var result = new List<string>();
        foreach (var (itemId, attributes) in _attributes)
        {
            if (result.Count >= max)
            {
                break;
            }
            if ((exclude is null || !exclude.Contains(itemId)) && (filter is null || filter.Matches(attributes)))
            {
                result.Add(itemId);
            }
        }
        return result;
    }

    /// <summary>The default of <c>Index:FilterExactLimit</c>.</summary>
    public const int DefaultFilterExactLimit = 20_000;

    public bool TryScore(string itemId, float[] query, out float score)
    {
        score = 0;
        return _index is { } index && index.TryScore(itemId, query, out score);
    }

    public void Dispose() => _index?.Dispose();

    /// <summary>The index, made for <paramref name="dimension"/> on first use; a different dimension later is refused.</summary>
    public AdaptiveVectorIndex IndexFor(int dimension)
    {
        if (_index is null)
        {
            lock (_create)
            {
                _index ??= new AdaptiveVectorIndex(dimension, hnswThreshold, hnsw);
            }
        }
        if (_index.Dimension != dimension)
        {
            throw new ArgumentException($"Embedding has {dimension} dimensions; shard {Shard} holds {_index.Dimension}.", nameof(dimension));
        }
        return _index;
    }

    private void SetAttributes(string itemId, ItemAttributes? attributes)
    {
        var now = attributes ?? ItemAttributes.None;
        var before = _attributes.GetValueOrDefault(itemId);
        _attributes[itemId] = now;
        if (before is not null)
        {
            _postings.Remove(itemId, before);
        }
        _postings.Add(itemId, now);
    }

    private void SetText(string itemId, string? text)
    {
        if (text is null)
        {
            _texts.TryRemove(itemId, out _);
        }
        else
        {
            _texts[itemId] = text;
        }
    }
}
