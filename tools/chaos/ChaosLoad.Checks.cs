using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Actors.Chaos;

/// <summary>The checks of what the load had acknowledged: events exactly once, items retrievable.</summary>
internal sealed partial class ChaosLoad
{
    private readonly HashSet<string> _lostEvents = new(StringComparer.Ordinal);
    private readonly HashSet<string> _duplicatedEvents = new(StringComparer.Ordinal);
    private readonly HashSet<string> _confirmedEvicted = new(StringComparer.Ordinal);

    public int LostEvents => _lostEvents.Count;

    public int DuplicatedEvents => _duplicatedEvents.Count;

    /// <summary>
    /// Every acknowledged event exactly once, read through <paramref name="silo"/>. Each overflowing user first gets a
    /// marker event, and the check waits until every event of the other users and every marker is in its window. Then:
    /// an id twice in a window is duplicated; an acknowledged event of a user whose window never overflows that is not
    /// in it is lost. An overflowing user's acknowledged events that are not in the window are sent again, exactly as
    /// before, followed by a second marker: one that is applied now was not remembered as applied, so it is lost (never
    /// seen in a window before) or duplicated (seen before, or found remembered by an earlier check). Returns the
    /// windows as they are at the end.
    /// </summary>
    public async Task<Dictionary<string, string[]>> VerifyEventsAsync(SiloProcess silo, string when)
    {
        var windows = await WaitForMarkersAsync(silo, when, includeOtherUsers: true);
        var candidates = new List<SentEvent>();
        for (var u = 0; u < users.Length; u++)
        {
            var window = windows[users[u]];
            CountDuplicates(window, when);
            var present = window.ToHashSet(StringComparer.Ordinal);
            foreach (var id in AcceptedOf(u).Where(id => !present.Contains(id)))
            {
                if (u >= settings.OverflowUsers)
                {
                    if (_lostEvents.Add(id))
                    {
                        Log($"{when}: event {id} of {users[u]} was acknowledged and is not in the window, which never overflows");
                    }
                }
                else if (!_lostEvents.Contains(id))
                {
                    candidates.Add(_sent[id]);
                }
            }
        }

        var known = candidates.Where(e => _seen.ContainsKey(e.EventId) || _confirmedEvicted.Contains(e.EventId)).Select(e => e.EventId).ToHashSet(StringComparer.Ordinal);
        foreach (var group in candidates.GroupBy(e => e.User))
        {
            await PostOrThrowAsync(silo, [.. group], []);
        }
        var after = await WaitForMarkersAsync(silo, when, includeOtherUsers: false);
        var reapplied = 0;
        foreach (var sent in candidates)
        {
            if (!after[users[sent.User]].Contains(sent.EventId))
            {
                _confirmedEvicted.Add(sent.EventId);
                continue;
            }
            reapplied++;
            var before = known.Contains(sent.EventId);
            if (before ? _duplicatedEvents.Add(sent.EventId) : _lostEvents.Add(sent.EventId))
            {
                Log($"{when}: event {sent.EventId} of {users[sent.User]}, acknowledged and {(before ? "applied before" : "never seen in the window")}, was applied again when re-sent: {(before ? "duplicated" : "lost")}");
            }
        }
        foreach (var window in after.Values)
        {
            CountDuplicates(window, when);
        }
        Log($"{when}: {candidates.Count} acknowledged events of overflowing users were outside their windows and sent again; {reapplied} of them were applied again");
        return after;
    }

    /// <summary>Acknowledged events found applied: all of them but the lost ones.</summary>
    public int AppliedEvents => _accepted.Keys.Count(id => !_lostEvents.Contains(id));

    /// <summary>
    /// Every item the run wrote, by HTTP GET through <paramref name="silo"/> (its last acknowledged text, or one whose request
    /// got no answer) and by <see cref="ClusterProbe.WhyNotRetrievableAsync"/>; items whose every request failed count only
    /// if they exist. Retries for up to <paramref name="patience"/> (shards re-index asynchronously); returns the items
    /// still failing, each with the reason.
    /// </summary>
    public async Task<Dictionary<string, string>> CheckItemsAsync(ClusterProbe probe, SiloProcess silo, TimeSpan patience, string when)
    {
        var failing = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var pending = _items.Keys.ToArray();
        var watch = Stopwatch.StartNew();
        while (true)
        {
            failing.Clear();
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
            {
                if (await WhyItemFailsAsync(probe, silo, id, _items[id]) is { } reason)
                {
                    failing[id] = reason;
                }
            });
            if (failing.IsEmpty || watch.Elapsed > patience)
            {
                break;
            }
            pending = [.. failing.Keys];
            await Task.Delay(2000);
        }
        foreach (var (id, reason) in failing.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Log($"{when}: item {id} is not retrievable after {watch.Elapsed.TotalSeconds:F0} s: {reason}");
        }
        Log($"{when}: {_items.Count - failing.Count} of {_items.Count} items retrievable");
        return new Dictionary<string, string>(failing, StringComparer.Ordinal);
    }

    private async Task<string?> WhyItemFailsAsync(ClusterProbe probe, SiloProcess silo, string id, ItemRecord record)
    {
        var texts = record.Acceptable();
        try
        {
            using var response = await SendWithRetryAsync(() => http.GetAsync(new Uri(silo.BaseAddress, $"/items/{Uri.EscapeDataString(id)}")));
            if (!response.IsSuccessStatusCode)
            {
                // An item none of whose requests was acknowledged may rightly not exist.
                return record.Acknowledged is null ? null : $"GET answers {(int)response.StatusCode}";
            }
            var text = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("text").GetString();
            if (!texts.Contains(text))
            {
                return $"GET answers a text that is not the last acknowledged one, \"{(text is null || text.Length <= 60 ? text : text[..60] + "…")}\" (requests: {record.Describe(text)})";
            }
            return await probe.WhyNotRetrievableAsync(id, texts, ChaosSettings.Shards) is { } reason ? $"{reason} (requests: {record.Describe(null)})" : null;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or HttpRequestException or TaskCanceledException)
        {
            return $"the check's call failed ({ex.GetType().Name}: {ex.Message})";
        }
    }

    /// <summary>The histories of all users through <paramref name="silo"/>: event ids, oldest first.</summary>
    public async Task<Dictionary<string, string[]>> HistoriesAsync(SiloProcess silo)
    {
        var result = new ConcurrentDictionary<string, string[]>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (user, _) =>
        {
            using var response = await SendWithRetryAsync(() => http.GetAsync(new Uri(silo.BaseAddress, $"/users/{user}/history")));
            response.EnsureSuccessStatusCode();
            result[user] = await ReadEventIdsAsync(response);
        });
        Observe(result.Values.SelectMany(w => w));
        return new Dictionary<string, string[]>(result, StringComparer.Ordinal);
    }

    /// <summary>
    /// Sends a marker event to each overflowing user and waits (up to two minutes) until every marker and, with
    /// <paramref name="includeOtherUsers"/>, every acknowledged event of the other users is in its window.
    /// </summary>
    private async Task<Dictionary<string, string[]>> WaitForMarkersAsync(SiloProcess silo, string when, bool includeOtherUsers)
    {
        var markers = new List<SentEvent>();
        for (var u = 0; u < settings.OverflowUsers; u++)
        {
            var marker = NewEvent(u, catalog[u % EventItems].Id);
            await PostOrThrowAsync(silo, [marker], [marker]);
            markers.Add(marker);
        }
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var windows = await HistoriesAsync(silo);
            var missing = markers.Count(m => !windows[users[m.User]].Contains(m.EventId));
            if (includeOtherUsers)
            {
                for (var u = settings.OverflowUsers; u < users.Length; u++)
                {
                    var window = windows[users[u]];
                    missing += AcceptedOf(u).Count(id => !window.Contains(id));
                }
            }
            if (missing == 0 || watch.Elapsed > TimeSpan.FromSeconds(120))
            {
                Log($"{when}: {missing} acknowledged events not in their windows after {watch.Elapsed.TotalSeconds:F0} s of waiting");
                // Give a stream message still in flight behind a marker the time to land before anything is concluded.
                await Task.Delay(2000);
                return await HistoriesAsync(silo);
            }
            await Task.Delay(1000);
        }
    }

    private async Task PostOrThrowAsync(SiloProcess silo, IReadOnlyList<SentEvent> batch, IReadOnlyList<SentEvent> fresh)
    {
        if (!await PostEventsAsync(Random.Shared, () => [silo], batch, fresh, attempts: 20))
        {
            throw new InvalidOperationException($"{silo.Name} did not take {batch.Count} events in 20 attempts.");
        }
    }

    private void CountDuplicates(string[] window, string when)
    {
        foreach (var group in window.GroupBy(id => id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            if (_duplicatedEvents.Add(group.Key))
            {
                Log($"{when}: event {group.Key} is {group.Count()} times in its user's window");
            }
        }
    }

    private string[] AcceptedOf(int user)
    {
        lock (_acceptedByUser[user])
        {
            return [.. _acceptedByUser[user]];
        }
    }

    /// <summary>Retries 5xx and transport failures for up to a minute (start-up and fail-over windows).</summary>
    public static async Task<HttpResponseMessage> SendWithRetryAsync(Func<Task<HttpResponseMessage>> send)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var response = await send();
                if ((int)response.StatusCode < 500 || watch.Elapsed > TimeSpan.FromSeconds(60))
                {
                    return response;
                }
                response.Dispose();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                // Try again.
            }
            await Task.Delay(500);
        }
    }

    private static void Log(string message) => Console.Error.WriteLine($"chaos: {message}");
}
