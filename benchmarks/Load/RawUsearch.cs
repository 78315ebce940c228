using System.Diagnostics;
using Actors.VectorIndex;

namespace Actors.Benchmarks.Load;

/// <summary>
/// The raw-library baseline of the retrieval figures: one <see cref="HnswVectorIndex"/> (USearch through its C API, no
/// Orleans, no partitioning, no messages) over every item vector, with the shards' settings: built with bulk adds of
/// the import's batch size, then asked the cluster's queries (the user embedding, k, the user's history excluded) by one
/// caller and by as many concurrent callers as the cluster had.
/// </summary>
internal static class RawUsearch
{
    public sealed record Figures(
        double AddItemsPerSecond, double QueriesPerSecond, double P50Ms, double P99Ms, double Recall, long GraphBytes, string Acceleration);

    public static Figures Measure(
        IReadOnlyList<string> ids, float[] vectors, int dimension, HnswOptions options, int batch,
        UserProfile[] profiles, IReadOnlySet<string>[] excluded, ScoredKey[][] exact, int queries, int callers)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var index = new HnswVectorIndex(dimension, options);
        var started = Stopwatch.GetTimestamp();
        for (var start = 0; start < ids.Count; start += batch)
        {
            var count = Math.Min(batch, ids.Count - start);
            index.UpsertMany([.. ids.Skip(start).Take(count)], vectors.AsSpan(start * dimension, count * dimension));
        }
        var addSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        for (var q = 0; q < 200; q++)
        {
            Query(q);
        }
        var latencies = new List<double>(queries);
        var recalls = new double[profiles.Length];
        for (var q = 0; q < queries; q++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var hits = Query(q);
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            recalls[q % profiles.Length] = RetrievalLoad.RecallOf(exact[q % profiles.Length], hits.Select(h => h.Key));
        }
        var concurrentSeconds = Stats.Time(() =>
            Parallel.For(0, queries, new ParallelOptions { MaxDegreeOfParallelism = callers }, q => Query(q)));
        return new Figures(
            ids.Count / addSeconds,
            queries / concurrentSeconds,
            Stats.Percentile(latencies, 50),
            Stats.Percentile(latencies, 99),
            recalls.Average(),
            index.GraphMemoryBytes,
            index.Acceleration);

        ScoredKey[] Query(int q) => index.Search(profiles[q % profiles.Length].Embedding!, 10, excluded[q % profiles.Length]);
    }
}
