using Actors.Grains.Hosting;
using Actors.VectorIndex;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Actors.Grains.Retrieval;

/// <summary>
/// Federated retrieval: asks the user grain for the embedding and the seen items, fans the query out to
/// every index shard in parallel, merges their top-k and fills in the item texts. Users without history get
/// the time-decayed popularity list.
/// </summary>
[StatelessWorker]
internal sealed class RetrievalGrain(IOptions<IndexOptions> options) : Grain, IRetrievalGrain
{
    public async Task<Recommendations> RecommendAsync(string userId, int k, CancellationToken cancellationToken = default)
    {
        var profile = await GrainFactory.GetGrain<IUserGrain>(userId).GetProfileAsync();
        if (profile.Embedding is null)
        {
            var popular = await GrainFactory.GetGrain<IPopularityGrain>(0).TopAsync(k, profile.SeenItems);
            return new Recommendations(await WithTextsAsync(popular), "popularity");
        }
        var hits = await SearchAllShardsAsync(profile.Embedding, k, profile.SeenItems, cancellationToken);
        return new Recommendations(await WithTextsAsync(hits), "embedding");
    }

    public async Task<Recommendations?> SimilarAsync(string itemId, int k, CancellationToken cancellationToken = default)
    {
        var embeddings = await GrainFactory.GetGrain<IItemGrain>(itemId).GetEmbeddingsAsync();
        if (embeddings is null)
        {
            return null;
        }
        var hits = await SearchAllShardsAsync(embeddings.Item, k, [itemId], cancellationToken);
        return new Recommendations(await WithTextsAsync(hits), "embedding");
    }

    public async Task<int> CountItemsAsync()
    {
        var counts = await Task.WhenAll(Shards().Select(s => s.CountAsync()));
        return counts.Sum();
    }

    private async Task<ShardHit[]> SearchAllShardsAsync(float[] query, int k, string[] exclude, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(Shards().Select(s => s.SearchAsync(query, k, exclude, cancellationToken)));
        var merged = TopK.Merge(answers.Select(a => (IReadOnlyList<ScoredKey>)Array.ConvertAll(a, h => new ScoredKey(h.ItemId, h.Score))), k);
        return Array.ConvertAll(merged, s => new ShardHit(s.Key, s.Score));
    }

    private async Task<ScoredItem[]> WithTextsAsync(ShardHit[] hits)
    {
        var items = await Task.WhenAll(hits.Select(h => GrainFactory.GetGrain<IItemGrain>(h.ItemId).GetAsync()));
        var result = new List<ScoredItem>(hits.Length);
        for (var i = 0; i < hits.Length; i++)
        {
            // An item deleted between search and lookup is simply left out.
            if (items[i] is { } item)
            {
                result.Add(new ScoredItem(hits[i].ItemId, hits[i].Score, item.Text));
            }
        }
        return [.. result];
    }

    private IEnumerable<IIndexShardGrain> Shards()
    {
        for (var shard = 0; shard < options.Value.Shards; shard++)
        {
            yield return GrainFactory.GetGrain<IIndexShardGrain>(shard);
        }
    }
}
