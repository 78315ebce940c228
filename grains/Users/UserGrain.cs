using Actors.Grains.Diagnostics;
using Actors.Grains.Hosting;
using Actors.Grains.Items;
using Actors.Grains.Model;
using Actors.VectorIndex;
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
/// transition (the previous last item → its item) with the transition shards, whether or not the served model fuses them.
/// </summary>
[ImplicitStreamSubscription(StreamNames.Interactions)]
internal sealed partial class UserGrain(
    [PersistentState("user", StorageNames.Actors)] IPersistentState<UserState> state,
    IOptions<UserOptions> options,
    IOptions<TransitionOptions> transitionOptions,
    ServingModel model,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<InteractionEvent>
{
    private readonly HashSet<string> _appliedEventIds = new(StringComparer.Ordinal);
    private readonly IUserEmbedding _embedding = model.CreateUserEmbedding(options.Value.HistoryLength);

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
    }

    public Task<HistoryEntry[]> GetHistoryAsync() => Task.FromResult(state.State.History.ToArray());

    public Task<UserProfile> GetProfileAsync() =>
        Task.FromResult(new UserProfile(
            UserId,
            _embedding.Current(),
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
        var applied = new List<InteractionEvent>(events.Length);
        foreach (var evt in events)
        {
            if (await TryAppendAsync(evt))
            {
                applied.Add(evt);
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
            await RecordTransitionsAsync(previous, applied);
            await GrainFactory.GetGrain<IPopularityGrain>(0).RecordAsync(
                applied.Select(e => e.ItemId).ToArray(),
                applied.Select(e => e.Timestamp).ToArray());
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

    private async Task<bool> TryAppendAsync(InteractionEvent? evt)
    {
        // Stream payloads are not checked by the HTTP API when they come from elsewhere: drop what no client could have sent.
        if (evt is null || ItemValidation.CheckId(evt.EventId, "eventId") is not null || ItemValidation.CheckId(evt.ItemId, "itemId") is not null)
        {
            LogMalformed(UserId, evt?.EventId);
            return false;
        }
        if (evt.UserId != UserId)
        {
            LogWrongUser(UserId, evt.EventId, evt.UserId);
            ActorsInstruments.RejectedEvents.Add(1);
            return false;
        }
        if (_appliedEventIds.Contains(evt.EventId))
        {
            LogDuplicate(UserId, evt.EventId);
            ActorsInstruments.DuplicateEvents.Add(1);
            return false;
        }
        var embeddings = await GrainReferences.Get<IItemGrain>(GrainFactory, evt.ItemId).GetEmbeddingsAsync();
        if (embeddings is null)
        {
            LogUnknownItem(UserId, evt.EventId, evt.ItemId);
            ActorsInstruments.RejectedEvents.Add(1);
            return false;
        }

        state.State.History.Add(new HistoryEntry(evt.EventId, evt.ItemId, evt.Timestamp));
        _appliedEventIds.Add(evt.EventId);
        _embedding.Append(evt.ItemId, embeddings.Content);
        ActorsInstruments.EventsApplied.Add(1);

        while (state.State.History.Count > options.Value.HistoryLength)
        {
            RememberEvicted(state.State.History[0].EventId);
            state.State.History.RemoveAt(0);
        }
        return true;
    }

    /// <summary>
    /// The item → next-item transitions the applied events add, in order (each event's item after the item before it
    /// in the history), sent to the transition shards that own their source items: one one-way call per shard.
    /// After the state write, so only events that are in the history count; a lost call loses counts, never events.
    /// </summary>
    private async Task RecordTransitionsAsync(string? previous, List<InteractionEvent> applied)
    {
        var shards = transitionOptions.Value.Shards;
        var byShard = new Dictionary<int, List<ItemTransition>>();
        foreach (var evt in applied)
        {
            if (previous is not null)
            {
                var shard = Partitioner.ShardOf(previous, shards);
                if (!byShard.TryGetValue(shard, out var transitions))
                {
                    byShard[shard] = transitions = [];
                }
                transitions.Add(new ItemTransition(previous, evt.ItemId));
            }
            previous = evt.ItemId;
        }
        foreach (var (shard, transitions) in byShard)
        {
            await GrainFactory.GetGrain<ITransitionGrain>(shard).RecordAsync([.. transitions]);
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
        var embeddings = await Task.WhenAll(state.State.History.Select(e => GrainReferences.Get<IItemGrain>(GrainFactory, e.ItemId).GetEmbeddingsAsync()));
        return embeddings.Where(e => e is not null).Select(e => (e!.ItemId, e.Content)).ToList();
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
