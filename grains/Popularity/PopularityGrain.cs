using Actors.Grains.Hosting;
using Actors.VectorIndex;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Actors.Grains.Popularity;

/// <summary>
/// Time-decayed item popularity over all users (singleton, key 0): every interaction adds one, and weights
/// halve every <see cref="PopularityOptions.HalfLife"/>. Written to storage at most every snapshot interval.
/// </summary>
internal sealed class PopularityGrain(
    [PersistentState("popularity", StorageNames.Actors)] IPersistentState<PopularityState> state,
    IOptions<PopularityOptions> options,
    TimeProvider time) : Grain, IPopularityGrain
{
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(SnapshotIfDirtyAsync, options.Value.SnapshotInterval, options.Value.SnapshotInterval);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        SnapshotIfDirtyAsync(cancellationToken);

    [OneWay]
    public Task RecordAsync(string[] itemIds, DateTimeOffset[] timestamps)
    {
        var halfLife = options.Value.HalfLife;
        var scores = state.State.Scores;
        for (var i = 0; i < itemIds.Length; i++)
        {
            var current = scores.GetValueOrDefault(itemIds[i], new DecayedScore(0, timestamps[i]));
            scores[itemIds[i]] = current.Add(timestamps[i], halfLife);
        }
        _dirty = true;
        return Task.CompletedTask;
    }

    public Task<ShardHit[]> TopAsync(int k, string[] exclude)
    {
        var now = time.GetUtcNow();
        var halfLife = options.Value.HalfLife;
        var excluded = new HashSet<string>(exclude, StringComparer.Ordinal);
        var top = new TopK(k);
        foreach (var (itemId, score) in state.State.Scores)
        {
            if (!excluded.Contains(itemId))
            {
                top.Add(itemId, (float)score.ValueAt(now, halfLife));
            }
        }
        return Task.FromResult(Array.ConvertAll(top.ToArray(), static s => new ShardHit(s.Key, s.Score)));
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
