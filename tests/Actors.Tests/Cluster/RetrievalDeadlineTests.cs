using Actors.Dataset;
using Actors.Grains.Placement;
using Actors.Tests.Infrastructure;
using Actors.VectorIndex;
using Orleans.TestingHost;

namespace Actors.Tests.Cluster;

/// <summary>
/// A silo whose search grain misses the deadline: the answer comes back on time, flagged partial, with the best items
/// of the shards that did answer. The delay is real latency injected by an incoming call filter on the silos, switched
/// on per query through the request context, so nothing is mocked.
/// </summary>
public sealed class RetrievalDeadlineTests : IAsyncLifetime
{
    private const int Shards = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(400);

    private readonly CatalogItem[] _items = UniSRecDataset.Load(RepositoryPaths.Scientific).Items.Take(60).ToArray();
    private InProcessTestCluster _cluster = null!;

    private IClusterClient Client => _cluster.Client;

    public async Task InitializeAsync()
    {
        _cluster = await TestClusters.StartAsync(2, new Dictionary<string, string?>
        {
            ["Orleans:TrustExternalClients"] = "true",
            ["Index:Shards"] = Shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Retrieval:ShardDeadline"] = Deadline.ToString(),
        }, silo => silo.AddIncomingGrainCallFilter<SlowSiloSearchFilter>());
        await Parallel.ForEachAsync(_items, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, ct) =>
            await Client.GetGrain<IItemGrain>(item.Id).UpsertAsync(item.Text, ct));
    }

    public Task DisposeAsync() => TestClusters.StopAsync(_cluster);

    [Fact]
    public async Task A_silo_that_misses_the_deadline_makes_the_answer_partial_and_the_other_silos_best_items_come_back()
    {
        var probe = _items[7].Id;
        var retrieval = Client.GetGrain<IRetrievalGrain>(0);
        var whole = await retrieval.SimilarAsync(probe, 10);
        Assert.False(whole!.Partial);

        var slow = _cluster.Silos[1];
        var fast = _cluster.Silos[0];
        var query = (await Client.GetGrain<IItemGrain>(probe).GetEmbeddingsAsync())!.Item;
        var fastShards = (await Client.GetGrain<ISiloSearchGrain>(SiloKeyedPlacement.KeyOf(fast.SiloAddress)).SearchAsync(query, 10, [probe], [])).Shards;
        var fromFastShards = await Task.WhenAll(fastShards.Select(s => Client.GetGrain<IIndexShardGrain>(s).SearchAsync(query, 10, [probe])));
        var expected = TopK.Merge(fromFastShards.Select(a => (IReadOnlyList<ScoredKey>)a.Select(h => new ScoredKey(h.ItemId, h.Score)).ToArray()), 10);

        RequestContext.Set(SlowSiloSearchFilter.Key, SiloKeyedPlacement.KeyOf(slow.SiloAddress));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Recommendations? partial;
        try
        {
            partial = await retrieval.SimilarAsync(probe, 10);
        }
        finally
        {
            RequestContext.Remove(SlowSiloSearchFilter.Key);
        }
        watch.Stop();

        Assert.True(partial!.Partial);
        Assert.True(watch.Elapsed < SlowSiloSearchFilter.Delay / 2, $"answered in {watch.Elapsed}, after the silo's delay");
        Assert.NotEmpty(fastShards);
        Assert.True(fastShards.Length < Shards);
        Assert.Equal(expected.Select(e => e.Key), partial.Items.Select(i => i.ItemId));
        Assert.All(partial.Items, i => Assert.False(string.IsNullOrEmpty(i.Text)));

        // Without the delay the next answer is whole again.
        var again = await retrieval.SimilarAsync(probe, 10);
        Assert.False(again!.Partial);
        Assert.Equal(whole.Items.Select(i => i.ItemId), again.Items.Select(i => i.ItemId));
    }

    /// <summary>Holds a silo search call on the silo the request context names.</summary>
    private sealed class SlowSiloSearchFilter(ILocalSiloDetails silo) : IIncomingGrainCallFilter
    {
        public const string Key = "actors-test-slow-silo-search";

        public static readonly TimeSpan Delay = TimeSpan.FromSeconds(6);

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.Grain is ISiloSearchGrain && RequestContext.Get(Key) is string target && target == SiloKeyedPlacement.KeyOf(silo.SiloAddress))
            {
                await Task.Delay(Delay);
            }
            await context.Invoke();
        }
    }
}
