using Actors.Grains.Hosting;
using Actors.Grains.Partitions;
using Actors.VectorIndex;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Popularity;

/// <summary>
/// One partition of the time-decayed item popularity (key: partition number): weights halve every
/// <see cref="PopularityOptions.HalfLife"/>. Fed once a second by each silo's <see cref="SiloPopularity"/>, read by
/// their snapshots; written to storage at most every snapshot interval. Its top list is computed again only when a
/// merge changed it.
/// </summary>
internal sealed class PopularityGrain(
    [PersistentState("popularity", StorageNames.Actors)] IPersistentState<PopularityState> state,
    IOptions<PopularityOptions> options,
    TimeProvider time) : Grain, IPopularityGrain, IPopularityMaintenance
{
    private bool _dirty;
    private ShardHit[]? _top;
    private DateTimeOffset _topAt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        DropUnusableScores();
        this.RegisterGrainTimer(SnapshotIfDirtyAsync, options.Value.SnapshotInterval, options.Value.SnapshotInterval);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        SnapshotIfDirtyAsync(cancellationToken);

    public async Task AdoptAsync(string[] itemIds, double[] scores, DateTimeOffset at)
    {
        await MergeAsync(itemIds, scores, at);
        // Stored before answering: the partition that moved them forgets them as soon as this returns.
        _dirty = false;
        await state.WriteStateAsync();
    }

    public async Task<int> RepartitionAsync(int partitions)
    {
        var now = time.GetUtcNow();
        var halfLife = options.Value.HalfLife;
        var moved = await Repartition.MoveMisplacedAsync(state.State.Scores, this.GetPrimaryKeyLong(), partitions, (owner, scores) =>
            GrainFactory.GetGrain<IPopularityMaintenance>(owner).AdoptAsync(
                Array.ConvertAll(scores, static p => p.Key), Array.ConvertAll(scores, p => p.Value.ValueAt(now, halfLife)), now));
        if (moved > 0)
        {
            _top = null;
            _dirty = false;
            await state.WriteStateAsync();
        }
        return moved;
    }

    public Task MergeAsync(string[] itemIds, double[] scores, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(scores);
        if (itemIds.Length != scores.Length)
        {
            throw new ArgumentException($"{scores.Length} scores for {itemIds.Length} items; expected one each.", nameof(scores));
        }
        var halfLife = options.Value.HalfLife;
        // A silo whose clock runs ahead of this one's is counted as of now here: no score is ever dated in the future.
        var now = time.GetUtcNow();
        if (at > now)
        {
            at = now;
        }
        var all = state.State.Scores;
        for (var i = 0; i < itemIds.Length; i++)
        {
            if (itemIds[i] is null || !(scores[i] > 0) || !double.IsFinite(scores[i]))
            {
                continue;
            }
            var merged = all.TryGetValue(itemIds[i], out var current)
                ? current.ClampTo(now).Add(scores[i], at, halfLife)
                : new DecayedScore(scores[i], at);
            if (merged.IsUsable)
            {
                all[itemIds[i]] = merged;
            }
            else
            {
                all.Remove(itemIds[i]);
            }
        }
        _dirty = true;
        _top = null;
        return Task.CompletedTask;
    }

    public Task<ShardHit[]> TopAsync(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var now = time.GetUtcNow();
        var halfLife = options.Value.HalfLife;
        if (_top is null || _top.Length < Math.Min(k, state.State.Scores.Count))
        {
            var top = new TopK(Math.Max(k, options.Value.SnapshotSize));
            foreach (var (itemId, score) in state.State.Scores)
            {
                var value = (float)score.ValueAt(now, halfLife);
                if (value > 0 && float.IsFinite(value))
                {
                    top.Add(itemId, value);
                }
            }
            _top = Array.ConvertAll(top.ToArray(), static s => new ShardHit(s.Key, s.Score));
            _topAt = now;
        }
        // Every score decays by the same factor, so the order holds; the scores are brought to now.
        var decay = now <= _topAt ? 1f : (float)Math.Pow(0.5, (now - _topAt).TotalSeconds / halfLife.TotalSeconds);
        var result = new ShardHit[Math.Min(k, _top.Length)];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new ShardHit(_top[i].ItemId, _top[i].Score * decay);
        }
        return Task.FromResult(result);
    }

    /// <summary>
    /// Drops restored scores that cannot be counted (infinity or NaN, as earlier versions could persist from an event
    /// dated far ahead) and brings those dated in the future to now, so that every later reading is finite.
    /// </summary>
    private void DropUnusableScores()
    {
        var now = time.GetUtcNow();
        var all = state.State.Scores;
        foreach (var (itemId, score) in all.ToArray())
        {
            if (!score.IsUsable)
            {
                all.Remove(itemId);
                _dirty = true;
            }
            else if (score.At > now)
            {
                all[itemId] = score.ClampTo(now);
                _dirty = true;
            }
        }
    }

    private async Task SnapshotIfDirtyAsync(CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            _dirty = false;
            await state.WriteStateAsync(cancellationToken);
        }
    }
}
