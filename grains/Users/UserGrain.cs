using Actors.Grains.Diagnostics;
using Actors.Grains.Events;
using Actors.Grains.Experiments;
using Actors.Grains.Hosting;
using Actors.Grains.Items;
using Actors.Grains.Model;
using Actors.Grains.Models;
using Actors.Grains.Popularity;
using Actors.Grains.Transitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Actors.Grains.Users;

/// <summary>
/// Owns a user's rolling history and keeps the user embedding current on every event, incrementally: the
/// serving model's user tower appends one position per event (the LEARN towers reuse the cached keys and values of
/// earlier positions; the content baseline keeps a running sum). The tower lives in memory and is rebuilt on
/// activation from the history. Consumes the user's event stream by implicit subscription, a stream message (one event
/// or a producer's batch) at a time; an event id is applied once. Every applied event also counts, as much as its type's
/// weight, one item → next-item transition (the last item of the history before it → its item) and one interaction in
/// this silo's aggregates (<see cref="SiloTransitions"/>, <see cref="SiloPopularity"/>: no grain call), whether or not
/// the served model fuses them.
/// <para>
/// Event types (<see cref="EventTypes"/>): an event of a type that is not in the history is applied (its id remembered,
/// its weight counted) but leaves the history as it was; an entry of a type that does not embed is in the history and
/// the seen items but not in the embedding, which is the tower over the history's embedding entries only, oldest first.
/// When the window slides an embedded entry out that the tower would keep (a non-embedding entry took its place), the
/// tower is rebuilt from the window rather than stepped, so the incremental embedding stays the full computation's.
/// </para>
/// <para>
/// An event batch costs the tower steps and one state write: the items' content embeddings come from the silo's cache
/// (<see cref="ItemContentCache"/>; the missing ones asked of their items in parallel), and each step runs batched with
/// the other users' steps on the silo (<see cref="IUserEmbedding.AppendAsync"/>). Profile and history reads interleave
/// with an event batch in progress: they see the history and embedding from before the batch until the whole batch is
/// written (the published embedding and the visible history are replaced in the same turn, after the write), so a read
/// never shows an event that a failed write then takes back.
/// </para>
/// <para>
/// The embedding is kept per model version (<see cref="SlotEmbedding"/>): the one the user is routed to
/// (<see cref="ServedModels.Route"/>: the serving version, or the user's experiment arm), built from the stored history
/// the first time that version is asked for, then updated incrementally like any other. While a new version is switched
/// in, a user asked for in both keeps both; a version whose index is retired is let go at the next event.
/// </para>
/// </summary>
[ImplicitStreamSubscription(StreamNames.Interactions)]
internal sealed partial class UserGrain(
    [PersistentState("user", StorageNames.Actors)] IPersistentState<UserState> state,
    IOptions<UserOptions> options,
    EventTypes types,
    ServedModels models,
    ItemContentCache contents,
    SiloPopularity popularity,
    SiloTransitions transitions,
    SiloExperimentMetrics experimentMetrics,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IUserMaintenance, IStreamSubscriptionObserver, IAsyncBatchObserver<InteractionEvent>
{
    private readonly HashSet<string> _appliedEventIds = new(StringComparer.Ordinal);

    // The user's embedding in each model slot asked for; an entry is current when its basis is the visible state.
    private readonly Dictionary<int, SlotEmbedding> _embeddings = [];
    private UserState _visible = new();
    private int _applying;

    // The last answer served to this user in an experiment (its items, and when, in Environment.TickCount64 ms).
    private ServedAnswer? _served;

    private string UserId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Users:HistoryLength or Users:RememberedEventIds may have shrunk since the state was written: the oldest entries
        // leave the window as if evicted (their ids still deduplicated), and the next write stores the shorter state.
        var trimmed = Trim(state.State);
        if (trimmed > 0)
        {
            LogTrimmed(UserId, trimmed, options.Value.HistoryLength);
        }
        foreach (var entry in state.State.History)
        {
            _appliedEventIds.Add(entry.EventId);
        }
        _appliedEventIds.UnionWith(state.State.EvictedEventIds);

        // The embeddings are not persisted with the history: they are the items' to own, fetched once here. An empty
        // history (an unknown user) allocates no tower state.
        _visible = state.State;
        if (state.State.History.Count > 0)
        {
            await EmbeddingForAsync(models.Route(UserId).Slot);
        }
    }

    public Task<HistoryEntry[]> GetHistoryAsync()
    {
        var history = _visible.History.ToArray();
        LeaveIfUnknown();
        return Task.FromResult(history);
    }

    public async Task<UserProfile> GetProfileAsync()
    {
        var (slot, experiment) = models.Route(UserId);
        var held = _embeddings.TryGetValue(slot.Slot, out var known) && IsCurrent(known, slot) ? known : await EmbeddingForAsync(slot);
        var basis = held.Basis;
        var profile = new UserProfile(
            UserId,
            held.Published,
            basis.History.Select(e => e.ItemId).Distinct(StringComparer.Ordinal).ToArray(),
            slot.Version,
            RecentItems(basis, held.Model.Fusion),
            slot.Slot,
            experiment,
            SeenByType(basis));
        LeaveIfUnknown();
        return profile;
    }

    public async Task<float[]?> RecomputeEmbeddingAsync()
    {
        var fresh = (await models.GetAsync(models.Route(UserId).Slot)).CreateUserEmbedding(options.Value.HistoryLength);
        fresh.Rebuild((await TowerInputAsync(state.State.History)).Steps);
        return fresh.Current();
    }

    /// <summary>
    /// Applies a batch all or nothing: the new state is built beside the stored one and takes its place (history, seen
    /// ids, published embedding) only once it is written; reads that interleave see the stored state until then. After
    /// a failure nothing of the batch is in memory, so the redelivered events are applied, not skipped as duplicates.
    /// </summary>
    public async Task<int> ApplyAsync(InteractionEvent[] events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var stored = state.State;
        var candidates = Candidates(events);
        if (candidates.Count == 0)
        {
            return 0;
        }
        var applied = new List<InteractionEvent>(candidates.Count);
        _applying++;
        List<SlotEmbedding> targets = [];
        try
        {
            // The routed version's embedding is kept current on every event, whether or not it was asked for yet; other
            // versions held and still live follow along.
            await EmbeddingForAsync(models.Route(UserId).Slot);
            var live = models.Routing.Live;
            targets = [.. _embeddings.Values.Where(e => e.Basis == stored && (e.Slot.Slot == 0 || live.Any(l => l.Slot == e.Slot.Slot)))];
            var contentOf = await contents.GetAsync(GrainFactory, candidates.Select(e => e.ItemId).ToHashSet(StringComparer.Ordinal));
            var steps = new List<(string ItemId, float[] Content)>(candidates.Count);
            var stepIds = new List<string>(candidates.Count);
            foreach (var evt in candidates)
            {
                if (contentOf[evt.ItemId] is not { } content)
                {
                    LogUnknownItem(UserId, evt.EventId, evt.ItemId);
                    ActorsInstruments.RejectedEvents.Add(1);
                    continue;
                }
                applied.Add(evt);
                if (types.Of(evt.Type) is { InHistory: true, Embed: true })
                {
                    steps.Add((evt.ItemId, content));
                    stepIds.Add(evt.EventId);
                }
            }
            if (applied.Count == 0)
            {
                return 0;
            }

            var (next, forgotten) = Appended(stored, applied);
            var inputs = new List<string>[targets.Count];
            try
            {
                TowerInput? window = null;
                for (var t = 0; t < targets.Count; t++)
                {
                    var target = targets[t];
                    if (target.Follow(stepIds, next, options.Value.HistoryLength) is { } followed)
                    {
                        await target.Embedding.AppendAsync(steps);
                        inputs[t] = followed;
                    }
                    else
                    {
                        // An embedded entry left the window that the tower would keep: the tower over the new window instead.
                        window ??= await TowerInputAsync(next.History);
                        target.Embedding.Rebuild(window.Steps);
                        inputs[t] = window.EventIds;
                    }
                }
                // Written before this returns, so before the stream acknowledges the event: a silo that dies before the
                // write completes leaves the event to be redelivered, one that dies after it leaves a dedup entry behind.
                state.State = next;
                await state.WriteStateAsync();
            }
            catch (Exception ex)
            {
                LogWriteFailed(ex, UserId, applied.Count);
                state.State = stored;
                await RollBackEmbeddingAsync(targets, stored);
                // A failed write may still have reached storage (the ETag is then stale): the next activation reads what
                // is really there. Until then this one answers from the state it had.
                DeactivateOnIdle();
                throw;
            }

            // Written: the batch becomes visible, history and embedding in the same turn.
            foreach (var evt in applied)
            {
                _appliedEventIds.Add(evt.EventId);
            }
            _appliedEventIds.ExceptWith(forgotten);
            for (var t = 0; t < targets.Count; t++)
            {
                targets[t].Published = targets[t].Embedding.Current();
                targets[t].Basis = next;
                targets[t].Inputs = inputs[t];
            }
            _visible = next;
            // Entries not carried along (another version's, or built from an older state meanwhile) are rebuilt if asked for.
            foreach (var slot in _embeddings.Where(e => e.Value.Basis != next).Select(e => e.Key).ToArray())
            {
                _embeddings.Remove(slot);
            }
            CountExperimentEvents(applied);
            var now = DateTimeOffset.UtcNow;
            foreach (var evt in applied)
            {
                ActorsInstruments.EventDelay.Record((now - evt.Timestamp).TotalMilliseconds);
            }
            ActorsInstruments.EventsApplied.Add(applied.Count);
        }
        finally
        {
            _applying--;
        }

        // After the state write, so only applied events count; best effort, never an event lost.
        CountWeights(stored, applied);
        return applied.Count;
    }

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<InteractionEvent>().ResumeAsync((IAsyncBatchObserver<InteractionEvent>)this);

    /// <summary>A stream message's events, applied together: one state write and one popularity update per batch.</summary>
    public Task OnNextAsync(IList<SequentialItem<InteractionEvent>> items) =>
        ApplyAsync(items.Select(static i => i.Item).ToArray());

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(ex, UserId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A read of a user with nothing stored (an unknown id) leaves no activation behind: a loop over random ids costs
    /// a storage read per request, not memory that lingers until the collection age.
    /// </summary>
    private void LeaveIfUnknown()
    {
        if (_applying == 0 && _visible.History.Count == 0 && _visible.EvictedEventIds.Count == 0 && !state.RecordExists)
        {
            DeactivateOnIdle();
        }
    }

    /// <summary>The newest items of <paramref name="basis"/>, newest first, as many as the fusion window reads; empty when it reads none.</summary>
    private static string[] RecentItems(UserState basis, Actors.Model.FusionSettings fusion)
    {
        if (!fusion.UsesCounts)
        {
            return [];
        }
        var history = basis.History;
        var recent = new string[Math.Min(fusion.Window, history.Count)];
        for (var j = 0; j < recent.Length; j++)
        {
            recent[j] = history[history.Count - 1 - j].ItemId;
        }
        return recent;
    }

    /// <summary>The distinct items of <paramref name="basis"/>'s history per event type (entries from before types under the default type).</summary>
    private Dictionary<string, string[]> SeenByType(UserState basis) =>
        basis.History.GroupBy(e => types.NameOf(e.Type), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ItemId).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
}
