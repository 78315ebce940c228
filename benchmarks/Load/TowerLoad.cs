using System.Diagnostics;
using System.Text.Json.Nodes;
using Actors.Model;

namespace Actors.Benchmarks.Load;

/// <summary>
/// One incremental user-tower step (the 50th item appended to a window of 49: <see cref="UserTowerState.Append(ReadOnlySpan{float})"/>)
/// against a full recompute over the same 50 items (<see cref="PreferenceModel.UserEmbedding(IReadOnlyList{float[]})"/>),
/// interleaved over many users and rounds. Also the cost of an append to a full window (what a user grain pays per event
/// once its history holds 50 items: the window slides, which recomputes every position).
/// </summary>
internal static class TowerLoad
{
    private const int History = 50;
    private const int Users = 200;
    private const int Rounds = 5;

    public sealed record Result(double Speedup, JsonObject Details);

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
        return new Result(Stats.Round(fullUs / incrementalUs, 2), details);
    }
}
