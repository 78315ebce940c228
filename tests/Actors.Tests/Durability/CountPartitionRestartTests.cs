using Actors.Ingest;
using Actors.Tests.Infrastructure;
using Actors.VectorIndex;

namespace Actors.Tests.Durability;

/// <summary>
/// <c>Popularity:Partitions</c> and <c>Transitions:Shards</c> changed between two runs on Azurite: the counts move to
/// the partitions that own them under the new setting, so the fallback list and the transition counts read the same.
/// </summary>
public sealed class CountPartitionRestartTests
{
    [Fact]
    public async Task Counts_follow_a_change_of_partition_count_between_runs()
    {
        var durable = new DurableCluster();
        durable.Settings["Popularity:Partitions"] = "4";
        durable.Settings["Transitions:Shards"] = "16";
        var catalog = DurableCluster.Catalog(12);
        var (hot, next) = (catalog[0].Id, catalog[1].Id);
        // Eight users go hot → next and two more view hot: hot has ten views, next eight, the others one each.
        var events = Enumerable.Range(0, 8).SelectMany(u => new[]
        {
            new InteractionEvent($"u{u}:e0", $"u{u}", hot, DateTimeOffset.UtcNow),
            new InteractionEvent($"u{u}:e1", $"u{u}", next, DateTimeOffset.UtcNow),
        }).Concat(Enumerable.Range(0, 2).Select(u => new InteractionEvent($"x{u}:e0", $"x{u}", hot, DateTimeOffset.UtcNow)))
            .Concat(catalog.Skip(2).Select((item, i) => new InteractionEvent($"w{i}:e0", $"w{i}", item.Id, DateTimeOffset.UtcNow))).ToArray();

        var hotScore = await durable.RunAsync(async cluster =>
        {
            await DurableCluster.UpsertAsync(cluster.Client, catalog);
            await new EventPublisher(cluster.Client).PublishAsync(events);
            var counted = await Eventually.MatchesAsync(
                () => cluster.Client.GetGrain<ITransitionGrain>(Partitioner.ShardOf(hot, 16)).GetSuccessorsAsync([hot]),
                rows => rows[0].Items.Contains(next) && rows[0].Counts[Array.IndexOf(rows[0].Items, next)] == 8,
                "eight hot → next transitions counted", TimeSpan.FromSeconds(30));
            var top = await Eventually.MatchesAsync(
                () => cluster.Client.GetGrain<IPopularityGrain>(Partitioner.ShardOf(hot, 4)).TopAsync(1),
                hits => hits.Length == 1 && hits[0].ItemId == hot && hits[0].Score > 9.9,
                "the hot item's ten views counted", TimeSpan.FromSeconds(30));
            return top[0].Score;
        });

        durable.Settings["Popularity:Partitions"] = "7";
        durable.Settings["Transitions:Shards"] = "5";
        await durable.RunAsync(async cluster =>
        {
            var client = cluster.Client;
            var rows = await Eventually.MatchesAsync(
                () => client.GetGrain<ITransitionGrain>(Partitioner.ShardOf(hot, 5)).GetSuccessorsAsync([hot]),
                r => r[0].Items.Contains(next),
                "the hot item's transitions in its shard under five shards", TimeSpan.FromSeconds(30));
            Assert.Equal(8, rows[0].Counts[Array.IndexOf(rows[0].Items, next)]);
            if (Partitioner.ShardOf(hot, 16) != Partitioner.ShardOf(hot, 5))
            {
                // The old shard forgets the row once its new owner has stored it.
                await Eventually.MatchesAsync(
                    () => client.GetGrain<ITransitionGrain>(Partitioner.ShardOf(hot, 16)).GetSuccessorsAsync([hot]),
                    r => r[0].Items.Length == 0,
                    "the hot item's row gone from its shard under sixteen shards", TimeSpan.FromSeconds(30));
            }

            var top = await Eventually.MatchesAsync(
                () => client.GetGrain<IPopularityGrain>(Partitioner.ShardOf(hot, 7)).TopAsync(1),
                hits => hits.Length == 1 && hits[0].ItemId == hot,
                "the hot item's views in its partition under seven partitions", TimeSpan.FromSeconds(30));
            Assert.InRange(top[0].Score, hotScore * 0.99, hotScore * 1.01);

            // The fallback list of a user with no history reads the moved counts: the hot item first, then next.
            var fallback = await Eventually.MatchesAsync(
                () => client.GetGrain<IRetrievalGrain>(0).RecommendAsync($"new-{Guid.NewGuid():N}", 2),
                r => r.Items.Length == 2,
                "a fallback list of two", TimeSpan.FromSeconds(30));
            Assert.Equal("popularity", fallback.Source);
            Assert.Equal([hot, next], fallback.Items.Select(i => i.ItemId));
        });
    }
}
