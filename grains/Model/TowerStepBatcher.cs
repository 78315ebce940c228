using System.Threading.Channels;
using Actors.Grains.Diagnostics;
using Actors.Model;

namespace Actors.Grains.Model;

/// <summary>
/// Runs the user-tower steps of every user grain on a silo that asks at about the same time as batched passes
/// (<see cref="UserTowerBatch"/>: one matrix-matrix product per layer instead of one matrix-vector product per user).
/// A grain hands over all the items of its event batch at once; a user's items are steps of consecutive passes (each
/// depends on the one before), different users' steps share passes. Batches form by themselves: one worker runs a
/// pass over every user with a step due (at most <see cref="MaxBatch"/>, longest waiting first) and takes in what
/// queued meanwhile, so a lone event waits for nothing and a burst shares the weights' passes. The results are those
/// of <see cref="UserTowerState.Append(ReadOnlySpan{float}, string?)"/> one by one, to the bit.
/// </summary>
internal sealed class TowerStepBatcher : IDisposable
{
    /// <summary>The most steps in one batched pass.</summary>
    public const int MaxBatch = UserTowerBatch.MaxRowsPerPass;

    private readonly Channel<Chain> _queue = Channel.CreateUnbounded<Chain>(new UnboundedChannelOptions { SingleReader = true });
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

    /// <summary>
    /// Appends <paramref name="items"/> (item id and content embedding each, oldest first) to <paramref name="state"/>,
    /// batched with other users' steps. Items are checked before any is appended; on an error none is.
    /// </summary>
    /// <remarks>The caller must not touch <paramref name="state"/> until the task completes.</remarks>
    /// <exception cref="ArgumentException">An item's content is null or has the wrong length.</exception>
    public Task AppendAsync(UserTowerState state, IReadOnlyList<(string ItemId, float[] Content)> items)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(items);
        foreach (var (_, content) in items)
        {
            ArgumentNullException.ThrowIfNull(content, nameof(items));
            if (content.Length != state.Model.ContentDimension)
            {
                throw new ArgumentException($"Expected content embeddings of length {state.Model.ContentDimension}, got {content.Length}.", nameof(items));
            }
        }
        if (items.Count == 0)
        {
            return Task.CompletedTask;
        }
        var chain = new Chain(state, items);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(chain), this);
        return chain.Done.Task;
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _worker.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task RunAsync()
    {
        var active = new List<Chain>();
        var pass = new List<Chain>(MaxBatch);
        var states = new List<UserTowerState>(MaxBatch);
        var contents = new List<float[]>(MaxBatch);
        var itemIds = new List<string?>(MaxBatch);
        var reader = _queue.Reader;
        while (active.Count > 0 || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var chain))
            {
                active.Add(chain);
            }
            if (active.Count == 0)
            {
                continue;
            }

            // One step of each of the longest-waiting users (a user is in the list once: its steps are sequential).
            pass.Clear();
            states.Clear();
            contents.Clear();
            itemIds.Clear();
            for (var i = 0; i < active.Count && pass.Count < MaxBatch; i++)
            {
                var chain = active[i];
                pass.Add(chain);
                states.Add(chain.State);
                contents.Add(chain.Items[chain.Next].Content);
                itemIds.Add(chain.Items[chain.Next].ItemId);
            }
            ActorsInstruments.TowerBatch.Record(pass.Count);
            Interlocked.Add(ref _steps, pass.Count);
            Interlocked.Increment(ref _passes);
            try
            {
                _batch.Append(states, contents, itemIds);
            }
            catch (Exception ex)
            {
                // Inputs were checked on the way in, so this is a bug or a foreign state: fail those users, keep serving.
                foreach (var chain in pass)
                {
                    chain.Done.TrySetException(ex);
                    active.Remove(chain);
                }
                continue;
            }
            foreach (var chain in pass)
            {
                if (++chain.Next == chain.Items.Count)
                {
                    chain.Done.TrySetResult();
                    active.Remove(chain);
                }
            }
        }
    }

    private sealed class Chain(UserTowerState state, IReadOnlyList<(string ItemId, float[] Content)> items)
    {
        public UserTowerState State { get; } = state;

        public IReadOnlyList<(string ItemId, float[] Content)> Items { get; } = items;

        public int Next { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
