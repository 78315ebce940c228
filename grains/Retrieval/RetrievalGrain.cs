using System.Diagnostics;
using Actors.Grains.Diagnostics;
using Actors.Grains.Hosting;
using Actors.Grains.Index;
using Actors.Grains.Models;
using Actors.Grains.Placement;
using Actors.Grains.Popularity;
using Actors.Grains.Users;
using Actors.VectorIndex;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Actors.Grains.Retrieval;

/// <summary>
/// Federated retrieval: asks the user grain for the embedding and the seen items, then one search grain per silo
/// (<see cref="ISiloSearchGrain"/>: every shard on that silo, searched in one local call, hits with their texts) in
/// parallel under a deadline, and merges their top-k. Shards no silo answered for — not active anywhere yet, or on a silo
/// that failed fast — are asked directly within the same deadline. A shard that is slow or lost makes the answer
/// partial, not an error. Users without history get the time-decayed popularity list, from this silo's snapshot
/// (<see cref="SiloPopularity"/>, refreshed every second). When the served model fuses
/// item → next-item counts (<see cref="Model.ServingModel.Fusion"/>), the successors of the user's last items join the
/// candidates (scored by the same silo calls) and every candidate is ranked by the fused score.
/// <para>
/// A query is answered in one model version throughout: the one the user's profile was made with (the serving version,
/// or the user's experiment arm), whose shards alone are searched, so an answer never mixes two versions' embeddings
/// even while a new version is switched in. An answer to a user in an experiment is noted with the user grain, which
/// counts the user's next events that hit it.
/// </para>
/// </summary>
[StatelessWorker]
internal sealed class RetrievalGrain(
    IOptions<IndexOptions> options,
    IOptions<RetrievalOptions> retrievalOptions,
    IOptions<TransitionOptions> transitionOptions,
    ServedModels models,
    IClusterMembershipService membership,
    SiloPopularity popularity) : Grain, IRetrievalGrain
{
    private static readonly IReadOnlyDictionary<string, int> NoSuccessors = new Dictionary<string, int>();

    private MembershipVersion _silosVersion = MembershipVersion.MinValue;
    private ISiloSearchGrain[] _siloSearches = [];

    public async Task<Recommendations> RecommendAsync(string userId, int k, RecommendOptions? options = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var user = GrainReferences.Get<IUserGrain>(GrainFactory, userId);
        var profile = await user.GetProfileAsync();
        var slot = new ModelSlot(profile.Slot, profile.ModelVersion);
        var filter = options?.Filter;
        var exclude = Excluded(profile, options);
        // Reasons read the embeddings of the answer's items and of the history: the silos send them with their hits.
        var vectorsOf = options?.Reasons != false ? profile.SeenItems : null;
        Recommendations result;
        HeldEmbeddings? held = null;
        if (profile.Embedding is null)
        {
            result = filter is null || filter.OnlyExcludes
                ? new Recommendations(await WithTextsAsync(Array.ConvertAll(popularity.Top(k, exclude), h => new ScoredItem(h.ItemId, h.Score, ""))), "popularity")
                : new Recommendations(await WithTextsAsync(await FilteredPopularAsync(k, exclude, filter, slot, cancellationToken)), "popularity");
        }
        else if ((await models.GetAsync(slot)).Fusion is { UsesCounts: true } fusion)
        {
            var (hits, partial, vectors) = await FusedSearchAsync(profile.Embedding, slot, fusion, profile.RecentItems ?? [], k, exclude, filter, vectorsOf, cancellationToken);
            result = new Recommendations(await WithTextsAsync(hits), "embedding", partial, profile.ModelVersion);
            held = vectors;
        }
        else
        {
            using var deadline = Deadline(cancellationToken);
            var answer = await SearchIndexAsync(profile.Embedding, slot, k, exclude, [], deadline.Token, filter, vectorsOf);
            cancellationToken.ThrowIfCancellationRequested();
            result = new Recommendations(await WithTextsAsync(answer.Hits), "embedding", CountPartial(answer.Partial), profile.ModelVersion);
            held = answer.Vectors;
        }
        if (result.Source == "embedding" && options?.Reasons != false)
        {
            result = result with { Items = await WithReasonsAsync(result.Items, profile.SeenItems, slot, held, cancellationToken) };
        }
        if (profile.Experiment is { } experiment)
        {
            result = result with { Experiment = experiment };
            // One-way: the count of the user's next events that hit this answer; the answer does not wait for it.
            _ = GrainReferences.Get<IUserMaintenance>(GrainFactory, userId)
                .NoteServedAsync(experiment, profile.ModelVersion, Array.ConvertAll(result.Items, i => i.ItemId));
        }
        ActorsInstruments.RecommendationDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("query", "user"));
        return result;
    }

    public async Task<Recommendations?> SimilarAsync(string itemId, int k, ItemFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var embeddings = await GrainReferences.Get<IItemGrain>(GrainFactory, itemId).GetEmbeddingsAsync();
        if (embeddings is null)
        {
            return null;
        }
        // The serving version's space: the stored item embedding is slot 0's; another version's is its item tower over the content.
        var serving = models.Routing.Serving;
        var (query, slot) = serving.Slot == 0
            ? (embeddings.Item, new ModelSlot(0, embeddings.ModelVersion))
            : ((await models.GetAsync(serving)).ItemEmbedding(itemId, embeddings.Content), serving);
        using var deadline = Deadline(cancellationToken);
        var answer = await SearchIndexAsync(query, slot, k, [itemId, .. filter?.Exclude ?? []], [], deadline.Token, filter);
        cancellationToken.ThrowIfCancellationRequested();
        var result = new Recommendations(await WithTextsAsync(answer.Hits), "embedding", CountPartial(answer.Partial), slot.Version);
        ActorsInstruments.RecommendationDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("query", "item"));
        return result;
    }

    public async Task<int> CountItemsAsync()
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, options.Value.Shards).Select(s => GrainFactory.GetGrain<IIndexShardGrain>(s).CountAsync()));
        return counts.Sum();
    }

    /// <summary>
    /// The top <paramref name="k"/> of the fused score over every item not in <paramref name="exclude"/>. The
    /// candidates are the successor set S of the user's last items (scored by the shards that hold them) and the top k
    /// by cosine. That is exact: counts only raise a score (λ ≥ 0, log1p(T) ≥ 0), so an item outside S and outside the
    /// cosine top k is beaten by the k items whose cosine beats it. One deadline covers the count and the index reads.
    /// </summary>
    private async Task<(ScoredItem[] Hits, bool Partial, HeldEmbeddings? Vectors)> FusedSearchAsync(float[] query, ModelSlot slot, Actors.Model.FusionSettings fusion, string[] recentNewestFirst, int k, string[] exclude, ItemFilter? filter, string[]? vectorsOf, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(cancellationToken);

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
        var answer = await SearchIndexAsync(query, slot, k, exclude, [.. fromCounts], deadline.Token, filter, vectorsOf);
        cancellationToken.ThrowIfCancellationRequested();

        var candidates = new Dictionary<string, ScoredItem>(StringComparer.Ordinal);
        foreach (var hit in answer.Hits)
        {
            candidates[hit.ItemId] = hit;
        }
        foreach (var hit in answer.Scored)
        {
            candidates[hit.ItemId] = hit;
        }
        var top = new TopK(k);
        foreach (var (itemId, candidate) in candidates)
        {
            // The evaluator's score exactly: cos / τ + λ·log1p(T), with T = 0 outside the successor set.
            var score = fusion.Score(candidate.Score, transitions.GetValueOrDefault(itemId));
            if (float.IsFinite(score))
            {
                // A non-finite score (a corrupt vector) would make the whole answer unwritable as JSON.
                top.Add(itemId, score);
            }
        }
        var partial = CountPartial(countsPartial || answer.Partial);
        return (Array.ConvertAll(top.ToArray(), s => candidates[s.Key] with { Score = s.Score }), partial, answer.Vectors);
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

    /// <summary>
    /// The whole index's top <paramref name="k"/> for <paramref name="query"/> (none of <paramref name="exclude"/>) and
    /// the cosine of each of <paramref name="score"/>: one search grain per active silo, then the shards none of them
    /// searched, directly. Partial when some shard's answer is missing at the deadline, or a shard may miss acknowledged
    /// items or holds embeddings of a model other than the query's (<paramref name="slot"/>: only that version's shards
    /// are searched). Hits are merged by item id, so an item held by two shards for a moment (a re-partition) counts once.
    /// </summary>
    private async Task<IndexAnswer> SearchIndexAsync(float[] query, ModelSlot slot, int k, string[] exclude, string[] score, CancellationToken deadline, ItemFilter? filter = null, string[]? vectorsOf = null)
    {
        var modelVersion = slot.Version;
        var silos = SiloSearches();
        var answers = await Task.WhenAll(Array.ConvertAll(silos, silo => AnswerOrNullAsync(() => silo.SearchAsync(query, k, exclude, score, modelVersion, filter, vectorsOf, deadline), deadline)));
        var incomplete = false;

        var shardCount = options.Value.Shards;
        var covered = new bool[shardCount];
        var hits = new Dictionary<string, ScoredItem>(StringComparer.Ordinal);
        var scored = new Dictionary<string, ScoredItem>(StringComparer.Ordinal);
        var vectors = vectorsOf is null ? null : new HeldEmbeddings();
        foreach (var answer in answers)
        {
            if (answer is null)
            {
                continue;
            }
            vectors?.Add(answer.Vectors);
            incomplete |= answer.Partial;
            foreach (var shard in answer.Shards)
            {
                if (shard >= 0 && shard < shardCount)
                {
                    covered[shard] = true;
                }
            }
            // An item seen twice comes from one shard active on two silos for a moment (it is moving): same answer.
            foreach (var hit in answer.Hits)
            {
                hits[hit.ItemId] = hit;
            }
            foreach (var hit in answer.Scored)
            {
                scored[hit.ItemId] = hit;
            }
        }

        var missing = Enumerable.Range(0, shardCount).Where(s => !covered[s]).ToArray();
        var partial = missing.Length > 0 && deadline.IsCancellationRequested;
        if (missing.Length > 0)
        {
            // Shards no silo answered for sent no embeddings: the reasons ask for them.
            vectors = null;
        }
        if (missing.Length > 0 && !partial)
        {
            // Not active on any silo that answered: activate or reach them by calling them (texts come from the items).
            var direct = await Task.WhenAll(Array.ConvertAll(missing, shard => AnswerOrNullAsync(() => SearchShardAsync(ShardKeys.Of(slot.Slot, shard), shard, query, modelVersion, k, exclude, score, filter, deadline), deadline)));
            foreach (var answer in direct)
            {
                partial |= answer is null || answer.Partial;
                foreach (var hit in answer?.Hits ?? [])
                {
                    hits[hit.ItemId] = hit;
                }
                foreach (var hit in answer?.Scored ?? [])
                {
                    scored[hit.ItemId] = hit;
                }
            }
        }
        ActorsInstruments.ShardFanOut.Record(silos.Length + missing.Length);

        var top = new TopK(k);
        foreach (var hit in hits.Values)
        {
            top.Add(hit.ItemId, hit.Score);
        }
        return new IndexAnswer(Array.ConvertAll(top.ToArray(), s => hits[s.Key]), [.. scored.Values], partial || incomplete, vectors);
    }

    /// <summary>One shard's top <paramref name="k"/> and its cosine for the items of <paramref name="score"/> it owns.</summary>
    private async Task<IndexAnswer> SearchShardAsync(long key, int shard, float[] query, string modelVersion, int k, string[] exclude, string[] score, ItemFilter? filter, CancellationToken deadline)
    {
        var grain = GrainFactory.GetGrain<IIndexShardGrain>(key);
        var owned = Array.FindAll(score, itemId => Partitioner.ShardOf(itemId, options.Value.Shards) == shard);
        var searching = grain.SearchAsync(query, k, exclude, modelVersion, filter, deadline);
        var scoring = owned.Length == 0 ? Task.FromResult(Array.Empty<ShardHit>()) : grain.ScoreAsync(query, owned, modelVersion, filter, deadline);
        var complete = grain.IsCompleteAsync(modelVersion);
        var hits = await searching;
        var scored = await scoring;
        return new IndexAnswer(
            Array.ConvertAll(hits, h => new ScoredItem(h.ItemId, h.Score, "")),
            Array.ConvertAll(scored, h => new ScoredItem(h.ItemId, h.Score, "")),
            Partial: !await complete);
    }

    /// <summary>
    /// The items a user's answer leaves out: the history's (all of it, or only the items of the event types
    /// <see cref="RecommendOptions.ExcludeTypes"/> names), and the filter's explicit exclude list.
    /// </summary>
    private static string[] Excluded(UserProfile profile, RecommendOptions? options)
    {
        IEnumerable<string> seen = options?.ExcludeTypes switch
        {
            null => profile.SeenItems,
            [] => [],
            // A profile without types (a grain of an earlier version) cannot tell them apart: everything seen is left out.
            var types => profile.SeenByType is { } byType ? types.SelectMany(t => byType.GetValueOrDefault(t) ?? []) : profile.SeenItems,
        };
        return [.. seen.Concat(options?.Filter?.Exclude ?? []).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The cold-start list under a filter: the most popular items that pass it, in popularity order (the silos' shards
    /// hold the attributes), then, when fewer than k popular items pass, other passing items (score 0), so the answer
    /// is k long whenever k items pass.
    /// </summary>
    private async Task<ScoredItem[]> FilteredPopularAsync(int k, string[] exclude, ItemFilter filter, ModelSlot slot, CancellationToken cancellationToken)
    {
        var popular = popularity.Top(Math.Max(100, 20 * k), exclude);
        var ids = Array.ConvertAll(popular, p => p.ItemId);
        using var deadline = Deadline(cancellationToken);
        var answers = await Task.WhenAll(Array.ConvertAll(SiloSearches(), silo =>
            AnswerOrNullAsync(() => silo.MatchAsync(ids, filter, exclude, k, slot.Version, deadline.Token), deadline.Token)));
        var passing = answers.Where(a => a is not null).SelectMany(a => a!).GroupBy(i => i.ItemId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var result = new List<ScoredItem>(k);
        foreach (var hit in popular)
        {
            if (result.Count < k && passing.Remove(hit.ItemId, out var item))
            {
                result.Add(item with { Score = hit.Score });
            }
        }
        result.AddRange(passing.Values.OrderBy(i => i.ItemId, StringComparer.Ordinal).Take(k - result.Count));
        return [.. result];
    }

    /// <summary>
    /// Each recommended item's reason: the item of the user's history whose embedding (in the answer's model version)
    /// has the largest dot product with the recommended item's, with its text. The embeddings of both came with the
    /// search (<paramref name="held"/>) when every shard's silo answered it; otherwise one call per silo asks for them.
    /// An item whose embedding no silo answered with within the deadline keeps no reason.
    /// </summary>
    private async Task<ScoredItem[]> WithReasonsAsync(ScoredItem[] items, string[] history, ModelSlot slot, HeldEmbeddings? held, CancellationToken cancellationToken)
    {
        if (items.Length == 0 || history.Length == 0)
        {
            return items;
        }
        var vectors = held;
        if (vectors is null)
        {
            string[] ids = [.. items.Select(i => i.ItemId), .. history];
            using var deadline = Deadline(cancellationToken);
            var answers = await Task.WhenAll(Array.ConvertAll(SiloSearches(), silo =>
                AnswerOrNullAsync(() => silo.VectorsAsync(ids, slot.Version, deadline.Token), deadline.Token)));
            vectors = new HeldEmbeddings();
            foreach (var answer in answers)
            {
                vectors.Add(answer);
            }
        }
        var past = history.Where(vectors.ContainsKey).ToArray();
        return Array.ConvertAll(items, item =>
        {
            if (past.Length == 0 || !vectors.TryGetValue(item.ItemId, out var own))
            {
                return item;
            }
            var best = past.MaxBy(h => System.Numerics.Tensors.TensorPrimitives.Dot(own.Vector, vectors[h].Vector))!;
            return item with { Because = best, BecauseText = vectors[best].Text };
        });
    }

    /// <summary>The search grain of every active silo, rebuilt when the membership changes.</summary>
    private ISiloSearchGrain[] SiloSearches()
    {
        var snapshot = membership.CurrentSnapshot;
        if (snapshot.Version != _silosVersion)
        {
            _siloSearches = [.. snapshot.Members.Values
                .Where(m => m.Status == SiloStatus.Active)
                .Select(m => GrainReferences.Get<ISiloSearchGrain>(GrainFactory, SiloKeyedPlacement.KeyOf(m.SiloAddress)))];
            _silosVersion = snapshot.Version;
        }
        return _siloSearches;
    }

    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(retrievalOptions.Value.ShardDeadline);
        return deadline;
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

    /// <summary>Fills in the texts the shards did not have from the item grains; an item deleted meanwhile is left out.</summary>
    private async Task<ScoredItem[]> WithTextsAsync(ScoredItem[] hits)
    {
        var lookups = new Task<ItemView?>?[hits.Length];
        for (var i = 0; i < hits.Length; i++)
        {
            if (hits[i].Text.Length == 0)
            {
                lookups[i] = GrainReferences.Get<IItemGrain>(GrainFactory, hits[i].ItemId).GetAsync();
            }
        }
        var result = new List<ScoredItem>(hits.Length);
        for (var i = 0; i < hits.Length; i++)
        {
            if (lookups[i] is not { } lookup)
            {
                result.Add(hits[i]);
            }
            else if (await lookup is { } item)
            {
                result.Add(hits[i] with { Text = item.Text });
            }
        }
        return [.. result];
    }

    /// <summary>
    /// What the index answered: the top hits best first, the scored candidates, whether a shard was missing, and the
    /// embeddings asked for when every shard's silo sent them (null otherwise).
    /// </summary>
    private sealed record IndexAnswer(ScoredItem[] Hits, ScoredItem[] Scored, bool Partial, HeldEmbeddings? Vectors = null);

    /// <summary>Embeddings and texts by item id, as the silos sent them.</summary>
    private sealed class HeldEmbeddings : Dictionary<string, (float[] Vector, string Text)>
    {
        public HeldEmbeddings()
            : base(StringComparer.Ordinal)
        {
        }

        public void Add(HeldVectors? held)
        {
            for (var i = 0; i < (held?.ItemIds.Length ?? 0); i++)
            {
                this[held!.ItemIds[i]] = (held.Vectors[i], held.Texts[i]);
            }
        }
    }
}
