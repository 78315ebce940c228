using Actors.Grains.Placement;
using Actors.VectorIndex;

namespace Actors.Grains.Index;

/// <summary>
/// Searches every index shard registered on this silo (<see cref="SiloShardRegistry"/>) in one local call and merges
/// their top-k, with each hit's text, so retrieval sends one message per silo rather than one per shard plus one per hit.
/// Placed on the silo its key names (<see cref="SiloKeyedPlacement"/>). Its calls interleave and the search itself runs
/// on the thread pool, so one activation serves concurrent queries on every core; the indexes are thread-safe.
/// </summary>
[SiloKeyedPlacement]
internal sealed class SiloSearchGrain(SiloShardRegistry registry) : Grain, ISiloSearchGrain
{
    public Task<SiloSearchResult> SearchAsync(float[] query, int k, string[] exclude, string[] score, string? modelVersion = null, ItemFilter? filter = null, string[]? vectorsOf = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentNullException.ThrowIfNull(exclude);
        ArgumentNullException.ThrowIfNull(score);
        // Only the shards of the query's model: every version with an index has shards of its own, and a query is never
        // compared with another version's (nor is such a shard's state any concern of this answer). Without a version: slot 0.
        var shards = ShardsOf(modelVersion);
        return Task.Run(
            () =>
            {
                var result = Search(shards, query, k, exclude, score, modelVersion, filter);
                return vectorsOf is null
                    ? result
                    : result with { Vectors = Vectors(shards, [.. result.Hits.Select(h => h.ItemId), .. result.Scored.Select(h => h.ItemId), .. vectorsOf]) };
            },
            cancellationToken);
    }

    public Task<ScoredItem[]> MatchAsync(string[] itemIds, ItemFilter filter, string[] exclude, int fill, string? modelVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(exclude);
        ArgumentOutOfRangeException.ThrowIfNegative(fill);
        var shards = ShardsOf(modelVersion);
        var result = new List<ScoredItem>();
        var taken = new HashSet<string>(exclude, StringComparer.Ordinal);
        foreach (var itemId in itemIds)
        {
            if (itemId is not null && !taken.Contains(itemId) && Array.Find(shards, s => s.Passes(itemId, filter)) is { } owner)
            {
                result.Add(new ScoredItem(itemId, 0, owner.TextOf(itemId) ?? ""));
                taken.Add(itemId);
            }
        }
        foreach (var shard in shards)
        {
            foreach (var itemId in shard.Matching(filter, taken, fill))
            {
                if (fill-- <= 0)
                {
                    break;
                }
                result.Add(new ScoredItem(itemId, 0, shard.TextOf(itemId) ?? ""));
                taken.Add(itemId);
            }
        }
        return Task.FromResult(result.ToArray());
    }

    public Task<HeldVectors> VectorsAsync(string[] itemIds, string? modelVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        return Task.FromResult(Vectors(ShardsOf(modelVersion), itemIds));
    }

    /// <summary>The embeddings and texts of those of <paramref name="itemIds"/> that <paramref name="shards"/> hold, each once.</summary>
    private static HeldVectors Vectors(ShardIndex[] shards, string[] itemIds)
    {
        var ids = new List<string>();
        var vectors = new List<float[]>();
        var texts = new List<string>();
        foreach (var itemId in itemIds.Distinct(StringComparer.Ordinal))
        {
            foreach (var shard in shards)
            {
                if (itemId is not null && shard.Index?.GetVector(itemId) is { } vector)
                {
                    ids.Add(itemId);
                    vectors.Add(vector);
                    texts.Add(shard.TextOf(itemId) ?? "");
                    break;
                }
            }
        }
        return new HeldVectors([.. ids], [.. vectors], [.. texts]);
    }

    private ShardIndex[] ShardsOf(string? modelVersion) =>
        [.. registry.Shards.Where(s => modelVersion is null ? s.Slot == 0 : s.ModelVersion == modelVersion)];

    private static SiloSearchResult Search(ShardIndex[] shards, float[] query, int k, string[] exclude, string[] score, string? modelVersion, ItemFilter? filter)
    {
        var excluded = exclude.Length == 0 ? null : new HashSet<string>(exclude, StringComparer.Ordinal);
        var numbers = new int[shards.Length];
        var partial = false;
        // Best score per item: during a re-partition an item can sit in its old shard and its new one for a moment.
        var best = new Dictionary<string, (float Score, ShardIndex Owner)>(StringComparer.Ordinal);
        for (var s = 0; s < shards.Length; s++)
        {
            numbers[s] = shards[s].Shard;
            partial |= !shards[s].IsComplete(modelVersion);
            if (!shards[s].Comparable(modelVersion))
            {
                // Another model's embedding space: a dot product with this query means nothing.
                continue;
            }
            foreach (var hit in shards[s].Search(query, k, excluded, filter))
            {
                if (!best.TryGetValue(hit.Key, out var known) || hit.Score > known.Score)
                {
                    best[hit.Key] = (hit.Score, shards[s]);
                }
            }
        }
        var top = new TopK(k);
        var owners = new Dictionary<string, ShardIndex>(best.Count, StringComparer.Ordinal);
        foreach (var (itemId, (itemScore, owner)) in best)
        {
            top.Add(itemId, itemScore);
            owners[itemId] = owner;
        }
        var ranked = top.ToArray();
        var hits = new ScoredItem[ranked.Length];
        for (var i = 0; i < ranked.Length; i++)
        {
            hits[i] = new ScoredItem(ranked[i].Key, ranked[i].Score, owners[ranked[i].Key].TextOf(ranked[i].Key) ?? "");
        }

        var scored = new List<ScoredItem>(score.Length);
        foreach (var itemId in score)
        {
            foreach (var shard in shards)
            {
                if (itemId is not null && shard.Comparable(modelVersion) && shard.Passes(itemId, filter) && shard.TryScore(itemId, query, out var cosine))
                {
                    scored.Add(new ScoredItem(itemId, cosine, shard.TextOf(itemId) ?? ""));
                    break;
                }
            }
        }
        return new SiloSearchResult(numbers, hits, [.. scored], partial);
    }
}
