using Actors.Grains.Hosting;
using Actors.Grains.Partitions;
using Actors.VectorIndex;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Transitions;

/// <summary>
/// This silo's side of the item → next-item counts: the user grains on the silo add the transitions of their applied
/// events here (no grain call on the event path), each as much as its event type's weight, and every <see cref="TransitionOptions.SiloFlushInterval"/> they go
/// to the transition shards that own their source items, one one-way call per shard. Best effort, as the shards are:
/// the transitions of the last interval are lost if the silo dies; events never are.
/// </summary>
internal sealed class SiloTransitions(
    IGrainFactory grains,
    IOptions<TransitionOptions> options,
    TimeProvider time,
    ILogger<SiloTransitions> logger) : SiloAggregator(time, logger)
{
    /// <summary>Most transitions whose fraction of a count waits for the next interval (beyond it, fractions are dropped).</summary>
    internal const int MaxCarried = 65_536;

    private readonly Lock _gate = new();

    // Transition → its weight so far: whole counts go at the next flush, a fraction stays for a later one.
    private Dictionary<ItemTransition, double> _pending = [];

    protected override TimeSpan Interval => options.Value.SiloFlushInterval;

    /// <summary>Counts kept under another <c>Transitions:Shards</c> move to their shards now.</summary>
    protected override Task OnActiveAsync(CancellationToken cancellationToken) =>
        grains.GetGrain<IPartitionLayoutGrain>(PartitionLayoutGrain.Transitions).EnsureAsync(options.Value.Shards);

    /// <summary>Counts the transitions of <paramref name="items"/>, applied in that order after <paramref name="previous"/> (null: none before), once each.</summary>
    public void Record(string? previous, IReadOnlyList<string> items)
    {
        lock (_gate)
        {
            foreach (var item in items)
            {
                if (previous is not null)
                {
                    Add(new ItemTransition(previous, item), 1);
                }
                previous = item;
            }
        }
    }

    /// <summary>
    /// Counts each of <paramref name="transitions"/> as much as its weight (<paramref name="weights"/>[i], its event
    /// type's). The shards count whole transitions: the weights of a transition add up on this silo, and each flush sends
    /// the whole part, the fraction staying for the next (so two events of weight 0.5 count once).
    /// </summary>
    public void Record(IReadOnlyList<ItemTransition> transitions, IReadOnlyList<double> weights)
    {
        lock (_gate)
        {
            for (var i = 0; i < transitions.Count; i++)
            {
                if (weights[i] > 0)
                {
                    Add(transitions[i], weights[i]);
                }
            }
        }
    }

    private void Add(ItemTransition transition, double weight) =>
        _pending[transition] = _pending.TryGetValue(transition, out var sum) ? sum + weight : weight;

    protected override Task FlushCoreAsync(CancellationToken cancellationToken)
    {
        var pending = new List<ItemTransition>();
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return Task.CompletedTask;
            }
            Dictionary<ItemTransition, double> carried = [];
            foreach (var (transition, weight) in _pending)
            {
                // The tolerance keeps 0.1 × 10 (0.9999…) one count, not a count short.
                var whole = Math.Floor(weight + 1e-9);
                for (var n = 0; n < whole; n++)
                {
                    pending.Add(transition);
                }
                var fraction = weight - whole;
                if (fraction > 1e-9 && carried.Count < MaxCarried)
                {
                    carried[transition] = fraction;
                }
            }
            _pending = carried;
        }
        if (pending.Count == 0)
        {
            return Task.CompletedTask;
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
