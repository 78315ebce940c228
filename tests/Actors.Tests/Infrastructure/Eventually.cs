using System.Diagnostics;

namespace Actors.Tests.Infrastructure;

/// <summary>Waits on an explicit condition instead of sleeping; the failure says what was awaited.</summary>
internal static class Eventually
{
    public static async Task<T> MatchesAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string waitingFor, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (condition(value))
            {
                return value;
            }
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:F0} s waiting for {waitingFor}.");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds (at most <paramref name="timeout"/>).</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string waitingFor) =>
        MatchesAsync(condition, static holds => holds, waitingFor, timeout);
}
