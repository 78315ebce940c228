using System.Diagnostics;

namespace Actors.Benchmarks.Load;

internal static class Stats
{
    /// <summary>The <paramref name="p"/>-th percentile (0–100) of <paramref name="values"/>, nearest rank.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    public static double Round(double value, int digits = 3) => Math.Round(value, digits, MidpointRounding.AwayFromZero);

    /// <summary>Runs <paramref name="action"/> for 0..count-1 with at most <paramref name="concurrency"/> in flight; returns the elapsed seconds.</summary>
    public static async Task<double> TimeConcurrentAsync(int count, int concurrency, Func<int, ValueTask> action)
    {
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, (i, _) => action(i));
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    public static double Time(Action action)
    {
        var started = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling every few milliseconds; throws with <paramref name="what"/> on timeout.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitUntilAsync(condition, timeout, () => what);

    /// <summary>As the overload with a fixed description; <paramref name="what"/> is read when the wait times out (it may report progress).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what()}.");
            }
            await Task.Delay(5);
        }
    }
}
