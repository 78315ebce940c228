using Actors.Grains.Diagnostics;
using Actors.Grains.Hosting;
using Actors.Grains.Items;
using Actors.Grains.Model;
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
/// or a producer's batch) at a time; an event id is applied once. Every applied event also counts one item → next-item
/// transition (the previous last item → its item) and one interaction in this silo's aggregates
/// (<see cref="SiloTransitions"/>, <see cref="SiloPopularity"/>: no grain call), whether or not the served model fuses them.
/// <para>
/// An event batch costs the tower steps and one state write: the items' content embeddings come from the silo's cache
/// (<see cref="ItemContentCache"/>; the missing ones asked of their items in parallel), and each step runs batched with
/// the other users' steps on the silo (<see cref="IUserEmbedding.AppendAsync"/>). Profile and history reads interleave
/// with an event batch in progress: they see the history and embedding from before the batch until the whole batch is
/// written (the published embedding and the visible history are replaced in the same turn, after the write), so a read
/// never shows an event that a failed write then takes back.
/// </para>
/// </summary>
[ImplicitStreamSubscription(StreamNames.Interactions)]
internal sealed partial class UserGrain(
    [PersistentState("user", StorageNames.Actors)] IPersistentState<UserState> state,
    IOptions<UserOptions> options,
    ServingModel model,
    ItemContentCache contents,
    SiloPopularity popularity,
    SiloTransitions transitions,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IUserMaintenance, IStreamSubscriptionObserver, IAsyncBatchObserver<InteractionEvent>
{
    private readonly HashSet<string> _appliedEventIds = new(StringComparer.Ordinal);
    private readonly IUserEmbedding _embedding = model.CreateUserEmbedding(options.Value.HistoryLength);
    private float[]? _published;
    private UserState _visible = new();
    private int _applying;

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
        if (state.State.History.Count > 0)
        {
            _embedding.Rebuild(await HistoryContentsAsync());
        }
        _published = _embedding.Current();
        _visible = state.State;
    }

    public Task<HistoryEntry[]> GetHistoryAsync()
    {
        var history = _visible.History.ToArray();
        LeaveIfUnknown();
        return Task.FromResult(history);
    }

    public Task<UserProfile> GetProfileAsync()
    {
        var profile = new UserProfile(
            UserId,
            _published,
            _visible.History.Select(e => e.ItemId).Distinct(StringComparer.Ordinal).ToArray(),
            model.Version,
            RecentItems());
        LeaveIfUnknown();
        return Task.FromResult(profile);
    }

    public async Task<float[]?> RecomputeEmbeddingAsync()
    {
        var fresh = model.CreateUserEmbedding(options.Value.HistoryLength);
        fresh.Rebuild(await HistoryContentsAsync());
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
        var previous = stored.History.Count > 0 ? stored.History[^1].ItemId : null;
        var candidates = Candidates(events);
        if (candidates.Count == 0)
        {
            return 0;
        }
        var applied = new List<InteractionEvent>(candidates.Count);
        _applying++;
        try
        {
            var contentOf = await contents.GetAsync(GrainFactory, candidates.Select(e => e.ItemId).ToHashSet(StringComparer.Ordinal));
            var steps = new List<(string ItemId, float[] Content)>(candidates.Count);
            foreach (var evt in candidates)
            {
                if (contentOf[evt.ItemId] is not { } content)
                {
                    LogUnknownItem(UserId, evt.EventId, evt.ItemId);
                    ActorsInstruments.RejectedEvents.Add(1);
                    continue;
                }
                applied.Add(evt);
                steps.Add((evt.ItemId, content));
            }
            if (applied.Count == 0)
            {
                return 0;
            }

            var next = Appended(stored, applied);
            try
            {
                await _embedding.AppendAsync(steps);
                // Written before this returns, so before the stream acknowledges the event: a silo that dies before the
                // write completes leaves the event to be redelivered, one that dies after it leaves a dedup entry behind.
                state.State = next;
                await state.WriteStateAsync();
            }
            catch (Exception ex)
            {
                LogWriteFailed(ex, UserId, applied.Count);
                state.State = stored;
                await RollBackEmbeddingAsync();
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
            _appliedEventIds.ExceptWith(Forgotten(stored, applied, next));
            _published = _embedding.Current();
            _visible = next;
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

        // After the state write, so only events that are in the history count; best effort, never an event lost.
        transitions.Record(previous, applied.ConvertAll(e => e.ItemId));
        popularity.Record(applied.ConvertAll(e => e.ItemId), applied.ConvertAll(e => e.Timestamp));
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
    /// The events of a batch that may be applied: well formed, this user's, and neither applied before nor repeated
    /// within the batch. The others are dropped here, each logged and counted.
    /// </summary>
    private List<InteractionEvent> Candidates(InteractionEvent[] events)
    {
        var candidates = new List<InteractionEvent>(events.Length);
        HashSet<string>? inBatch = null;
        foreach (var evt in events)
        {
            // Stream payloads are not checked by the HTTP API when they come from elsewhere: drop what no client could have sent.
            if (evt is null || ItemValidation.CheckId(evt.EventId, "eventId") is not null || ItemValidation.CheckId(evt.ItemId, "itemId") is not null)
            {
                LogMalformed(UserId, evt?.EventId);
                continue;
            }
            if (evt.UserId != UserId)
            {
                LogWrongUser(UserId, evt.EventId, evt.UserId);
                ActorsInstruments.RejectedEvents.Add(1);
                continue;
            }
            if (_appliedEventIds.Contains(evt.EventId) || !(inBatch ??= new(StringComparer.Ordinal)).Add(evt.EventId))
            {
                CountDuplicate(evt, candidates);
                continue;
            }
            candidates.Add(evt);
        }
        return candidates;
    }

    /// <summary>
    /// A known event id again: a redelivery or a client's retry (dropped quietly), or the same id with another item, a
    /// client error whose second payload is dropped too, but counted (<c>actors.events.conflicts</c>) and logged. The
    /// event path is asynchronous (the 202 comes before this grain sees the event), so no client can be told. Timestamps
    /// are not compared: an event sent without one is stamped on arrival, so each retry of it carries another. An id
    /// that has slid out of the window is remembered without its payload: a conflict with it counts as a duplicate.
    /// </summary>
    private void CountDuplicate(InteractionEvent evt, List<InteractionEvent> batch)
    {
        string? first = null;
        foreach (var entry in state.State.History)
        {
            if (entry.EventId == evt.EventId)
            {
                first = entry.ItemId;
                break;
            }
        }
        first ??= batch.Find(e => e.EventId == evt.EventId)?.ItemId;
        if (first is not null && first != evt.ItemId)
        {
            LogConflict(UserId, evt.EventId, first, evt.ItemId);
            ActorsInstruments.ConflictingEvents.Add(1);
            return;
        }
        LogDuplicate(UserId, evt.EventId);
        ActorsInstruments.DuplicateEvents.Add(1);
    }

    /// <summary>A copy of <paramref name="stored"/> with <paramref name="applied"/> appended and the window slid; <paramref name="stored"/> is left as it is.</summary>
    private UserState Appended(UserState stored, List<InteractionEvent> applied)
    {
        var next = new UserState
        {
            History = new List<HistoryEntry>(stored.History.Count + applied.Count),
            EvictedEventIds = [.. stored.EvictedEventIds],
        };
        next.History.AddRange(stored.History);
        foreach (var evt in applied)
        {
            next.History.Add(new HistoryEntry(evt.EventId, evt.ItemId, evt.Timestamp));
        }
        Trim(next);
        return next;
    }

    /// <summary>
    /// Slides <paramref name="user"/>'s window to <c>Users:HistoryLength</c> (the oldest entries out, their ids remembered
    /// as evicted) and bounds the evicted ids to <c>Users:RememberedEventIds</c>; returns how many entries left the window.
    /// </summary>
    private int Trim(UserState user)
    {
        var excess = user.History.Count - options.Value.HistoryLength;
        if (excess > 0)
        {
            for (var i = 0; i < excess; i++)
            {
                user.EvictedEventIds.Add(user.History[i].EventId);
            }
            user.History.RemoveRange(0, excess);
        }
        var forget = user.EvictedEventIds.Count - options.Value.RememberedEventIds;
        if (forget > 0)
        {
            user.EvictedEventIds.RemoveRange(0, forget);
        }
        return Math.Max(excess, 0);
    }

    /// <summary>
    /// The ids the batch made this grain forget: the window slides first in, first out, so the remembered ids, the
    /// history and the batch, in that order, are the forgotten ones followed by what <paramref name="next"/> keeps. Costs
    /// the number forgotten, not the number remembered (this runs on every batch).
    /// </summary>
    private static IEnumerable<string> Forgotten(UserState stored, List<InteractionEvent> applied, UserState next)
    {
        var count = stored.EvictedEventIds.Count + stored.History.Count + applied.Count - next.EvictedEventIds.Count - next.History.Count;
        return stored.EvictedEventIds
            .Concat(stored.History.Select(static e => e.EventId))
            .Concat(applied.Select(static e => e.EventId))
            .Take(count);
    }

    /// <summary>The tower back to the stored history after a failed batch (it may have taken some of the batch's steps).</summary>
    private async Task RollBackEmbeddingAsync()
    {
        try
        {
            _embedding.Rebuild(await HistoryContentsAsync());
        }
        catch (Exception ex)
        {
            // The published embedding is still the stored history's; the deactivation that follows starts the tower over.
            LogRollbackFailed(ex, UserId);
        }
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

    /// <summary>The newest items of the history, newest first, as many as the served fusion window reads; empty when it reads none.</summary>
    private string[] RecentItems()
    {
        var fusion = model.Fusion;
        if (!fusion.UsesCounts)
        {
            return [];
        }
        var history = _visible.History;
        var recent = new string[Math.Min(fusion.Window, history.Count)];
        for (var j = 0; j < recent.Length; j++)
        {
            recent[j] = history[history.Count - 1 - j].ItemId;
        }
        return recent;
    }

    /// <summary>The history's items with their content embeddings, oldest first; items that no longer exist are left out.</summary>
    private async Task<List<(string ItemId, float[] Content)>> HistoryContentsAsync()
    {
        var history = state.State.History;
        var contentOf = await contents.GetAsync(GrainFactory, history.Select(e => e.ItemId).ToHashSet(StringComparer.Ordinal));
        var result = new List<(string ItemId, float[] Content)>(history.Count);
        foreach (var entry in history)
        {
            if (contentOf[entry.ItemId] is { } content)
            {
                result.Add((entry.ItemId, content));
            }
        }
        return result;
    }
}
