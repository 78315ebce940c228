using Actors.Grains.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Actors.Tests.Unit;

/// <summary>
/// A silo aggregator's flushes never overlap. A caller's flush that ran beside the timer's could return before the
/// timer's calls had landed, or have its fresh read overwritten by the timer's older one; the popularity test of the
/// event types failed on that once in CI.
/// </summary>
public sealed class SiloAggregatorTests
{
    [Fact]
    public async Task A_flush_asked_for_while_another_runs_starts_only_when_that_one_has_finished()
    {
        using var aggregator = new GatedAggregator();

        var first = aggregator.FlushAsync();
        await aggregator.Started[0].Task.WaitAsync(TimeSpan.FromSeconds(10));
        var second = aggregator.FlushAsync();
        await Task.Delay(100);

        Assert.False(aggregator.Started[1].Task.IsCompleted, "the second flush started while the first was running");
        Assert.False(second.IsCompleted);

        aggregator.Release[0].SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        await aggregator.Started[1].Task.WaitAsync(TimeSpan.FromSeconds(10));
        aggregator.Release[1].SetResult();
        await second.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, aggregator.MostAtOnce);
    }

    [Fact]
    public async Task A_failed_flush_lets_the_next_one_run()
    {
        using var aggregator = new GatedAggregator();
        aggregator.Release[0].SetException(new InvalidOperationException("partition unavailable"));
        aggregator.Release[1].SetResult();

        await Assert.ThrowsAsync<InvalidOperationException>(() => aggregator.FlushAsync());
        await aggregator.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(aggregator.Started[1].Task.IsCompleted);
    }

    /// <summary>Flush n waits for <see cref="Release"/>[n] and counts how many flushes ran at once.</summary>
    private sealed class GatedAggregator() : SiloAggregator(TimeProvider.System, NullLogger.Instance)
    {
        private int _calls;
        private int _running;

        public TaskCompletionSource[] Started { get; } = [new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)];

        public TaskCompletionSource[] Release { get; } = [new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)];

        public int MostAtOnce { get; private set; }

        protected override TimeSpan Interval => TimeSpan.FromHours(1);

        protected override async Task FlushCoreAsync(CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls) - 1;
            MostAtOnce = Math.Max(MostAtOnce, Interlocked.Increment(ref _running));
            Started[call].SetResult();
            try
            {
                await Release[call].Task;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }
}
