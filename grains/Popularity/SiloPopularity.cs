using Actors.Grains.Hosting;
using Actors.Grains.Partitions;
using Actors.VectorIndex;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Popularity;

/// <summary>
/// This silo's side of popularity: the user grains on the silo count their applied events here (no grain call on the
/// event path); every <see cref="PopularityOptions.FlushInterval"/> the counts go to the popularity partitions that own
/// the items, one call per partition, and the snapshot of the most popular items over all partitions is read back.
/// The fallback list is answered from that snapshot, in memory. Counts are best effort: those of the last interval
/// are lost if the silo dies (as are the one-way calls they replace); events never are.
/// </summary>
internal sealed class SiloPopularity(
    IGrainFactory grains,
    IOptions<PopularityOptions> options,
    TimeProvider time,
    ILogger<SiloPopularity> logger) : SiloAggregator(time, logger)
{
    private readonly Lock _gate = new();
    private Dictionary<string, DecayedScore> _pending = new(StringComparer.Ordinal);
    private Snapshot _snapshot = new([], DateTimeOffset.MinValue);

    protected override TimeSpan Interval => options.Value.FlushInterval;

    /// <summary>Counts kept under another <c>Popularity:Partitions</c> move to their partitions now.</summary>
    protected override Task OnActiveAsync(CancellationToken cancellationToken) =>
        grains.GetGrain<IPartitionLayoutGrain>(PartitionLayoutGrain.Popularity).EnsureAsync(options.Value.Partitions);

    /// <summary>Counts one interaction with each of <paramref name="itemIds"/> at its timestamp (each of weight 1).</summary>
    public void Record(IReadOnlyList<string> itemIds, IReadOnlyList<DateTimeOffset> timestamps) => Record(itemIds, timestamps, null);

    /// <summary>
    /// Counts an interaction with each of <paramref name="itemIds"/> at its timestamp, as much as its weight
    /// (<paramref name="weights"/>[i], its event type's; null: 1 each; 0 counts nothing). A timestamp ahead of this
    /// silo's clock counts as now. The HTTP API refuses such events, but other producers publish on the stream
    /// directly, and one event dated far ahead would otherwise outweigh every other (or, far enough ahead, overflow to
    /// infinity).
    /// </summary>
    public void Record(IReadOnlyList<string> itemIds, IReadOnlyList<DateTimeOffset> timestamps, IReadOnlyList<double>? weights)
    {
        var halfLife = options.Value.HalfLife;
        var now = Time.GetUtcNow();
        lock (_gate)
        {
            for (var i = 0; i < itemIds.Count; i++)
            {
                var weight = weights is null ? 1 : weights[i];
                if (!(weight > 0))
                {
                    continue;
                }
                var at = timestamps[i] > now ? now : timestamps[i];
                _pending[itemIds[i]] = _pending.TryGetValue(itemIds[i], out var current)
                    ? current.Add(weight, at, halfLife)
                    : new DecayedScore(weight, at);
            }
        }
    }

    /// <summary>
    /// The <paramref name="k"/> most popular items of the last snapshot, best first, none of <paramref name="exclude"/>,
    /// scored as of now; fewer when the snapshot holds fewer (it holds <see cref="PopularityOptions.SnapshotSize"/>).
    /// </summary>
    public ShardHit[] Top(int k, IReadOnlyCollection<string> exclude)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        var excluded = exclude.Count == 0 ? null : new HashSet<string>(exclude, StringComparer.Ordinal);
        var elapsed = Time.GetUtcNow() - snapshot.At;
        var decay = elapsed <= TimeSpan.Zero ? 1f : (float)Math.Pow(0.5, elapsed.TotalSeconds / options.Value.HalfLife.TotalSeconds);
        var result = new List<ShardHit>(k);
        // While counts move between partitions (Popularity:Partitions changed) an item can be in two partitions' tops:
        // its first, higher, entry stands.
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var hit in snapshot.Items)
        {
            if (result.Count == k)
            {
                break;
            }
            if (!taken.Add(hit.ItemId))
            {
                continue;
            }
            // The partitions return finite scores; checked again because an answer that holds one non-finite score cannot be written as JSON at all.
            if ((excluded is null || !excluded.Contains(hit.ItemId)) && float.IsFinite(hit.Score * decay))
            {
                result.Add(new ShardHit(hit.ItemId, hit.Score * decay));
            }
        }
        return [.. result];
    }

    /// <summary>Sends the pending counts, then reads the snapshot back.</summary>
    protected override async Task FlushCoreAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, DecayedScore> pending;
        lock (_gate)
        {
            pending = _pending;
            _pending = new Dictionary<string, DecayedScore>(StringComparer.Ordinal);
        }
        var partitions = options.Value.Partitions;
        if (pending.Count > 0)
        {
            var at = Time.GetUtcNow();
            var halfLife = options.Value.HalfLife;
            var byPartition = new Dictionary<int, (List<string> Items, List<double> Scores)>();
            foreach (var (itemId, score) in pending)
            {
                var partition = Partitioner.ShardOf(itemId, partitions);
                if (!byPartition.TryGetValue(partition, out var batch))
                {
                    byPartition[partition] = batch = ([], []);
                }
                batch.Items.Add(itemId);
                batch.Scores.Add(score.ValueAt(at, halfLife));
            }
            await Task.WhenAll(byPartition.Select(pair =>
                grains.GetGrain<IPopularityMaintenance>(pair.Key).MergeAsync([.. pair.Value.Items], [.. pair.Value.Scores], at)));
        }

        var size = options.Value.SnapshotSize;
        var tops = await Task.WhenAll(Enumerable.Range(0, partitions).Select(p => grains.GetGrain<IPopularityGrain>(p).TopAsync(size)));
        var merged = TopK.Merge(tops.Select(t => (IReadOnlyList<ScoredKey>)Array.ConvertAll(t, h => new ScoredKey(h.ItemId, h.Score))), size);
        Volatile.Write(ref _snapshot, new Snapshot(Array.ConvertAll(merged, s => new ShardHit(s.Key, s.Score)), Time.GetUtcNow()));
    }

    private sealed record Snapshot(ShardHit[] Items, DateTimeOffset At);
}
