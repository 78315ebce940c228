using System.Threading.Channels;
using Actors.Grains.Diagnostics;
using Actors.Model;

namespace Actors.Grains.Model;

/// <summary>
/// Runs the user-tower steps of every user grain on a silo that asks at about the same time as one batched pass
/// (<see cref="UserTowerBatch"/>: one matrix-matrix product per layer instead of one matrix-vector product per user).
/// Batches form by themselves: one worker drains everything that queued while it ran the previous batch (at most
/// <see cref="MaxBatch"/>), so a lone event waits for nothing and a burst shares the weights' passes. The results are
/// those of <see cref="UserTowerState.Append(ReadOnlySpan{float}, string?)"/> one by one, within float rounding.
/// </summary>
internal sealed class TowerStepBatcher : IDisposable
{
    /// <summary>The most steps in one batched pass.</summary>
    public const int MaxBatch = UserTowerBatch.MaxRowsPerPass;

    private readonly Channel<Step> _queue = Channel.CreateUnbounded<Step>(new UnboundedChannelOptions { SingleReader = true });
    private readonly UserTowerBatch _batch;
    private readonly Task _worker;
    private long _steps;
    private long _passes;

    public TowerStepBatcher(PreferenceModel model)
    {
        _batch = new UserTowerBatch(model);
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Steps run so far.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Batched passes run so far (each of one or more steps).</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Appends <paramref name="content"/> (item <paramref name="itemId"/>) to <paramref name="state"/>, batched with others.</summary>
    /// <remarks>The caller must not touch <paramref name="state"/> until the task completes.</remarks>
    public Task AppendAsync(UserTowerState state, float[] content, string? itemId)
    {
        var step = new Step(state, content, itemId);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(step), this);
        return step.Done.Task;
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _worker.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task RunAsync()
    {
        var steps = new List<Step>(MaxBatch);
        var states = new List<UserTowerState>(MaxBatch);
        var contents = new List<float[]>(MaxBatch);
        var itemIds = new List<string?>(MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            steps.Clear();
            while (steps.Count < MaxBatch && reader.TryRead(out var step))
            {
                steps.Add(step);
            }
            states.Clear();
            contents.Clear();
            itemIds.Clear();
            foreach (var step in steps)
            {
                states.Add(step.State);
                contents.Add(step.Content);
                itemIds.Add(step.ItemId);
            }
            ActorsInstruments.TowerBatch.Record(steps.Count);
            Interlocked.Add(ref _steps, steps.Count);
            Interlocked.Increment(ref _passes);
            try
            {
                _batch.Append(states, contents, itemIds);
                foreach (var step in steps)
                {
                    step.Done.TrySetResult();
                }
            }
            catch (Exception) when (steps.Count > 1)
            {
                // One bad step (checked before anything is written) must not fail the others: each alone, so the
                // error goes to its own caller.
                foreach (var step in steps)
                {
                    RunAlone(step);
                }
            }
            catch (Exception ex)
            {
                steps[0].Done.TrySetException(ex);
            }
        }
    }

    private static void RunAlone(Step step)
    {
        try
        {
            step.State.Append(step.Content, step.ItemId);
            step.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            step.Done.TrySetException(ex);
        }
    }

    private sealed record Step(UserTowerState State, float[] Content, string? ItemId)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
