using Actors.Grains.Hosting;
using Actors.Grains.Partitions;
using Actors.VectorIndex;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Transitions;

/// <summary>
/// This silo's side of the item → next-item counts: the user grains on the silo add the transitions of their applied
/// events here (no grain call on the event path), and every <see cref="TransitionOptions.SiloFlushInterval"/> they go
/// to the transition shards that own their source items, one one-way call per shard. Best effort, as the shards are:
/// the transitions of the last interval are lost if the silo dies; events never are.
/// </summary>
internal sealed class SiloTransitions(
    IGrainFactory grains,
    IOptions<TransitionOptions> options,
    TimeProvider time,
    ILogger<SiloTransitions> logger) : SiloAggregator(time, logger)
{
    private readonly Lock _gate = new();
    private List<ItemTransition> _pending = [];

    protected override TimeSpan Interval => options.Value.SiloFlushInterval;

    /// <summary>Counts kept under another <c>Transitions:Shards</c> move to their shards now.</summary>
    protected override Task OnActiveAsync(CancellationToken cancellationToken) =>
        grains.GetGrain<IPartitionLayoutGrain>(PartitionLayoutGrain.Transitions).EnsureAsync(options.Value.Shards);

    /// <summary>Counts the transitions of <paramref name="items"/>, applied in that order after <paramref name="previous"/> (null: none before).</summary>
    public void Record(string? previous, IReadOnlyList<string> items)
    {
        lock (_gate)
        {
            foreach (var item in items)
            {
                if (previous is not null)
                {
                    _pending.Add(new ItemTransition(previous, item));
                }
                previous = item;
            }
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken = default)
    {
        List<ItemTransition> pending;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return Task.CompletedTask;
            }
            pending = _pending;
            _pending = new List<ItemTransition>(pending.Count);
        }
        var shards = options.Value.Shards;
        var byShard = new Dictionary<int, List<ItemTransition>>();
        foreach (var transition in pending)
        {
            var shard = Partitioner.ShardOf(transition.From, shards);
            if (!byShard.TryGetValue(shard, out var transitions))
            {
                byShard[shard] = transitions = [];
            }
            transitions.Add(transition);
        }
        return Task.WhenAll(byShard.Select(pair => grains.GetGrain<ITransitionMaintenance>(pair.Key).RecordAsync([.. pair.Value])));
    }
}
