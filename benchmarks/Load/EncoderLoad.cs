using System.Text.Json.Nodes;
using Actors.Encoder;
using Actors.Grains.Encoding;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Benchmarks.Load;

/// <summary>
/// The encoder through the grain path against the raw ONNX session at the same batch size, and item upserts with
/// dynamic batching against <c>Encoder:MaxBatchSize = 1</c>.
/// </summary>
internal static class EncoderLoad
{
    private const int Rounds = 3;
    private const int Concurrency = 64;

    public sealed record Result(double GrainVsRaw, double BatchingSpeedup, JsonObject Details);

    /// <summary>Upserts per second of <paramref name="count"/> new items, 64 concurrent, and the mean ONNX batch they ran in.</summary>
    public static async Task<(double PerSecond, double MeanBatch)> UpsertRateAsync(BenchCluster cluster, string prefix, string[] texts, int count)
    {
        var batcher = cluster.SiloServices(0).GetRequiredService<BatchingTextEncoder>();
        var (batches0, texts0) = (batcher.BatchesRun, batcher.TextsEncoded);
        var seconds = await Stats.TimeConcurrentAsync(count, Concurrency, async i =>
            await cluster.Client.GetGrain<IItemGrain>($"{prefix}-{i}").UpsertAsync(texts[i % texts.Length]));
        var meanBatch = (double)(batcher.TextsEncoded - texts0) / Math.Max(1, batcher.BatchesRun - batches0);
        return (count / seconds, meanBatch);
    }

    public static async Task<Result> MeasureAsync(
        LoadSettings settings, BenchCluster cluster, TextEncoder raw, string[] texts, (double PerSecond, double MeanBatch) unbatched)
    {
        var batch = settings.EncoderBatch;
        var perRound = settings.EncoderTexts;
        var grain = cluster.Client.GetGrain<IEncoderGrain>(0);

        // Warm both paths (first ONNX runs allocate their arenas).
        _ = raw.Encode(texts[..batch]);
        await Task.WhenAll(texts[..batch].Select(t => grain.EncodeAsync(t)));

        double rawSeconds = 0, grainSeconds = 0, singleSeconds = 0, batchOf64Seconds = 0;
        var singles = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var slice = texts.AsSpan((batch + (round * perRound)) % (texts.Length - perRound), perRound).ToArray();
            // Alternate which goes first so a drift in the machine's load does not favour one side.
            for (var side = 0; side < 2; side++)
            {
                if ((side + round) % 2 == 0)
                {
                    rawSeconds += Stats.Time(() =>
                    {
                        foreach (var chunk in slice.Chunk(batch))
                        {
                            _ = raw.Encode(chunk);
                        }
                    });
                }
                else
                {
                    // Two batches in flight so the batcher always has a full batch waiting, as under load.
                    grainSeconds += await Stats.TimeConcurrentAsync(slice.Length, 2 * batch, async i => await grain.EncodeAsync(slice[i]));
                }
            }

            // The library's own ceiling for batching: the same 64 texts one at a time and as one batch.
            var sample = slice[..batch];
            singleSeconds += Stats.Time(() =>
            {
                foreach (var text in sample)
                {
                    _ = raw.Encode(text);
                }
            });
            batchOf64Seconds += Stats.Time(() => raw.Encode(sample));
            singles += sample.Length;
        }

        var rawRate = Rounds * perRound / rawSeconds;
        var grainRate = Rounds * perRound / grainSeconds;
        var dynamic = await UpsertRateAsync(cluster, "batch-dynamic", texts, settings.BatchingUpserts);
        LoadHarness.Log($"encoder: raw {rawRate:F0}/s, grain {grainRate:F0}/s; upserts: dynamic {dynamic.PerSecond:F0}/s (mean batch {dynamic.MeanBatch:F1}), batch size 1 {unbatched.PerSecond:F0}/s");

        var details = new JsonObject
        {
            ["batch_size"] = batch,
            ["texts"] = Rounds * perRound,
            ["raw_texts_per_second"] = Stats.Round(rawRate, 1),
            ["grain_texts_per_second"] = Stats.Round(grainRate, 1),
            ["upserts"] = settings.BatchingUpserts,
            ["upsert_concurrency"] = Concurrency,
            ["dynamic_upserts_per_second"] = Stats.Round(dynamic.PerSecond, 1),
            ["dynamic_mean_batch"] = Stats.Round(dynamic.MeanBatch, 1),
            ["batch1_upserts_per_second"] = Stats.Round(unbatched.PerSecond, 1),
            ["batch1_mean_batch"] = Stats.Round(unbatched.MeanBatch, 1),
            ["raw_batch1_texts_per_second"] = Stats.Round(singles / singleSeconds, 1),
            ["raw_batch64_texts_per_second"] = Stats.Round(singles / batchOf64Seconds, 1),
            ["raw_batch64_vs_batch1"] = Stats.Round(singleSeconds / batchOf64Seconds, 2),
            ["max_batch_wait_ms"] = new EncoderOptions().MaxBatchWait.TotalMilliseconds,
        };
        return new Result(Stats.Round(grainRate / rawRate, 3), Stats.Round(dynamic.PerSecond / unbatched.PerSecond, 2), details);
    }
}
