using System.Diagnostics;
using Actors.Grains.Diagnostics;
using Actors.Grains.Hosting;
using Actors.Grains.Model;
using Actors.Grains.Popularity;
using Actors.VectorIndex;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Actors.Grains.Retrieval;

/// <summary>
/// Federated retrieval: asks the user grain for the embedding and the seen items, fans the query out to
/// every index shard in parallel under a deadline, merges their top-k and fills in the item texts. A shard that is
/// slow or lost makes the answer partial, not an error. Users without history get the time-decayed popularity list,
/// from this silo's snapshot (<see cref="SiloPopularity"/>, refreshed every second).
/// When the served model fuses item → next-item counts (<see cref="ServingModel.Fusion"/>), the successors of the
/// user's last items join the candidates and every candidate is ranked by the fused score.
/// </summary>
[StatelessWorker]
internal sealed class RetrievalGrain(
    IOptions<IndexOptions> options,
    IOptions<RetrievalOptions> retrievalOptions,
    IOptions<TransitionOptions> transitionOptions,
    ServingModel model,
    SiloPopularity popularity) : Grain, IRetrievalGrain
{
    private static readonly IReadOnlyDictionary<string, int> NoSuccessors = new Dictionary<string, int>();

    public async Task<Recommendations> RecommendAsync(string userId, int k, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var profile = await GrainReferences.Get<IUserGrain>(GrainFactory, userId).GetProfileAsync();
        Recommendations result;
        if (profile.Embedding is null)
        {
            var popular = popularity.Top(k, profile.SeenItems);
            result = new Recommendations(await WithTextsAsync(popular), "popularity");
        }
        else if (model.Fusion.UsesCounts)
        {
            var (hits, partial) = await FusedSearchAsync(profile.Embedding, profile.RecentItems ?? [], k, profile.SeenItems, cancellationToken);
            result = new Recommendations(await WithTextsAsync(hits), "embedding", partial);
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
        var answers = await AskEveryShardAsync(query, k, exclude, deadline.Token);
        cancellationToken.ThrowIfCancellationRequested();

        var partial = CountPartial(answers.Any(a => a is null));
        var merged = TopK.Merge(answers.OfType<ShardHit[]>().Select(a => (IReadOnlyList<ScoredKey>)Array.ConvertAll(a, h => new ScoredKey(h.ItemId, h.Score))), k);
        return (Array.ConvertAll(merged, s => new ShardHit(s.Key, s.Score)), partial);
    }

    /// <summary>
    /// The top <paramref name="k"/> of the fused score over every item not in <paramref name="exclude"/>. The
    /// candidates are the successor set S of the user's last items (scored by the shards that own them) and the top k
    /// by cosine. That is exact: counts only raise a score (λ ≥ 0, log1p(T) ≥ 0), so an item outside S and outside the
    /// cosine top k is beaten by the k items whose cosine beats it. One deadline covers the count and the index reads.
    /// </summary>
    private async Task<(ShardHit[] Hits, bool Partial)> FusedSearchAsync(float[] query, string[] recentNewestFirst, int k, string[] exclude, CancellationToken cancellationToken)
    {
        var fusion = model.Fusion;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(retrievalOptions.Value.ShardDeadline);

        var (successors, countsPartial) = await SuccessorsAsync(recentNewestFirst, deadline.Token);
        cancellationToken.ThrowIfCancellationRequested();
        var transitions = new Dictionary<string, float>(StringComparer.Ordinal);
        fusion.AccumulateTransitions(successors, transitions);

        var seen = new HashSet<string>(exclude, StringComparer.Ordinal);
        var fromCounts = new List<string>(transitions.Count);
        foreach (var item in transitions.Keys)
        {
            if (!seen.Contains(item))
            {
                fromCounts.Add(item);
            }
        }
        var searching = AskEveryShardAsync(query, k, exclude, deadline.Token);
        var scoring = ScoreAsync(query, fromCounts, deadline.Token);
        var answers = await searching;
        var (scored, scoringPartial) = await scoring;
        cancellationToken.ThrowIfCancellationRequested();

        var cosines = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var answer in answers)
        {
            foreach (var hit in answer ?? [])
            {
                cosines[hit.ItemId] = hit.Score;
            }
        }
        foreach (var hit in scored)
        {
            cosines[hit.ItemId] = hit.Score;
        }
        var top = new TopK(k);
        foreach (var (itemId, cosine) in cosines)
        {
            // The evaluator's score exactly: cos / τ + λ·log1p(T), with T = 0 outside the successor set.
            top.Add(itemId, fusion.Score(cosine, transitions.GetValueOrDefault(itemId)));
        }
        var partial = CountPartial(countsPartial || scoringPartial || answers.Any(a => a is null));
        return (Array.ConvertAll(top.ToArray(), s => new ShardHit(s.Key, s.Score)), partial);
    }

    /// <summary>
    /// The successor counts of each of the user's last items, newest first (position by position, repeats included),
    /// read from the transition shards that own them; a shard that fails or misses the deadline counts as no successors.
    /// </summary>
    private async Task<(IReadOnlyDictionary<string, int>[] NewestFirst, bool Partial)> SuccessorsAsync(string[] recentNewestFirst, CancellationToken deadline)
    {
        var shards = transitionOptions.Value.Shards;
        var byShard = new Dictionary<int, HashSet<string>>();
        foreach (var item in recentNewestFirst)
        {
            var shard = Partitioner.ShardOf(item, shards);
            if (!byShard.TryGetValue(shard, out var sources))
            {
                byShard[shard] = sources = new HashSet<string>(StringComparer.Ordinal);
            }
            sources.Add(item);
        }
        var answers = await Task.WhenAll(byShard.Select(pair => AnswerOrNullAsync(
            () => GrainFactory.GetGrain<ITransitionGrain>(pair.Key).GetSuccessorsAsync([.. pair.Value], deadline), deadline)));

        var bySource = new Dictionary<string, IReadOnlyDictionary<string, int>>(StringComparer.Ordinal);
        foreach (var answer in answers)
        {
            foreach (var successors in answer ?? [])
            {
                var row = new Dictionary<string, int>(successors.Items.Length, StringComparer.Ordinal);
                for (var i = 0; i < successors.Items.Length; i++)
                {
                    row[successors.Items[i]] = successors.Counts[i];
                }
                bySource[successors.Source] = row;
            }
        }
        var newestFirst = Array.ConvertAll(recentNewestFirst, item => bySource.GetValueOrDefault(item, NoSuccessors));
        return (newestFirst, answers.Any(a => a is null));
    }

    /// <summary>The cosine of each of <paramref name="itemIds"/>, asked only of the index shards that own them.</summary>
    private async Task<(List<ShardHit> Hits, bool Partial)> ScoreAsync(float[] query, List<string> itemIds, CancellationToken deadline)
    {
        var byShard = new Dictionary<int, List<string>>();
        foreach (var itemId in itemIds)
        {
            var shard = Partitioner.ShardOf(itemId, options.Value.Shards);
            if (!byShard.TryGetValue(shard, out var owned))
            {
                byShard[shard] = owned = [];
            }
            owned.Add(itemId);
        }
        var answers = await Task.WhenAll(byShard.Select(pair => AnswerOrNullAsync(
            () => GrainFactory.GetGrain<IIndexShardGrain>(pair.Key).ScoreAsync(query, [.. pair.Value], deadline), deadline)));
        var hits = new List<ShardHit>(itemIds.Count);
        foreach (var answer in answers)
        {
            hits.AddRange(answer ?? []);
        }
        return (hits, answers.Any(a => a is null));
    }

    /// <summary>Every shard's top <paramref name="k"/>; null for a shard that failed or missed the deadline.</summary>
    private async Task<ShardHit[]?[]> AskEveryShardAsync(float[] query, int k, string[] exclude, CancellationToken deadline)
    {
        var shards = Shards().ToArray();
        var answers = await Task.WhenAll(shards.Select(s => AnswerOrNullAsync(() => s.SearchAsync(query, k, exclude, deadline), deadline)));
        ActorsInstruments.ShardFanOut.Record(shards.Length);
        return answers;
    }

    private static bool CountPartial(bool partial)
    {
        if (partial)
        {
            ActorsInstruments.PartialAnswers.Add(1);
        }
        return partial;
    }

    /// <summary>A grain's answer, or null when it failed or missed the deadline.</summary>
    private static async Task<T?> AnswerOrNullAsync<T>(Func<Task<T>> call, CancellationToken deadline)
        where T : class
    {
        try
        {
            return await call().WaitAsync(deadline);
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
