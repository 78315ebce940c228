using System.Diagnostics;
using Actors.Grains.Diagnostics;
using Actors.Grains.Hosting;
using Actors.VectorIndex;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Actors.Grains.Retrieval;

/// <summary>
/// Federated retrieval: asks the user grain for the embedding and the seen items, fans the query out to
/// every index shard in parallel under a deadline, merges their top-k and fills in the item texts. A shard that is
/// slow or lost makes the answer partial, not an error. Users without history get the time-decayed popularity list.
/// </summary>
[StatelessWorker]
internal sealed class RetrievalGrain(IOptions<IndexOptions> options, IOptions<RetrievalOptions> retrievalOptions) : Grain, IRetrievalGrain
{
    public async Task<Recommendations> RecommendAsync(string userId, int k, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var profile = await GrainReferences.Get<IUserGrain>(GrainFactory, userId).GetProfileAsync();
        Recommendations result;
        if (profile.Embedding is null)
        {
            var popular = await GrainFactory.GetGrain<IPopularityGrain>(0).TopAsync(k, profile.SeenItems);
            result = new Recommendations(await WithTextsAsync(popular), "popularity");
        }
        else
        {
            var (hits, partial) = await SearchAllShardsAsync(profile.Embedding, k, profile.SeenItems, cancellationToken);
            result = new Recommendations(await WithTextsAsync(hits), "embedding", partial);
        }
        ActorsInstruments.RecommendationDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("query", "user"));
        return result;
    }

    public async Task<Recommendations?> SimilarAsync(string itemId, int k, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var embeddings = await GrainReferences.Get<IItemGrain>(GrainFactory, itemId).GetEmbeddingsAsync();
        if (embeddings is null)
        {
            return null;
        }
        var (hits, partial) = await SearchAllShardsAsync(embeddings.Item, k, [itemId], cancellationToken);
        var result = new Recommendations(await WithTextsAsync(hits), "embedding", partial);
        ActorsInstruments.RecommendationDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("query", "item"));
        return result;
    }

    public async Task<int> CountItemsAsync()
    {
        var counts = await Task.WhenAll(Shards().Select(s => s.CountAsync()));
        return counts.Sum();
    }

    private async Task<(ShardHit[] Hits, bool Partial)> SearchAllShardsAsync(float[] query, int k, string[] exclude, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(retrievalOptions.Value.ShardDeadline);
        var shards = Shards().ToArray();
        var answers = await Task.WhenAll(shards.Select(s => AskShardAsync(s, query, k, exclude, deadline.Token)));
        cancellationToken.ThrowIfCancellationRequested();

        ActorsInstruments.ShardFanOut.Record(shards.Length);
        var partial = answers.Any(a => a is null);
        if (partial)
        {
            ActorsInstruments.PartialAnswers.Add(1);
        }
        var merged = TopK.Merge(answers.OfType<ShardHit[]>().Select(a => (IReadOnlyList<ScoredKey>)Array.ConvertAll(a, h => new ScoredKey(h.ItemId, h.Score))), k);
        return (Array.ConvertAll(merged, s => new ShardHit(s.Key, s.Score)), partial);
    }

    /// <summary>One shard's answer, or null when it failed or missed the deadline.</summary>
    private static async Task<ShardHit[]?> AskShardAsync(IIndexShardGrain shard, float[] query, int k, string[] exclude, CancellationToken deadline)
    {
        try
        {
            return await shard.SearchAsync(query, k, exclude, deadline).WaitAsync(deadline);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or OrleansException or SiloUnavailableException)
        {
            return null;
        }
    }

    private async Task<ScoredItem[]> WithTextsAsync(ShardHit[] hits)
    {
        var items = await Task.WhenAll(hits.Select(h => GrainReferences.Get<IItemGrain>(GrainFactory, h.ItemId).GetAsync()));
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
