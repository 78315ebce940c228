using Actors.Grains.Diagnostics;
using Actors.Grains.Items;
using Actors.Grains.Transitions;

namespace Actors.Grains.Users;

/// <summary>The user grain's batch rules: which events may be applied, what they make of the stored window, and what they count.</summary>
internal sealed partial class UserGrain
{
    /// <summary>
    /// The events of a batch that may be applied: well formed, this user's, neither applied before nor repeated within
    /// the batch, and of a configured type (an event naming none gets the default type). The others are dropped here,
    /// each logged and counted.
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
            // The HTTP API refuses unknown types; a producer on the stream, or a type since removed from the configuration, is dropped here.
            if (types.Resolve(evt.Type) is not { } type)
            {
                LogUnknownType(UserId, evt.EventId, evt.Type!);
                ActorsInstruments.RejectedEvents.Add(1);
                continue;
            }
            candidates.Add(evt.Type is null ? evt with { Type = type } : evt);
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

    /// <summary>
    /// A copy of <paramref name="stored"/> with <paramref name="applied"/> appended and the window slid, and the ids it
    /// no longer remembers; <paramref name="stored"/> is left as it is. An event whose type is not in the history is
    /// remembered among the ids beyond the window straight away.
    /// </summary>
    private (UserState Next, List<string> Forgotten) Appended(UserState stored, List<InteractionEvent> applied)
    {
        var next = new UserState
        {
            History = new List<HistoryEntry>(stored.History.Count + applied.Count),
            EvictedEventIds = [.. stored.EvictedEventIds],
        };
        next.History.AddRange(stored.History);
        foreach (var evt in applied)
        {
            if (types.Of(evt.Type).InHistory)
            {
                next.History.Add(new HistoryEntry(evt.EventId, evt.ItemId, evt.Timestamp, evt.Type));
            }
            else
            {
                next.EvictedEventIds.Add(evt.EventId);
            }
        }
        var forgotten = new List<string>();
        Trim(next, forgotten);
        return (next, forgotten);
    }

    /// <summary>
    /// Slides <paramref name="user"/>'s window to <c>Users:HistoryLength</c> (the oldest entries out, their ids remembered
    /// as evicted) and bounds the evicted ids to <c>Users:RememberedEventIds</c>, oldest out (those go to
    /// <paramref name="forgotten"/>); returns how many entries left the window.
    /// </summary>
    private int Trim(UserState user, List<string>? forgotten = null)
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
            forgotten?.AddRange(user.EvictedEventIds.GetRange(0, forget));
            user.EvictedEventIds.RemoveRange(0, forget);
        }
        return Math.Max(excess, 0);
    }

    /// <summary>
    /// Counts the applied events in this silo's aggregates, each as much as its type's weight: one interaction with its
    /// item, and one transition from the history's last item before it (an event that does not enter the history
    /// counts its transition but is no source of the next one).
    /// </summary>
    private void CountWeights(UserState stored, List<InteractionEvent> applied)
    {
        var previous = stored.History.Count > 0 ? stored.History[^1].ItemId : null;
        var moves = new List<ItemTransition>(applied.Count);
        var moveWeights = new List<double>(applied.Count);
        var weights = new List<double>(applied.Count);
        foreach (var evt in applied)
        {
            var type = types.Of(evt.Type);
            weights.Add(type.Weight);
            if (previous is not null)
            {
                moves.Add(new ItemTransition(previous, evt.ItemId));
                moveWeights.Add(type.Weight);
            }
            if (type.InHistory)
            {
                previous = evt.ItemId;
            }
        }
        transitions.Record(moves, moveWeights);
        popularity.Record(applied.ConvertAll(e => e.ItemId), applied.ConvertAll(e => e.Timestamp), weights);
    }
}
