using System.Diagnostics;
using System.Text.Json.Nodes;
using Actors.Dataset;
using Actors.Grains.Model;

namespace Actors.Benchmarks.Load;

/// <summary>
/// Recommendation latency on a 2-silo cluster over a synthetic catalog of realistic embeddings, measured from the client,
/// and the recall@10 of those answers against an exact search over every item embedding computed locally.
/// </summary>
internal static class RetrievalLoad
{
    private const int K = 10;

    public sealed record Result(double P50, double P99, double Recall, JsonObject Details);

    public static async Task<Result> MeasureAsync(
        LoadSettings settings, UniSRecDataset dataset, float[][] contents, string encoderVersion, ServingModel serving, string? modelPath)
    {
        var catalog = SyntheticCatalog.Create(dataset, contents, settings.CatalogSize, seed: 2025);
        LoadHarness.Log($"synthetic catalog of {catalog.Count:N0} items generated around the {contents.Length:N0} real content embeddings");

        var clusterSettings = LoadHarness.SiloSettings(modelPath);
        clusterSettings["Index:Shards"] = settings.Shards.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Shard snapshots are persistence, measured elsewhere; during the bulk load they would copy whole partitions every 2 s.
        clusterSettings["Index:SnapshotInterval"] = "01:00:00";
        await using var cluster = await BenchCluster.StartAsync(2, clusterSettings);

        var done = 0;
        var importSeconds = await Stats.TimeConcurrentAsync(catalog.Count, 256, async i =>
        {
            await cluster.Client.GetGrain<IItemGrain>(catalog.Ids[i]).ImportAsync(catalog.Texts[i], catalog.Content(i), encoderVersion);
            var n = Interlocked.Increment(ref done);
            if (n % (catalog.Count / 10) == 0)
            {
                LoadHarness.Log($"  imported {n:N0} items");
            }
        });
        var indexed = await cluster.Client.GetGrain<IRetrievalGrain>(0).CountItemsAsync();
        LoadHarness.Log($"catalog imported: {indexed:N0} items indexed in {importSeconds:F0} s ({catalog.Count / importSeconds:F0}/s)");

        // Users with real histories (the Scientific training sequences), applied by direct calls.
        var sequences = dataset.TrainingSequences();
        var users = Enumerable.Range(0, dataset.UserIds.Count).Where(u => sequences[u].Length >= 3).Take(settings.QueryUsers).ToArray();
        var userIds = users.Select(u => dataset.UserIds[u]).ToArray();
        await Stats.TimeConcurrentAsync(users.Length, 32, async j =>
        {
            var u = users[j];
            var events = sequences[u].Select((item, p) => new InteractionEvent($"bench:{userIds[j]}:{p}", userIds[j], dataset.Items[item].Id, DateTimeOffset.UtcNow)).ToArray();
            await cluster.Client.GetGrain<IUserGrain>(userIds[j]).ApplyAsync(events);
        });

        // The harness, client and both silos share this process: settle the heap before timing.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var retrieval = cluster.Client.GetGrain<IRetrievalGrain>(0);
        for (var q = 0; q < settings.WarmupQueries; q++)
        {
            await retrieval.RecommendAsync(userIds[q % userIds.Length], K);
        }

        var latencies = new List<double>(settings.Queries);
        var answers = new Recommendations[userIds.Length];
        var partial = 0;
        for (var q = 0; q < settings.Queries; q++)
        {
            var j = q % userIds.Length;
            var t0 = Stopwatch.GetTimestamp();
            var answer = await retrieval.RecommendAsync(userIds[j], K);
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            answers[j] = answer;
            partial += answer.Partial ? 1 : 0;
        }
        var p50 = Stats.Percentile(latencies, 50);
        var p99 = Stats.Percentile(latencies, 99);
        LoadHarness.Log($"recommend (1 caller): p50 {p50:F2} ms, p99 {p99:F2} ms over {latencies.Count:N0} queries");

        // Under concurrency: 8 callers.
        var concurrent = new List<double>(settings.Queries);
        var concurrentSeconds = await Stats.TimeConcurrentAsync(settings.Queries, 8, async q =>
        {
            var t0 = Stopwatch.GetTimestamp();
            await retrieval.RecommendAsync(userIds[q % userIds.Length], K);
            var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            lock (concurrent)
            {
                concurrent.Add(ms);
            }
        });

        // Where the time goes: the user profile alone, and one shard's search alone, both from the client.
        var profiles = new List<double>();
        var shardSearches = new List<double>();
        var shard = cluster.Client.GetGrain<IIndexShardGrain>(0);
        var profileOf = new UserProfile[userIds.Length];
        for (var j = 0; j < userIds.Length; j++)
        {
            var t0 = Stopwatch.GetTimestamp();
            profileOf[j] = await cluster.Client.GetGrain<IUserGrain>(userIds[j]).GetProfileAsync();
            profiles.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var t1 = Stopwatch.GetTimestamp();
            await shard.SearchAsync(profileOf[j].Embedding!, K, profileOf[j].SeenItems);
            shardSearches.Add(Stopwatch.GetElapsedTime(t1).TotalMilliseconds);
        }

        // Exact search over every item embedding, computed locally with the same serving model.
        using var items = catalog.ItemEmbeddings(serving);
        var exactMs = new double[userIds.Length];
        var recalls = new double[userIds.Length];
        Parallel.For(0, userIds.Length, j =>
        {
            var t0 = Stopwatch.GetTimestamp();
            var exact = items.Search(profileOf[j].Embedding!, K, profileOf[j].SeenItems.ToHashSet(StringComparer.Ordinal));
            exactMs[j] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            var got = answers[j].Items.Select(i => i.ItemId).ToHashSet(StringComparer.Ordinal);
            recalls[j] = exact.Length == 0 ? 1 : exact.Count(e => got.Contains(e.Key)) / (double)exact.Length;
        });
        var recall = recalls.Average();
        LoadHarness.Log($"recall@10 vs exact: {recall:F4}");

        var details = new JsonObject
        {
            ["silos"] = 2,
            ["catalog_items"] = catalog.Count,
            ["items_indexed"] = indexed,
            ["real_items"] = contents.Length,
            ["embedding_dimension"] = items.Dimension,
            ["shards"] = settings.Shards,
            ["hnsw_threshold"] = 20_000,
            ["hnsw"] = "M 16, ef_construction 128, ef 128 (Index defaults)",
            ["import_seconds"] = Stats.Round(importSeconds, 1),
            ["import_items_per_second"] = Stats.Round(catalog.Count / importSeconds, 0),
            ["query_users"] = userIds.Length,
            ["k"] = K,
            ["queries"] = latencies.Count,
            ["warmup_queries"] = settings.WarmupQueries,
            ["mean_ms"] = Stats.Round(latencies.Average()),
            ["p90_ms"] = Stats.Round(Stats.Percentile(latencies, 90)),
            ["max_ms"] = Stats.Round(latencies.Max()),
            ["partial_answers"] = partial,
            ["concurrent_callers"] = 8,
            ["concurrent_queries_per_second"] = Stats.Round(settings.Queries / concurrentSeconds, 0),
            ["concurrent_p50_ms"] = Stats.Round(Stats.Percentile(concurrent, 50)),
            ["concurrent_p99_ms"] = Stats.Round(Stats.Percentile(concurrent, 99)),
            ["profile_call_p50_ms"] = Stats.Round(Stats.Median(profiles)),
            ["one_shard_search_call_p50_ms"] = Stats.Round(Stats.Median(shardSearches)),
            ["one_shard_search_call_p99_ms"] = Stats.Round(Stats.Percentile(shardSearches, 99)),
            ["local_exact_search_p50_ms"] = Stats.Round(Stats.Median(exactMs)),
            ["recall_min"] = Stats.Round(recalls.Min()),
        };
        return new Result(Stats.Round(p50), Stats.Round(p99), Stats.Round(recall, 4), details);
    }
}
