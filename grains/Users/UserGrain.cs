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
/// in both (the published embedding is replaced in the same turn the history grows).
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
    ILogger<UserGrain> logger) : Grain, IUserGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<InteractionEvent>
{
    private readonly HashSet<string> _appliedEventIds = new(StringComparer.Ordinal);
    private readonly IUserEmbedding _embedding = model.CreateUserEmbedding(options.Value.HistoryLength);
    private float[]? _published;

    private string UserId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in state.State.History)
        {
            _appliedEventIds.Add(entry.EventId);
        }
        _appliedEventIds.UnionWith(state.State.EvictedEventIds);

        // The embeddings are not persisted with the history: they are the items' to own, fetched once here.
        _embedding.Rebuild(await HistoryContentsAsync());
        _published = _embedding.Current();
    }

    public Task<HistoryEntry[]> GetHistoryAsync() => Task.FromResult(state.State.History.ToArray());

    public Task<UserProfile> GetProfileAsync() =>
        Task.FromResult(new UserProfile(
            UserId,
            _published,
            state.State.History.Select(e => e.ItemId).Distinct(StringComparer.Ordinal).ToArray(),
            model.Version,
            RecentItems()));

    public async Task<float[]?> RecomputeEmbeddingAsync()
    {
        var fresh = model.CreateUserEmbedding(options.Value.HistoryLength);
        fresh.Rebuild(await HistoryContentsAsync());
        return fresh.Current();
    }

    public async Task<int> ApplyAsync(InteractionEvent[] events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var previous = state.State.History.Count > 0 ? state.State.History[^1].ItemId : null;
        var candidates = Candidates(events);
        var applied = new List<InteractionEvent>(candidates.Count);
        if (candidates.Count > 0)
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
            if (applied.Count > 0)
            {
                try
                {
                    await _embedding.AppendAsync(steps);
                }
                catch
                {
                    // The tower may have taken some of the steps: start over from storage (the events are redelivered).
                    DeactivateOnIdle();
                    throw;
                }
                Append(applied);
            }
        }
        if (applied.Count > 0)
        {
            // Written before this returns, so before the stream acknowledges the event: a silo that dies before the
            // write completes leaves the event to be redelivered, one that dies after it leaves a dedup entry behind.
            try
            {
                await state.WriteStateAsync();
            }
            catch (Exception ex)
            {
                // The in-memory history and dedup set are now ahead of storage; start over from storage so the
                // redelivered events are applied rather than skipped as duplicates.
                LogWriteFailed(ex, UserId, applied.Count);
                DeactivateOnIdle();
                throw;
            }
            // After the state write, so only events that are in the history count; best effort, never an event lost.
            transitions.Record(previous, applied.ConvertAll(e => e.ItemId));
            popularity.Record(applied.ConvertAll(e => e.ItemId), applied.ConvertAll(e => e.Timestamp));
        }
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
                LogDuplicate(UserId, evt.EventId);
                ActorsInstruments.DuplicateEvents.Add(1);
                continue;
            }
            candidates.Add(evt);
        }
        return candidates;
    }

    /// <summary>
    /// The applied events into the history, once the embedding holds them: the history and the published embedding
    /// change in the same turn, so a read that interleaves sees both before or both after.
    /// </summary>
    private void Append(List<InteractionEvent> applied)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var evt in applied)
        {
            state.State.History.Add(new HistoryEntry(evt.EventId, evt.ItemId, evt.Timestamp));
            _appliedEventIds.Add(evt.EventId);
            ActorsInstruments.EventDelay.Record((now - evt.Timestamp).TotalMilliseconds);
        }
        ActorsInstruments.EventsApplied.Add(applied.Count);
        _published = _embedding.Current();

        while (state.State.History.Count > options.Value.HistoryLength)
        {
            RememberEvicted(state.State.History[0].EventId);
            state.State.History.RemoveAt(0);
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
        var history = state.State.History;
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

    private void RememberEvicted(string eventId)
    {
        var evicted = state.State.EvictedEventIds;
        evicted.Add(eventId);
        var limit = options.Value.RememberedEventIds;
        if (evicted.Count > limit)
        {
            var excess = evicted.Count - limit;
            for (var i = 0; i < excess; i++)
            {
                _appliedEventIds.Remove(evicted[i]);
            }
            evicted.RemoveRange(0, excess);
        }
    }
}
