using System.Diagnostics;
using System.Numerics.Tensors;
using Actors.Grains.Index;
using Actors.Ingest;
using Actors.Model;
using Actors.Tests.Infrastructure;
using Actors.VectorIndex;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Cluster;

/// <summary>
/// Recommendations ranked by the fused score (the model's cosine / τ + λ·log1p of the item → next-item counts the
/// grains keep from the event stream), on a cluster serving the shipped model with a <c>fusion</c> field.
/// Each test owns a slice of the catalog as transition sources, so the counts of one do not reach another.
/// </summary>
[Collection(FusionClusterCollectionDefinition.Name)]
public sealed class FusedRetrievalTests(FusionClusterFixture fixture)
{
    private static FusionSettings Fusion => FusionClusterFixture.Fusion;

    private IClusterClient Client => fixture.Client;

    private IRetrievalGrain Retrieval => Client.GetGrain<IRetrievalGrain>(0);

    private Task PublishAsync(InteractionEvent[] events) => new EventPublisher(Client).PublishAsync(events);

    private Task<HistoryEntry[]> HistoryOf(string userId) => Client.GetGrain<IUserGrain>(userId).GetHistoryAsync();

    [Fact]
    public async Task A_burst_of_transitions_from_other_users_lifts_the_next_item_into_the_top_10_within_a_second()
    {
        var userId = Fresh("user");
        var history = fixture.Seeded.Take(3).Select(i => i.Id).ToArray();
        var a = history[^1];
        await PublishAsync(history.Select(i => Event(userId, i)).ToArray());
        await Eventually.MatchesAsync(() => HistoryOf(userId), h => h.Length == history.Length, "the user's events in the history");

        // Nothing followed A yet: the ranking is the cosine's. B is the lowest-ranked item that a burst of 20 users
        // going from A to it can lift above the 10th by one logit (λ·log1p(20) ≥ gap + 1), far outside the top 10.
        const int burst = 20;
        var before = await Retrieval.RecommendAsync(userId, 150);
        var threshold = before.Items[9].Score + 1f - Fusion.CountScore(burst);
        var rank = Array.FindLastIndex(before.Items, i => i.Score >= threshold);
        Assert.True(rank >= 30, $"Only the first {rank + 1} items are within reach of {burst} transitions; expected B to start 30th or lower.");
        var b = before.Items[rank].ItemId;
        var events = new List<InteractionEvent>(2 * burst);
        for (var u = 0; u < burst; u++)
        {
            var other = Fresh("other");
            events.Add(Event(other, a));
            events.Add(Event(other, b));
        }

        // Warm the path first (stream agents, transition shards, user grain activation) with the same shape of burst on
        // other items, so the second below measures the counts reaching retrieval, not first activations on a busy machine.
        var warmUp = new List<InteractionEvent>(2 * burst);
        var warmUsers = new List<string>(burst);
        for (var u = 0; u < burst; u++)
        {
            var other = Fresh("warm");
            warmUsers.Add(other);
            warmUp.Add(Event(other, fixture.Seeded[5].Id));
            warmUp.Add(Event(other, fixture.Seeded[6].Id));
        }

        await PublishAsync([.. warmUp]);
        await Eventually.MatchesAsync(
            async () => (await Task.WhenAll(warmUsers.Select(HistoryOf))).All(h => h.Length == 2),
            applied => applied,
            "the warm-up burst in every history");

        await PublishAsync([.. events]);
        var accepted = Stopwatch.StartNew();
        await Eventually.MatchesAsync(
            () => Retrieval.RecommendAsync(userId, 10),
            r => r.Items.Any(i => i.ItemId == b),
            $"{b} (ranked {rank + 1} on the cosine) to enter the top 10 after {burst} users went from {a} to it",
            TimeSpan.FromSeconds(1));
        var elapsed = accepted.Elapsed;
        Assert.True(elapsed <= TimeSpan.FromSeconds(1), $"B entered the top 10 {elapsed.TotalMilliseconds:F0} ms after the last publish; expected within 1 s.");

        // Once every count has arrived, B's score is exactly the fused score of its cosine and the burst.
        var profile = await Client.GetGrain<IUserGrain>(userId).GetProfileAsync();
        var itemEmbedding = (await Client.GetGrain<IItemGrain>(b).GetEmbeddingsAsync())!.Item;
        var cosine = TensorPrimitives.Dot(profile.Embedding!, itemEmbedding);
        var expected = Fusion.Score(cosine, burst);
        var after = await Eventually.MatchesAsync(
            () => Retrieval.RecommendAsync(userId, 10),
            r => r.Items.Any(i => i.ItemId == b && Math.Abs(i.Score - expected) < 1e-5f),
            $"{b}'s score to count all {burst} transitions");
        Assert.Equal("embedding", after.Source);
        Assert.Equal(after.Items.OrderByDescending(i => i.Score).Select(i => i.ItemId), after.Items.Select(i => i.ItemId));
    }

    [Fact]
    public async Task Served_top_k_is_the_brute_force_top_k_of_the_fused_score_over_the_whole_catalog()
    {
        var random = new Random(11);
        var slice = fixture.Seeded.Skip(100).Take(100).Select(i => i.Id).ToArray();
        var users = Enumerable.Range(0, 3).Select(_ => Fresh("user")).ToArray();
        var sequences = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            sequences[user] = Enumerable.Range(0, 5).Select(_ => slice[random.Next(slice.Length)]).ToArray();
        }
        // Other users start from the test users' last items and go on to a few items, so the successor sets hold
        // counts large enough to lift items from far down the cosine order, besides ones.
        var voters = users.SelectMany(u => sequences[u].TakeLast(Fusion.Window)).Distinct().ToArray();
        for (var o = 0; o < 80; o++)
        {
            var sequence = new string[random.Next(2, 5)];
            sequence[0] = voters[random.Next(voters.Length)];
            for (var i = 1; i < sequence.Length; i++)
            {
                sequence[i] = slice[random.Next(i == 1 ? 6 : slice.Length)];
            }
            sequences[Fresh("other")] = sequence;
        }
        var fed = TransitionCounts.FromSequences(sequences.Values.Select(s => (IReadOnlyList<string>)s), StringComparer.Ordinal);

        await PublishAsync(sequences.SelectMany(p => p.Value.Select(i => Event(p.Key, i))).ToArray());
        var sources = sequences.Values.SelectMany(s => s.SkipLast(1)).Distinct().ToArray();
        await Eventually.MatchesAsync(
            () => TransitionReads.SuccessorsAsync(Client, sources),
            got => sources.All(s => TransitionReads.Same(fed.Successors(s), got[s])),
            "the transition shards to hold exactly the fed counts");

        var catalog = await CatalogAsync();
        var liftedByCounts = false;
        foreach (var user in users)
        {
            var profile = await Client.GetGrain<IUserGrain>(user).GetProfileAsync();
            var history = (await HistoryOf(user)).Select(h => h.ItemId).ToArray();
            Assert.Equal(sequences[user], history);
            Assert.Equal(history.Reverse().Take(Fusion.Window), profile.RecentItems!);
            var transitions = new Dictionary<string, float>(StringComparer.Ordinal);
            Fusion.AccumulateTransitions<string>(history, fed, transitions);
            var seen = history.ToHashSet(StringComparer.Ordinal);
            var candidates = catalog
                .Where(c => !seen.Contains(c.Key))
                .Select(c => (Id: c.Key, Cosine: TensorPrimitives.Dot(profile.Embedding!, c.Value)))
                .ToArray();

            foreach (var k in new[] { 10, 20 })
            {
                var expected = candidates
                    .Select(c => (c.Id, Score: Fusion.Score(c.Cosine, transitions.GetValueOrDefault(c.Id))))
                    .OrderByDescending(c => c.Score).ThenBy(c => c.Id, StringComparer.Ordinal)
                    .Take(k).ToArray();
                var byCosine = candidates.OrderByDescending(c => c.Cosine).ThenBy(c => c.Id, StringComparer.Ordinal).Take(k).Select(c => c.Id);
                liftedByCounts |= expected.Select(e => e.Id).Except(byCosine).Any();

                var served = await Retrieval.RecommendAsync(user, k);

                Assert.Equal("embedding", served.Source);
                Assert.False(served.Partial);
                Assert.Equal(expected.Select(e => e.Id), served.Items.Select(i => i.ItemId));
                for (var i = 0; i < k; i++)
                {
                    Assert.Equal(expected[i].Score, served.Items[i].Score, 1e-5f);
                }
            }
        }
        Assert.True(liftedByCounts, "The counts lifted no item from outside a cosine top-k, so ranking the cosine's candidates alone would pass this test.");
    }

    /// <summary>Every indexed item with the item embedding the served model gives it, computed here.</summary>
    private async Task<Dictionary<string, float[]>> CatalogAsync()
    {
        var shards = Enumerable.Range(0, 5).Select(s => Client.GetGrain<IIndexShardMaintenance>(s));
        var ids = (await Task.WhenAll(shards.Select(s => s.ListItemIdsAsync()))).SelectMany(x => x).ToArray();
        Assert.True(ids.Length >= ClusterFixture.SeedItems);
        var catalog = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var content = (await Client.GetGrain<IItemGrain>(id).GetEmbeddingsAsync())!.Content;
            catalog[id] = fixture.Model.ItemEmbedding(content, id);
        }
        return catalog;
    }
}

/// <summary>Reads of the transition shards, the way retrieval routes them.</summary>
internal static class TransitionReads
{
    public static ITransitionGrain ShardOf(IClusterClient client, string source) =>
        client.GetGrain<ITransitionGrain>(Partitioner.ShardOf(source, FusionClusterFixture.TransitionShards));

    /// <summary>The successor counts of each source.</summary>
    public static async Task<Dictionary<string, Dictionary<string, int>>> SuccessorsAsync(IClusterClient client, IEnumerable<string> sources)
    {
        var result = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (var group in sources.GroupBy(s => Partitioner.ShardOf(s, FusionClusterFixture.TransitionShards)))
        {
            foreach (var successors in await client.GetGrain<ITransitionGrain>(group.Key).GetSuccessorsAsync([.. group]))
            {
                result[successors.Source] = ToDictionary(successors);
            }
        }
        return result;
    }

    public static async Task<Dictionary<string, int>> SuccessorsAsync(IClusterClient client, string source) =>
        ToDictionary((await ShardOf(client, source).GetSuccessorsAsync([source])).Single());

    public static Dictionary<string, int> ToDictionary(Successors successors)
    {
        Assert.Equal(successors.Items.Length, successors.Counts.Length);
        var row = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < successors.Items.Length; i++)
        {
            row.Add(successors.Items[i], successors.Counts[i]);
        }
        return row;
    }

    public static bool Same(IReadOnlyDictionary<string, int> expected, IReadOnlyDictionary<string, int> actual) =>
        expected.Count == actual.Count && expected.All(p => actual.TryGetValue(p.Key, out var n) && n == p.Value);
}
