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
    public Task<SiloSearchResult> SearchAsync(float[] query, int k, string[] exclude, string[] score, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentNullException.ThrowIfNull(exclude);
        ArgumentNullException.ThrowIfNull(score);
        var shards = registry.Shards.ToArray();
        return Task.Run(() => Search(shards, query, k, exclude, score), cancellationToken);
    }

    private static SiloSearchResult Search(ShardIndex[] shards, float[] query, int k, string[] exclude, string[] score)
    {
        var excluded = exclude.Length == 0 ? null : new HashSet<string>(exclude, StringComparer.Ordinal);
        var top = new TopK(k);
        var numbers = new int[shards.Length];
        var owners = new Dictionary<string, ShardIndex>(StringComparer.Ordinal);
        for (var s = 0; s < shards.Length; s++)
        {
            numbers[s] = shards[s].Shard;
            foreach (var hit in shards[s].Search(query, k, excluded))
            {
                top.Add(hit.Key, hit.Score);
                owners[hit.Key] = shards[s];
            }
        }
        var best = top.ToArray();
        var hits = new ScoredItem[best.Length];
        for (var i = 0; i < best.Length; i++)
        {
            hits[i] = new ScoredItem(best[i].Key, best[i].Score, owners[best[i].Key].TextOf(best[i].Key) ?? "");
        }

        var scored = new List<ScoredItem>(score.Length);
        foreach (var itemId in score)
        {
            foreach (var shard in shards)
            {
                if (itemId is not null && shard.TryScore(itemId, query, out var cosine))
                {
                    scored.Add(new ScoredItem(itemId, cosine, shard.TextOf(itemId) ?? ""));
                    break;
                }
            }
        }
        return new SiloSearchResult(numbers, hits, [.. scored]);
    }
}
