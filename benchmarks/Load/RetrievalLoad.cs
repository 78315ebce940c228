using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using Actors.Dataset;
using Actors.Grains.Hosting;
using Actors.Grains.Model;
using Actors.Grains.Users;
using Actors.Ingest;
using Actors.VectorIndex;

namespace Actors.Benchmarks.Load;

/// <summary>
/// Recommendation latency and throughput on a 2-silo cluster over a synthetic catalog of realistic embeddings, measured
/// from the client, and the recall@10 of those answers against an exact search over every item embedding computed
/// locally; the catalog is loaded with the batch import (<c>CatalogImporter.ImportPrecomputedAsync</c>), attributes included.
/// Filtered recommendations are timed the same way, a broad and a selective filter. Both are
/// set against the raw library in the same run: one <see cref="HnswVectorIndex"/> (native USearch, no Orleans) over the
/// same item vectors with the shards' index settings, bulk-added and queried by the same number of callers.
/// </summary>
internal static class RetrievalLoad
{
    private const int K = 10;
    private const int Callers = 8;

    // The import's unit, and the raw bulk add's: a batch of this many items (split over the shards in the cluster).
    private const int ImportBatch = 4096;

    /// <summary>The retrieval figures; the named properties are the ones reported at the top level.</summary>
    public sealed record Result(double P50, double P99, double Recall, JsonObject Details)
    {
        /// <summary>Cluster recommendations per second with 8 callers ÷ raw USearch searches per second with 8 callers.</summary>
        public double RecommendQpsVsRawUsearch { get; init; }

        /// <summary>p99 latency of a recommendation with 8 concurrent callers, from the client.</summary>
        public double RecommendConcurrentP99Ms { get; init; }

        /// <summary>p99 latency of a filtered recommendation, one caller: the broad filter (about 9 % of the items pass) and the selective one (0.5 %).</summary>
        public double FilteredBroadP99Ms { get; init; }

        public double FilteredSelectiveP99Ms { get; init; }

        /// <summary>The lower of the two filters' index recall@10 against an exact search over the items that pass.</summary>
        public double FilteredRecall { get; init; }

        /// <summary>Items per second through the batch import (stored, indexed, durable).</summary>
        public double ImportItemsPerSecond { get; init; }

        /// <summary>Items per second of a raw USearch bulk add of the same item vectors into one index.</summary>
        public double RawUsearchAddItemsPerSecond { get; init; }
    }

    public static async Task<Result> MeasureAsync(
        LoadSettings settings, UniSRecDataset dataset, float[][] contents, string encoderVersion, ServingModel serving, string? modelPath)
    {
        var catalog = SyntheticCatalog.Create(dataset, contents, settings.CatalogSize, seed: 2025);
        LoadHarness.Log($"synthetic catalog of {catalog.Count:N0} items generated around the {contents.Length:N0} real content embeddings");

        // The cluster's index settings are the defaults (IndexOptions); the raw baseline uses the same ones for its one
        // index of the whole catalog (so the whole search beam: each shard searches with its share of it).
        var indexOptions = new IndexOptions { Shards = settings.Shards };
        var hnsw = new IndexOptions { Shards = 1 }.Hnsw();
        var clusterSettings = LoadHarness.SiloSettings(modelPath);
        clusterSettings["Index:Shards"] = settings.Shards.ToString(CultureInfo.InvariantCulture);
        await using var cluster = await BenchCluster.StartAsync(2, clusterSettings);

        // The batch import, durability included (batch records, snapshots as they fall due).
        var (importItems, importContents, importAttributes) = catalog.ForImport();
        var nextLog = catalog.Count / 10;
        var progress = new Progress(p =>
        {
            if (p.Done >= Volatile.Read(ref nextLog))
            {
                Volatile.Write(ref nextLog, p.Done + (catalog.Count / 10));
                LoadHarness.Log($"  imported {p.Done:N0} items");
            }
        });
        var importer = new CatalogImporter(cluster.Client) { BatchSize = ImportBatch };
        var importStarted = Stopwatch.GetTimestamp();
        var importCpu = CpuWindow.Start();
        var imported = await importer.ImportPrecomputedAsync(importItems, importContents, importAttributes, encoderVersion, progress);
        var importSeconds = Stopwatch.GetElapsedTime(importStarted).TotalSeconds;
        var importUtilisation = importCpu.Stop().CpuSeconds / (importSeconds * Environment.ProcessorCount);
        var indexed = await cluster.Client.GetGrain<IRetrievalGrain>(0).CountItemsAsync();
        var importRate = catalog.Count / importSeconds;
        LoadHarness.Log($"catalog imported: {imported.Stored:N0} stored, {indexed:N0} indexed in {importSeconds:F0} s ({importRate:F0}/s), the cores {importUtilisation:P0} busy");

        // Users with real histories (the Scientific training sequences), applied by direct calls.
        var sequences = dataset.TrainingSequences();
        var users = Enumerable.Range(0, dataset.UserIds.Count).Where(u => sequences[u].Length >= 3).Take(settings.QueryUsers).ToArray();
        var userIds = users.Select(u => dataset.UserIds[u]).ToArray();
        await Stats.TimeConcurrentAsync(users.Length, 32, async j =>
        {
            var u = users[j];
            var events = sequences[u].Select((item, p) => new InteractionEvent($"bench:{userIds[j]}:{p}", userIds[j], dataset.Items[item].Id, DateTimeOffset.UtcNow)).ToArray();
            await cluster.Client.GetGrain<IUserMaintenance>(userIds[j]).ApplyAsync(events);
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
        var concurrentSeconds = await Stats.TimeConcurrentAsync(settings.Queries, Callers, async q =>
        {
            var t0 = Stopwatch.GetTimestamp();
            await retrieval.RecommendAsync(userIds[q % userIds.Length], K);
            var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            lock (concurrent)
            {
                concurrent.Add(ms);
            }
        });
        var clusterQps = settings.Queries / concurrentSeconds;
        var concurrentP99 = Stats.Percentile(concurrent, 99);
        LoadHarness.Log($"recommend ({Callers} callers): {clusterQps:F0}/s, p50 {Stats.Percentile(concurrent, 50):F2} ms, p99 {concurrentP99:F2} ms");

        // Where the time goes: the user profile alone, one silo's search alone and one shard's search alone, from the client.
        // Also the index's own answer (every silo's search, merged, before fusion re-ranks it), for its recall alone.
        var profiles = new List<double>();
        var siloSearches = new List<double>();
        var shardSearches = new List<double>();
        var silos = SiloSearchGrains(cluster);
        var shard = cluster.Client.GetGrain<IIndexShardGrain>(0);
        var profileOf = new UserProfile[userIds.Length];
        var indexAnswers = new string[userIds.Length][];
        for (var j = 0; j < userIds.Length; j++)
        {
            var t0 = Stopwatch.GetTimestamp();
            profileOf[j] = await cluster.Client.GetGrain<IUserGrain>(userIds[j]).GetProfileAsync();
            profiles.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var t1 = Stopwatch.GetTimestamp();
            var first = await silos[0].SearchAsync(profileOf[j].Embedding!, K, profileOf[j].SeenItems, []);
            siloSearches.Add(Stopwatch.GetElapsedTime(t1).TotalMilliseconds);
            var rest = await Task.WhenAll(silos.Skip(1).Select(s => s.SearchAsync(profileOf[j].Embedding!, K, profileOf[j].SeenItems, [])));
            indexAnswers[j] = [.. rest.Prepend(first).SelectMany(a => a.Hits).OrderByDescending(h => h.Score).Take(K).Select(h => h.ItemId)];
            var t2 = Stopwatch.GetTimestamp();
            await shard.SearchAsync(profileOf[j].Embedding!, K, profileOf[j].SeenItems);
            shardSearches.Add(Stopwatch.GetElapsedTime(t2).TotalMilliseconds);
        }

        // Exact search over every item embedding, computed locally with the same serving model.
        var vectors = catalog.ItemVectors(serving, out var dimension);
        using var exactIndex = catalog.ExactIndex(vectors, dimension);
        var excluded = profileOf.Select(p => (IReadOnlySet<string>)p.SeenItems.ToHashSet(StringComparer.Ordinal)).ToArray();
        var exactMs = new double[userIds.Length];
        var exact = new ScoredKey[userIds.Length][];
        Parallel.For(0, userIds.Length, j =>
        {
            var t0 = Stopwatch.GetTimestamp();
            exact[j] = exactIndex.Search(profileOf[j].Embedding!, K, excluded[j]);
            exactMs[j] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        });
        // The served answers are ranked by the served score, which fuses the transition counts when the model says so:
        // their reference is the exact top-k of that same score (every item's exact dot product, the counts the cluster
        // holds), the exact cosine top-k for a model that does not fuse.
        var exactServed = serving.Fusion.UsesCounts
            ? await ExactFusedAsync(cluster, serving, profileOf, exact, catalog.Ids, vectors, dimension)
            : exact;
        var recalls = Enumerable.Range(0, userIds.Length).Select(j => RecallOf(exactServed[j], answers[j].Items.Select(i => i.ItemId))).ToArray();
        var recall = recalls.Average();
        var indexRecall = Enumerable.Range(0, userIds.Length).Average(j => RecallOf(exact[j], indexAnswers[j]));
        LoadHarness.Log($"recall@10 vs exact: {recall:F4} served (vs the exact served score), {indexRecall:F4} the index's own top-10 (vs the exact cosine)");

        // Filtered recommendations, one caller: a broad filter (one department of ten, available only: about 9 % of the
        // items) and a selective one (the rare tag: 0.5 %). Every answer is checked against the filter and its length
        // against k; the index's own filtered top-10 against an exact search over the items that pass.
        var filteredQueries = Math.Min(settings.Queries, 1000);
        var broad = await FilteredAsync(retrieval, silos, userIds, profileOf, catalog, vectors, dimension,
            new ItemFilter(CategoryPrefix: ["Science", "Dept 3"], AvailableOnly: true), filteredQueries, settings.WarmupQueries);
        var selective = await FilteredAsync(retrieval, silos, userIds, profileOf, catalog, vectors, dimension,
            new ItemFilter(Tags: [SyntheticCatalog.RareTag]), filteredQueries, settings.WarmupQueries);
        foreach (var (name, f) in new[] { ("broad", broad), ("selective", selective) })
        {
            LoadHarness.Log($"recommend filtered, {name} ({f.Share:P2} of the items pass): p50 {f.P50:F2} ms, p99 {f.P99:F2} ms, full answers {f.FullAnswers:P1}, {f.Violations} items outside the filter, index recall@10 {f.IndexRecall:F4}");
        }

        // The raw library: one index of the same vectors, the same settings, bulk-added, then the same queries.
        var raw = RawUsearch.Measure(catalog.Ids, vectors, dimension, hnsw, ImportBatch, profileOf, excluded, exact, settings.Queries, Callers);
        var qpsVsRaw = clusterQps / raw.QueriesPerSecond;
        LoadHarness.Log($"raw USearch: add {raw.AddItemsPerSecond:F0}/s, {Callers} callers {raw.QueriesPerSecond:F0}/s (cluster {qpsVsRaw:F2}x), 1 caller p50 {raw.P50Ms:F3} ms, recall {raw.Recall:F4}");

        var details = new JsonObject
        {
            ["silos"] = 2,
            ["catalog_items"] = catalog.Count,
            ["items_indexed"] = indexed,
            ["real_items"] = contents.Length,
            ["embedding_dimension"] = dimension,
            ["shards"] = settings.Shards,
            ["hnsw_threshold"] = indexOptions.HnswThreshold,
            ["hnsw"] = $"M {hnsw.Connectivity}, ef_construction {hnsw.ExpansionAdd}, ef {hnsw.ExpansionSearch} over the catalog ({indexOptions.Hnsw().ExpansionSearch} a shard; at least {hnsw.ExpansionPerK} × k), {hnsw.Quantization} (Index defaults)",
            ["quantization"] = hnsw.Quantization.ToString(),
            ["import_batch"] = ImportBatch,
            ["import_seconds"] = Stats.Round(importSeconds, 1),
            ["import_items_per_second"] = Stats.Round(importRate, 0),
            ["import_stored"] = imported.Stored,
            ["import_cpu_utilisation"] = Stats.Round(importUtilisation, 2),
            ["raw_usearch_add_items_per_second"] = Stats.Round(raw.AddItemsPerSecond, 0),
            ["import_vs_raw_add"] = Stats.Round(importRate / raw.AddItemsPerSecond),
            ["query_users"] = userIds.Length,
            ["k"] = K,
            ["queries"] = latencies.Count,
            ["warmup_queries"] = settings.WarmupQueries,
            ["p50_ms"] = Stats.Round(Stats.Percentile(latencies, 50)),
            ["p99_ms"] = Stats.Round(Stats.Percentile(latencies, 99)),
            ["recall_at_10_vs_exact"] = Stats.Round(recall, 4),
            ["mean_ms"] = Stats.Round(latencies.Average()),
            ["p90_ms"] = Stats.Round(Stats.Percentile(latencies, 90)),
            ["max_ms"] = Stats.Round(latencies.Max()),
            ["partial_answers"] = partial,
            ["concurrent_callers"] = Callers,
            ["concurrent_queries_per_second"] = Stats.Round(clusterQps, 0),
            ["concurrent_p50_ms"] = Stats.Round(Stats.Percentile(concurrent, 50)),
            ["concurrent_p99_ms"] = Stats.Round(concurrentP99),
            ["recommend_concurrent_p99_ms"] = Stats.Round(concurrentP99),
            ["raw_usearch_queries_per_second"] = Stats.Round(raw.QueriesPerSecond, 0),
            ["recommend_qps_vs_raw_usearch"] = Stats.Round(qpsVsRaw),
            ["raw_usearch_p50_ms"] = Stats.Round(raw.P50Ms),
            ["raw_usearch_p99_ms"] = Stats.Round(raw.P99Ms),
            ["raw_usearch_recall_at_10"] = Stats.Round(raw.Recall, 4),
            ["raw_usearch_graph_mb"] = Stats.Round(raw.GraphBytes / 1e6, 0),
            ["raw_usearch_kernels"] = raw.Acceleration,
            ["profile_call_p50_ms"] = Stats.Round(Stats.Median(profiles)),
            ["one_silo_search_call_p50_ms"] = Stats.Round(Stats.Median(siloSearches)),
            ["one_silo_search_call_p99_ms"] = Stats.Round(Stats.Percentile(siloSearches, 99)),
            ["one_shard_search_call_p50_ms"] = Stats.Round(Stats.Median(shardSearches)),
            ["one_shard_search_call_p99_ms"] = Stats.Round(Stats.Percentile(shardSearches, 99)),
            ["local_exact_search_p50_ms"] = Stats.Round(Stats.Median(exactMs)),
            ["recall_min"] = Stats.Round(recalls.Min()),
            ["index_recall_at_10_vs_exact"] = Stats.Round(indexRecall, 4),
            ["filtered_queries"] = filteredQueries,
        };
        foreach (var (name, f) in new[] { ("broad", broad), ("selective", selective) })
        {
            details[$"filtered_{name}_filter"] = f.Filter;
            details[$"filtered_{name}_share"] = Stats.Round(f.Share, 4);
            details[$"filtered_{name}_p50_ms"] = Stats.Round(f.P50);
            details[$"filtered_{name}_p99_ms"] = Stats.Round(f.P99);
            details[$"filtered_{name}_p99_vs_unfiltered"] = Stats.Round(f.P99 / p99);
            details[$"filtered_{name}_full_answers"] = Stats.Round(f.FullAnswers, 4);
            details[$"filtered_{name}_items_outside_filter"] = f.Violations;
            details[$"filtered_{name}_index_recall_at_10_vs_exact"] = Stats.Round(f.IndexRecall, 4);
        }
        return new Result(Stats.Round(p50), Stats.Round(p99), Stats.Round(recall, 4), details)
        {
            RecommendQpsVsRawUsearch = Stats.Round(qpsVsRaw),
            RecommendConcurrentP99Ms = Stats.Round(concurrentP99),
            ImportItemsPerSecond = Stats.Round(importRate, 0),
            RawUsearchAddItemsPerSecond = Stats.Round(raw.AddItemsPerSecond, 0),
            FilteredBroadP99Ms = Stats.Round(broad.P99),
            FilteredSelectiveP99Ms = Stats.Round(selective.P99),
            FilteredRecall = Stats.Round(Math.Min(broad.IndexRecall, selective.IndexRecall), 4),
        };
    }

    /// <summary>One filter's figures: the share of the catalog that passes, latency, answers of k items, items outside it, index recall.</summary>
    private sealed record FilteredFigures(string Filter, double Share, double P50, double P99, double FullAnswers, int Violations, double IndexRecall);

    private static async Task<FilteredFigures> FilteredAsync(
        IRetrievalGrain retrieval, ISiloSearchGrain[] silos, string[] userIds, UserProfile[] profiles, SyntheticCatalog catalog,
        float[] vectors, int dimension, ItemFilter filter, int queries, int warmup)
    {
        var passing = Enumerable.Range(0, catalog.Count).Where(i => filter.Matches(catalog.Attributes[i])).ToArray();
        var passes = passing.Select(i => catalog.Ids[i]).ToHashSet(StringComparer.Ordinal);
        var options = new RecommendOptions(filter);
        for (var q = 0; q < warmup; q++)
        {
            await retrieval.RecommendAsync(userIds[q % userIds.Length], K, options);
        }
        var latencies = new List<double>(queries);
        int full = 0, violations = 0;
        for (var q = 0; q < queries; q++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var answer = await retrieval.RecommendAsync(userIds[q % userIds.Length], K, options);
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            full += answer.Items.Length == K ? 1 : 0;
            violations += answer.Items.Count(i => !passes.Contains(i.ItemId));
        }

        // The index's own filtered top-10 (every silo's search, merged) against the exact top-10 of the passing items.
        var got = new string[profiles.Length][];
        for (var j = 0; j < profiles.Length; j++)
        {
            var answers = await Task.WhenAll(silos.Select(s => s.SearchAsync(profiles[j].Embedding!, K, profiles[j].SeenItems, [], filter: filter)));
            got[j] = [.. answers.SelectMany(a => a.Hits).OrderByDescending(h => h.Score).Take(K).Select(h => h.ItemId)];
        }
        var recalls = new double[profiles.Length];
        Parallel.For(0, profiles.Length, j =>
        {
            var seen = profiles[j].SeenItems.ToHashSet(StringComparer.Ordinal);
            var top = new TopK(K);
            foreach (var i in passing)
            {
                if (!seen.Contains(catalog.Ids[i]))
                {
                    top.Add(catalog.Ids[i], TensorPrimitives.Dot(profiles[j].Embedding!, vectors.AsSpan(i * dimension, dimension)));
                }
            }
            recalls[j] = RecallOf(top.ToArray(), got[j]);
        });
        var described = string.Join(", ", new[]
        {
            filter.CategoryPrefix is { } category ? $"category {string.Join(" > ", category)}" : null,
            filter.AvailableOnly ? "available" : null,
            filter.Tags is { } tags ? $"tags {string.Join(", ", tags)}" : null,
        }.Where(p => p is not null));
        return new FilteredFigures(described, passing.Length / (double)catalog.Count, Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99),
            full / (double)queries, violations, recalls.Average());
    }

    /// <summary>
    /// The exact top <see cref="K"/> of the fused score for each profile: cos / τ + λ·log1p(T) over every unseen item,
    /// with T from the successors the transition shards hold for the profile's recent items. As in retrieval, the
    /// candidates are the exact cosine top k and the successors, which is exact because counts only raise a score.
    /// </summary>
    private static async Task<ScoredKey[][]> ExactFusedAsync(
        BenchCluster cluster, ServingModel serving, UserProfile[] profiles, ScoredKey[][] exactCosine, string[] ids, float[] vectors, int dimension)
    {
        var fusion = serving.Fusion;
        var rowOf = new Dictionary<string, int>(ids.Length, StringComparer.Ordinal);
        for (var i = 0; i < ids.Length; i++)
        {
            rowOf[ids[i]] = i;
        }
        var shards = new TransitionOptions().Shards;
        var result = new ScoredKey[profiles.Length][];
        for (var j = 0; j < profiles.Length; j++)
        {
            var recent = profiles[j].RecentItems ?? [];
            var successors = new IReadOnlyDictionary<string, int>[recent.Length];
            for (var r = 0; r < recent.Length; r++)
            {
                var answer = await cluster.Client.GetGrain<ITransitionGrain>(Partitioner.ShardOf(recent[r], shards)).GetSuccessorsAsync([recent[r]]);
                var row = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < answer[0].Items.Length; i++)
                {
                    row[answer[0].Items[i]] = answer[0].Counts[i];
                }
                successors[r] = row;
            }
            var transitions = new Dictionary<string, float>(StringComparer.Ordinal);
            fusion.AccumulateTransitions(successors, transitions);
            var seen = profiles[j].SeenItems.ToHashSet(StringComparer.Ordinal);
            var cosines = exactCosine[j].ToDictionary(e => e.Key, e => e.Score, StringComparer.Ordinal);
            foreach (var item in transitions.Keys)
            {
                if (!seen.Contains(item) && rowOf.TryGetValue(item, out var row))
                {
                    cosines[item] = TensorPrimitives.Dot(profiles[j].Embedding!, vectors.AsSpan(row * dimension, dimension));
                }
            }
            var top = new TopK(K);
            foreach (var (item, cosine) in cosines)
            {
                top.Add(item, fusion.Score(cosine, transitions.GetValueOrDefault(item)));
            }
            result[j] = top.ToArray();
        }
        return result;
    }

    internal static double RecallOf(ScoredKey[] exact, IEnumerable<string> got)
    {
        var answered = got.ToHashSet(StringComparer.Ordinal);
        return exact.Length == 0 ? 1 : exact.Count(e => answered.Contains(e.Key)) / (double)exact.Length;
    }

    /// <summary>Every silo's search grain, addressed as retrieval addresses them.</summary>
    private static ISiloSearchGrain[] SiloSearchGrains(BenchCluster cluster) =>
        [.. Enumerable.Range(0, cluster.SiloCount).Select(s => cluster.Client.GetGrain<ISiloSearchGrain>(Grains.Placement.SiloKeyedPlacement.KeyOf(cluster.SiloAddress(s))))];

    private sealed class Progress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
