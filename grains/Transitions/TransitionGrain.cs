using Actors.Grains.Hosting;
using Actors.Grains.Partitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;

namespace Actors.Grains.Transitions;

/// <summary>
/// One partition of the item → next-item counts: the successors of the source items that hash to this shard, at most
/// <see cref="TransitionOptions.MaxSuccessorsPerItem"/> per source (a newcomer to a full row evicts the lowest count).
/// Counts live in memory and are written to grain storage when changed, at most every
/// <see cref="TransitionOptions.FlushInterval"/> and on deactivation, so a burst of events costs no write per event.
/// Best effort: the counts recorded since the last write are lost when the silo dies, the events are not.
/// Hash-based placement spreads the shards over the silos.
/// </summary>
[HashBasedPlacement]
internal sealed partial class TransitionGrain(
    [PersistentState("transitions", StorageNames.Actors)] IPersistentState<TransitionState> state,
    IOptions<TransitionOptions> options,
    ILogger<TransitionGrain> logger) : Grain, ITransitionGrain, ITransitionMaintenance
{
    private bool _dirty;

    private long Shard => this.GetPrimaryKeyLong();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        LogActivated(Shard, state.State.Successors.Count);
        this.RegisterGrainTimer(FlushIfDirtyAsync, options.Value.FlushInterval, options.Value.FlushInterval);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await FlushIfDirtyAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Typically storage already gone while the silo shuts down; the counts are best effort.
            LogFlushOnDeactivationFailed(Shard, reason.ReasonCode.ToString(), ex.GetBaseException().Message);
        }
    }

    public Task RecordAsync(ItemTransition[] transitions)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        var limit = options.Value.MaxSuccessorsPerItem;
        var malformed = 0;
        foreach (var (from, to) in transitions)
        {
            if (string.IsNullOrEmpty(from) || string.IsNullOrEmpty(to))
            {
                malformed++;
                continue;
            }
            Count(from, to, limit);
        }
        if (malformed > 0)
        {
            LogMalformed(Shard, malformed);
        }
        _dirty |= malformed < transitions.Length;
        return Task.CompletedTask;
    }

    public async Task AdoptAsync(Successors[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var limit = options.Value.MaxSuccessorsPerItem;
        var successors = state.State.Successors;
        foreach (var row in rows)
        {
            if (!successors.TryGetValue(row.Source, out var counts))
            {
                successors[row.Source] = counts = new Dictionary<string, int>(StringComparer.Ordinal);
            }
            for (var i = 0; i < row.Items.Length; i++)
            {
                counts[row.Items[i]] = counts.TryGetValue(row.Items[i], out var count)
                    ? (int)Math.Min(int.MaxValue, (long)count + row.Counts[i])
                    : row.Counts[i];
            }
            while (counts.Count > limit)
            {
                counts.Remove(Weakest(counts));
            }
        }
        // Stored before answering: the shard that moved them forgets them as soon as this returns.
        _dirty = false;
        await state.WriteStateAsync();
    }

    public async Task<int> RepartitionAsync(int shards)
    {
        var moved = await Repartition.MoveMisplacedAsync(state.State.Successors, Shard, shards, (owner, rows) =>
            GrainFactory.GetGrain<ITransitionMaintenance>(owner).AdoptAsync(
                Array.ConvertAll(rows, static pair => new Successors(pair.Key, [.. pair.Value.Keys], [.. pair.Value.Values]))));
        if (moved > 0)
        {
            _dirty = false;
            await state.WriteStateAsync();
        }
        return moved;
    }

    public Task<Successors[]> GetSuccessorsAsync(string[] sources, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var result = new Successors[sources.Length];
        for (var s = 0; s < sources.Length; s++)
        {
            var source = sources[s];
            if (source is null || !state.State.Successors.TryGetValue(source, out var row))
            {
                result[s] = new Successors(source!, [], []);
                continue;
            }
            var items = new string[row.Count];
            var counts = new int[row.Count];
            var i = 0;
            foreach (var (item, count) in row)
            {
                items[i] = item;
                counts[i++] = count;
            }
            result[s] = new Successors(source, items, counts);
        }
        return Task.FromResult(result);
    }

    private void Count(string from, string to, int limit)
    {
        var successors = state.State.Successors;
        if (!successors.TryGetValue(from, out var row))
        {
            row = new Dictionary<string, int>(StringComparer.Ordinal);
            successors[from] = row;
        }
        if (row.TryGetValue(to, out var count))
        {
            row[to] = count == int.MaxValue ? count : count + 1;
            return;
        }
        // A loop, not one eviction: rows saved under a larger limit shrink to the configured one.
        while (row.Count >= limit)
        {
            row.Remove(Weakest(row));
        }
        row[to] = 1;
    }

    /// <summary>The successor with the lowest count; ties go to the ordinally smallest id, so eviction does not depend on dictionary order.</summary>
    private static string Weakest(Dictionary<string, int> row)
    {
        string? weakest = null;
        var lowest = int.MaxValue;
        foreach (var (item, count) in row)
        {
            if (count < lowest || (count == lowest && string.CompareOrdinal(item, weakest) < 0))
            {
                weakest = item;
                lowest = count;
            }
        }
        return weakest!;
    }

    private async Task FlushIfDirtyAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            return;
        }
        // Timer ticks do not interleave with RecordAsync, so the counts do not change while they are written.
        _dirty = false;
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            _dirty = true;
            throw;
        }
    }
}
