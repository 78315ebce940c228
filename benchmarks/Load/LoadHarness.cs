using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Actors.Dataset;
using Actors.Encoder;
using Actors.Grains.Model;
using Actors.Model;

namespace Actors.Benchmarks.Load;

/// <summary>
/// The load harness: every figure of issue 5 measured in one run against its raw-library baseline measured in the same
/// run, written as JSON (keys read by checks outside the repository) and as the generated page docs/performance.md.
/// </summary>
internal static class LoadHarness
{
    public static async Task<int> RunAsync(LoadSettings settings)
    {
        var started = Stopwatch.GetTimestamp();
        var report = new JsonObject();
        var details = new JsonObject();
        report["machine"] = Machine.Describe();
        report["mode"] = settings.Quick ? "quick" : "full";
        report["date_utc"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        report["command"] = settings.CommandLine;

        Log($"Actors load harness ({(settings.Quick ? "quick" : "full")}): catalog {settings.CatalogSize:N0} items, {settings.Shards} shards");
        var dataset = UniSRecDataset.Load(RepositoryPaths.Scientific);
        using var encoder = new TextEncoder(new EncoderOptions());
        var texts = dataset.Items.Select(i => i.Text).ToArray();
        var encodeSeconds = Stats.Time(() => _ = ContentEmbeddingCache.GetOrCompute(encoder, texts));
        var contents = ContentEmbeddingCache.GetOrCompute(encoder, texts);
        Log($"content embeddings of the {texts.Length:N0} sample items ready ({encodeSeconds:F1} s, cached under {Path.GetFullPath(ContentEmbeddingCache.DefaultDirectory)})");

        var (modelPath, modelName) = ResolveModel(settings.Model);
        var serving = modelPath is null ? ServingModel.Content : ServingModel.Load(modelPath, RepositoryPaths.Root);
        report["serving_model"] = modelName;
        details["serving_model_version"] = serving.Version;

        // 1. Incremental user tower vs full recompute (library only).
        if (settings.Runs("tower"))
        {
            var tower = TowerLoad.Measure(modelPath, contents);
            report["incremental_speedup"] = tower.Speedup;
            report["batched_tower_speedup"] = tower.BatchedSpeedup;
            report["batched_tower_max_abs_diff"] = tower.BatchedMaxAbsDiff;
            details["incremental"] = tower.Details;
            Log($"incremental_speedup {tower.Speedup:F1}x");
        }

        // 2. Encoder grain vs raw session, batching vs batch size 1: one silo each.
        if (settings.Runs("encoder"))
        {
            (double PerSecond, double MeanBatch) unbatched;
            var one = SiloSettings(modelPath);
            one["Encoder:MaxBatchSize"] = "1";
            await using (var cluster = await BenchCluster.StartAsync(1, one))
            {
                unbatched = await EncoderLoad.UpsertRateAsync(cluster, "batch-one", texts, settings.BatchingUpserts);
            }
            await using (var cluster = await BenchCluster.StartAsync(1, SiloSettings(modelPath)))
            {
                var encoderResult = await EncoderLoad.MeasureAsync(settings, cluster, encoder, texts, unbatched);
                report["encoder_grain_vs_raw"] = encoderResult.GrainVsRaw;
                report["batching_speedup"] = encoderResult.BatchingSpeedup;
                details["encoder"] = encoderResult.Details;
            }
        }

        // 3. Events per second through the stream on one silo.
        if (settings.Runs("events"))
        {
            await using var cluster = await BenchCluster.StartAsync(1, SiloSettings(modelPath));
            var events = await EventLoad.MeasureAsync(settings, cluster, dataset, contents, encoder.ModelVersion, modelPath);
            report["events_per_second"] = events.EventsPerSecond;
            report["event_cpu_vs_raw_tower"] = events.CpuVsRawTower;
            report["event_to_embedding_p99_ms"] = events.DelayP99Ms;
            details["events"] = events.Details;
        }

        // 4. Recommendations on 2 silos over a large synthetic catalog, and their recall against exact search.
        if (settings.Runs("retrieval"))
        {
            foreach (var size in settings.CatalogSizes)
            {
                // Every size gets its own cluster; the top-level figures are the largest catalog's.
                var retrieval = await RetrievalLoad.MeasureAsync(settings with { Catalog = size }, dataset, contents, encoder.ModelVersion, serving, modelPath);
                report["recommend_qps_vs_raw_usearch"] = retrieval.RecommendQpsVsRawUsearch;
                report["recommend_concurrent_p99_ms"] = retrieval.RecommendConcurrentP99Ms;
                report["recommend_p50_ms"] = retrieval.P50;
                report["recommend_p99_ms"] = retrieval.P99;
                report["recall_at_10_vs_exact"] = retrieval.Recall;
                report["import_items_per_second"] = retrieval.ImportItemsPerSecond;
                report["recommend_filtered_broad_p99_ms"] = retrieval.FilteredBroadP99Ms;
                report["recommend_filtered_selective_p99_ms"] = retrieval.FilteredSelectiveP99Ms;
                report["filtered_recall_at_10_vs_exact"] = retrieval.FilteredRecall;
                details[string.Create(System.Globalization.CultureInfo.InvariantCulture, $"retrieval_{size}")] = retrieval.Details;
            }
        }

        report["catalog_items"] = settings.CatalogSize;
        report["shards"] = settings.Shards;
        report["duration_seconds"] = Stats.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1);
        report["load_average_end"] = Machine.LoadAverage();
        report["details"] = details;

        var json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        if (settings.JsonPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(settings.JsonPath)!);
            await File.WriteAllTextAsync(settings.JsonPath, json + "\n");
            Log($"wrote {settings.JsonPath}");
        }
        if (settings.Only is null)
        {
            await File.WriteAllTextAsync(settings.DocPath, PerformancePage.Render(report));
            Log($"wrote {settings.DocPath}");
        }
        Console.WriteLine(json);
        return 0;
    }

    /// <summary>Settings every benchmark silo gets on top of its defaults: the model served.</summary>
    public static Dictionary<string, string?> SiloSettings(string? modelPath) => new()
    {
        ["Model:Path"] = modelPath ?? "",
    };

    public static void Log(string message) =>
        Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    /// <summary>The artifact folder to serve (null = content baseline) and its name for the report.</summary>
    private static (string? Path, string Name) ResolveModel(string? requested)
    {
        var shipped = Path.Combine(RepositoryPaths.Root, "models", "learn-scientific");
        switch (requested)
        {
            case null:
                return File.Exists(Path.Combine(shipped, PreferenceModel.ManifestFileName))
                    ? (shipped, "models/learn-scientific")
                    : (null, "content baseline (no trained model shipped)");
            case "content":
                return (null, "content baseline");
            case "random":
                var folder = Path.Combine(Path.GetTempPath(), "actors-bench-model");
                PreferenceModel.CreateRandom(new PreferenceModelConfig(), seed: 1).Save(folder);
                return (folder, "random LEARN shape (384→64, 2 layers, 2 heads)");
            default:
                return (Path.GetFullPath(requested), requested);
        }
    }
}
