using System.Diagnostics;
using System.Text.Json.Nodes;
using Actors.Model;

namespace Actors.Benchmarks.Load;

/// <summary>
/// One incremental user-tower step (the 50th item appended to a window of 49: <see cref="UserTowerState.Append(ReadOnlySpan{float})"/>)
/// against a full recompute over the same 50 items (<see cref="PreferenceModel.UserEmbedding(IReadOnlyList{float[]})"/>),
/// interleaved over many users and rounds. Also the cost of an append to a full window (what a user grain pays per event
/// once its history holds 50 items: the window slides, which recomputes every position), and one
/// <see cref="UserTowerBatch"/> step of <see cref="BatchUsers"/> users against the same users stepped one by one.
/// </summary>
internal static class TowerLoad
{
    private const int History = 50;
    private const int Users = 200;
    private const int Rounds = 5;
    private const int BatchUsers = 64;
    private const int BatchRounds = 20;
    private const int BatchWarmupRounds = 3;

    /// <param name="Speedup">Full recompute over 50 items ÷ one incremental append of the 50th.</param>
    /// <param name="Details">Every figure, for the JSON report.</param>
    /// <param name="BatchedSpeedup">64 one-by-one appends ÷ one batched append of the same 64 states (<c>batched_tower_speedup</c>).</param>
    /// <param name="BatchedMaxAbsDiff">Largest difference between the batched and one-by-one embeddings (<c>batched_tower_max_abs_diff</c>).</param>
    /// <param name="RawStepUs">Mean one-by-one append in that comparison, µs (<c>raw_tower_step_us</c>).</param>
    /// <param name="BatchedStepUsPerUser">The batched append ÷ 64, µs (<c>batched_tower_step_us_per_user</c>).</param>
    public sealed record Result(
        double Speedup, JsonObject Details, double BatchedSpeedup, double BatchedMaxAbsDiff, double RawStepUs, double BatchedStepUsPerUser);

    public static Result Measure(string? modelPath, float[][] contents)
    {
        var model = modelPath is null
            ? PreferenceModel.CreateRandom(new PreferenceModelConfig(), seed: 1)
            : PreferenceModel.Load(modelPath);
        var random = new Random(11);
        var histories = new float[Users][][];
        for (var u = 0; u < Users; u++)
        {
            histories[u] = new float[History][];
            for (var i = 0; i < History; i++)
            {
                histories[u][i] = contents[random.Next(contents.Length)];
            }
        }

        var states = new UserTowerState[Users];
        for (var u = 0; u < Users; u++)
        {
            states[u] = model.CreateUserState(History);
        }

        long incrementalTicks = 0, fullTicks = 0, slideTicks = 0;
        var maxDifference = 0f;
        var sink = 0f;
        for (var round = 0; round < Rounds + 1; round++)
        {
            long incremental = 0, full = 0, slide = 0;
            for (var u = 0; u < Users; u++)
            {
                var history = histories[u];
                var state = states[u];
                state.Rebuild(history[..(History - 1)]);

                var t0 = Stopwatch.GetTimestamp();
                state.Append(history[History - 1]);
                var t1 = Stopwatch.GetTimestamp();
                var fresh = model.UserEmbedding(history);
                var t2 = Stopwatch.GetTimestamp();
                incremental += t1 - t0;
                full += t2 - t1;

                for (var d = 0; d < fresh.Length; d++)
                {
                    maxDifference = MathF.Max(maxDifference, MathF.Abs(fresh[d] - state.Embedding[d]));
                }

                // The window is full now: the next event slides it.
                var t3 = Stopwatch.GetTimestamp();
                state.Append(history[0]);
                slide += Stopwatch.GetTimestamp() - t3;
                sink += state.Embedding[0];
            }
            if (round > 0)
            {
                // Round 0 warms the JIT and caches.
                incrementalTicks += incremental;
                fullTicks += full;
                slideTicks += slide;
            }
        }

        var samples = (double)Users * Rounds;
        var incrementalUs = incrementalTicks * 1e6 / Stopwatch.Frequency / samples;
        var fullUs = fullTicks * 1e6 / Stopwatch.Frequency / samples;
        var slideUs = slideTicks * 1e6 / Stopwatch.Frequency / samples;
        var details = new JsonObject
        {
            ["model"] = modelPath ?? "random weights, LEARN shape (content 384, hidden 64, 2 layers, 2 heads, ff 256, out 64)",
            ["history"] = History,
            ["samples"] = (int)samples,
            ["append_us"] = Stats.Round(incrementalUs, 2),
            ["full_recompute_us"] = Stats.Round(fullUs, 2),
            ["append_to_full_window_us"] = Stats.Round(slideUs, 2),
            ["full_window_speedup"] = Stats.Round(fullUs / slideUs, 2),
            ["max_abs_difference_vs_full"] = maxDifference,
            ["checksum"] = sink,
        };
        var batched = MeasureBatched(model, contents);
        details["batch_users"] = BatchUsers;
        details["batch_rounds"] = BatchRounds;
        details["batched_tower_speedup"] = Stats.Round(batched.Speedup, 2);
        details["batched_tower_max_abs_diff"] = batched.MaxAbsDiff;
        details["raw_tower_step_us"] = Stats.Round(batched.RawStepUs, 2);
        details["batched_tower_step_us_per_user"] = Stats.Round(batched.BatchedStepUsPerUser, 2);
        return new Result(
            Stats.Round(fullUs / incrementalUs, 2), details, Stats.Round(batched.Speedup, 2), batched.MaxAbsDiff,
            Stats.Round(batched.RawStepUs, 2), Stats.Round(batched.BatchedStepUsPerUser, 2));
    }

    /// <summary>
    /// <see cref="BatchUsers"/> users with real histories of mixed lengths (1–49 items, so no window slides), one step
    /// each: the 64 <see cref="UserTowerState.Append(ReadOnlySpan{float})"/> calls against one <see cref="UserTowerBatch.Append"/>
    /// over a second set of states rebuilt from the same histories. The two sets start identical every round; the order
    /// alternates between rounds, and the first <see cref="BatchWarmupRounds"/> rounds (JIT tiering, caches) are discarded.
    /// </summary>
    private static (double Speedup, float MaxAbsDiff, double RawStepUs, double BatchedStepUsPerUser) MeasureBatched(PreferenceModel model, float[][] contents)
    {
        var random = new Random(13);
        var histories = new float[BatchUsers][][];
        var next = new float[BatchUsers][];
        for (var u = 0; u < BatchUsers; u++)
        {
            histories[u] = new float[random.Next(1, History)][];
            for (var i = 0; i < histories[u].Length; i++)
            {
                histories[u][i] = contents[random.Next(contents.Length)];
            }

            next[u] = contents[random.Next(contents.Length)];
        }

        var single = new UserTowerState[BatchUsers];
        var batchedStates = new UserTowerState[BatchUsers];
        for (var u = 0; u < BatchUsers; u++)
        {
            single[u] = model.CreateUserState(History);
            batchedStates[u] = model.CreateUserState(History);
        }

        var batch = new UserTowerBatch(model);
        long singleTicks = 0, batchedTicks = 0;
        var maxDifference = 0f;
        for (var round = 0; round < BatchWarmupRounds + BatchRounds; round++)
        {
            for (var u = 0; u < BatchUsers; u++)
            {
                single[u].Rebuild(histories[u]);
                batchedStates[u].Rebuild(histories[u]);
            }

            long oneByOne = 0, batched = 0;
            for (var half = 0; half < 2; half++)
            {
                if ((half + round) % 2 == 0)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    for (var u = 0; u < BatchUsers; u++)
                    {
                        single[u].Append(next[u]);
                    }

                    oneByOne = Stopwatch.GetTimestamp() - t0;
                }
                else
                {
                    var t0 = Stopwatch.GetTimestamp();
                    batch.Append(batchedStates, next);
                    batched = Stopwatch.GetTimestamp() - t0;
                }
            }

            for (var u = 0; u < BatchUsers; u++)
            {
                for (var d = 0; d < model.OutputDimension; d++)
                {
                    maxDifference = MathF.Max(maxDifference, MathF.Abs(single[u].Embedding[d] - batchedStates[u].Embedding[d]));
                }
            }

            if (round >= BatchWarmupRounds)
            {
                singleTicks += oneByOne;
                batchedTicks += batched;
            }
        }

        var rawUs = singleTicks * 1e6 / Stopwatch.Frequency / ((double)BatchRounds * BatchUsers);
        var batchedUs = batchedTicks * 1e6 / Stopwatch.Frequency / ((double)BatchRounds * BatchUsers);
        return ((double)singleTicks / batchedTicks, maxDifference, rawUs, batchedUs);
    }
}
