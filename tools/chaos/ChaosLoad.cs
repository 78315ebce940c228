using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Actors.Chaos;

/// <summary>An event as the run sent it: a retry sends exactly this again (same id, same payload).</summary>
internal sealed record SentEvent(string EventId, int User, string ItemId, string Timestamp);

/// <summary>What the run knows of one item's text: the last one acknowledged, and those whose request got no answer.</summary>
internal sealed class ItemRecord
{
    public string? Acknowledged { get; set; }

    /// <summary>Texts sent in requests that ended without an answer: any of them may have been stored, or may be later.</summary>
    public List<string> Unanswered { get; } = [];

    /// <summary>Every request that was answered or not, in order: for the evidence when a check fails.</summary>
    public List<string> Trail { get; } = [];

    /// <summary>The trail, and which of its requests (1-based) sent <paramref name="text"/> when one is given.</summary>
    public string Describe(string? text)
    {
        lock (this)
        {
            return string.Join("; ", Trail) + (text is null ? "" : $" — the text found was sent by request(s) {string.Join(',', Trail.Select((t, i) => (t, i)).Where(p => p.t.EndsWith($"#{text.GetHashCode(StringComparison.Ordinal):x8}", StringComparison.Ordinal)).Select(p => p.i + 1))}");
        }
    }

    /// <summary>The texts the item may have now; empty when nothing it was sent was acknowledged or possibly taken.</summary>
    public string[] Acceptable()
    {
        lock (this)
        {
            return Acknowledged is null ? [.. Unanswered] : [Acknowledged, .. Unanswered];
        }
    }
}

/// <summary>
/// The load: events (1–4 new ones per request, sometimes with re-sent old ones), item PUTs (new items, text changes) and
/// recommendation queries through the silos that are up, and a poller that watches the overflowing users' windows.
/// Everything acknowledged is recorded for the checks in ChaosLoad.Checks.cs.
/// </summary>
internal sealed partial class ChaosLoad(ChaosSettings settings, HttpClient http, string runId, (string Id, string Text)[] catalog, (string Id, string Text)[] newItems, string[] users)
{
    private readonly ConcurrentDictionary<string, SentEvent> _sent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
    private readonly List<string>[] _acceptedByUser = [.. users.Select(_ => new List<string>())];
    private readonly int[] _newPerUser = new int[users.Length];
    private readonly ConcurrentDictionary<string, ItemRecord> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _embeddingUsers = new(StringComparer.Ordinal);
    private readonly long[] _faultTicks = new long[3];
    private readonly long[] _lastBadTicks = new long[3];
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _nextEvent;
    private int _phase;
    private int _resent;
    private int _itemPuts;

    /// <summary>
    /// Events name only the first two thirds of the catalog, text changes only the rest. A user grain keeps the content
    /// embeddings of its history as they were when the events came and takes the current ones only when it is activated
    /// again, so a history item that changed text would make recommendations differ across a restart for that reason
    /// alone, hiding what the restart comparison looks for.
    /// </summary>
    private int EventItems => catalog.Length * 2 / 3;

    public int Sent => _sent.Count;

    public int Accepted => _accepted.Count;

    public int Resent => Volatile.Read(ref _resent);

    public int ItemPuts => Volatile.Read(ref _itemPuts);

    public IReadOnlyDictionary<string, ItemRecord> Items => _items;

    /// <summary>From now on, answers that are not full count against recovery from fault <paramref name="phase"/> (1: the kill, 2: the pause).</summary>
    public void FaultAt(int phase, long ticks)
    {
        _faultTicks[phase] = ticks;
        Volatile.Write(ref _phase, phase);
    }

    /// <summary>From <paramref name="since"/> (a fault, or when the cluster declared it) to the last answer after it that was not full.</summary>
    public double RecoverySeconds(int phase, long since)
    {
        var bad = Interlocked.Read(ref _lastBadTicks[phase]);
        return bad == 0 || bad < since ? 0 : Stopwatch.GetElapsedTime(since, bad).TotalSeconds;
    }

    public async Task PutItemAsync(IReadOnlyList<SiloProcess> alive, string id, string text, Random random)
    {
        var record = _items.GetOrAdd(id, _ => new ItemRecord());
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var silo = Pick(alive, random);
            try
            {
                using var response = await http.PutAsJsonAsync(new Uri(silo.BaseAddress, $"/items/{Uri.EscapeDataString(id)}"), new { text });
                if (response.IsSuccessStatusCode)
                {
                    lock (record)
                    {
                        record.Acknowledged = text;
                        record.Trail.Add($"{Stopwatch.GetElapsedTime(_started).TotalSeconds:F1}s {silo.Name} {(int)response.StatusCode} #{text.GetHashCode(StringComparison.Ordinal):x8}");
                    }
                    Interlocked.Increment(ref _itemPuts);
                    return;
                }
                if ((int)response.StatusCode < 500)
                {
                    throw new InvalidOperationException($"PUT /items/{id} answered {(int)response.StatusCode}: the run only sends valid items.");
                }
                // A 5xx (a grain call that failed or timed out inside the silo) is no answer either: the call may
                // still have reached the item, now or later.
                lock (record)
                {
                    record.Unanswered.Add(text);
                    record.Trail.Add($"{Stopwatch.GetElapsedTime(_started).TotalSeconds:F1}s {silo.Name} {(int)response.StatusCode} #{text.GetHashCode(StringComparison.Ordinal):x8}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // No answer: the text may have been stored, now or later.
                lock (record)
                {
                    record.Unanswered.Add(text);
                    record.Trail.Add($"{Stopwatch.GetElapsedTime(_started).TotalSeconds:F1}s {silo.Name} {ex.GetType().Name} #{text.GetHashCode(StringComparison.Ordinal):x8}");
                }
            }
            await Task.Delay(200);
        }
    }

    public async Task WorkAsync(int worker, List<SiloProcess> alive, CancellationToken stop)
    {
        var random = new Random(worker);
        var mine = Enumerable.Range(EventItems, catalog.Length - EventItems).Where(i => i % settings.Workers == worker).ToArray();
        var toCreate = new Queue<(string Id, string Text)>(newItems.Where((_, i) => i % settings.Workers == worker));
        var revision = 0;
        while (!stop.IsCancellationRequested)
        {
            var roll = random.NextDouble();
            if (roll < 0.5)
            {
                await SendEventsAsync(random, alive);
            }
            else if (roll < 0.62)
            {
                // Each item is written by one worker, one request at a time: the last acknowledged text is well defined.
                if (toCreate.Count > 0 && random.NextDouble() < 0.5)
                {
                    var (id, text) = toCreate.Dequeue();
                    await PutItemAsync(Snapshot(alive), id, text, random);
                }
                else if (mine.Length > 0)
                {
                    var (id, _) = catalog[mine[random.Next(mine.Length)]];
                    // A prefix: the encoder reads only the first tokens, so a suffix would leave the embedding unchanged.
                    var text = $"Revision {++revision} by worker {worker}: {catalog[random.Next(catalog.Length)].Text}";
                    await PutItemAsync(Snapshot(alive), id, Clip(text), random);
                }
            }
            else
            {
                await QueryAsync(Pick(alive, random), users[random.Next(users.Length)]);
            }
            await Task.Delay(random.Next(5, 25), CancellationToken.None);
        }
    }

    /// <summary>Reads the overflowing users' windows about once a second, so an event seen applied is known to have been.</summary>
    public async Task PollWindowsAsync(List<SiloProcess> alive, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await Parallel.ForEachAsync(users.Take(settings.OverflowUsers), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (user, _) =>
            {
                try
                {
                    using var response = await http.GetAsync(new Uri(Pick(alive, Random.Shared).BaseAddress, $"/users/{user}/history"), CancellationToken.None);
                    if (response.IsSuccessStatusCode)
                    {
                        Observe(await ReadEventIdsAsync(response));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // A silo going down under the poll: the next round asks another.
                }
            });
            await Task.Delay(1000, CancellationToken.None);
        }
    }

    /// <summary>
    /// A request of 1–4 new events (none beyond a user's quota) and, one time in three, 1–2 re-sent ones: acknowledged
    /// events of a random user, for an overflowing user preferably ones old enough to have left the window. A failed
    /// request is retried with the same payload on another silo, as a client would.
    /// </summary>
    private async Task SendEventsAsync(Random random, List<SiloProcess> alive)
    {
        var batch = new List<SentEvent>();
        var fresh = new List<SentEvent>();
        var size = random.Next(1, 5);
        for (var i = 0; i < size; i++)
        {
            var u = random.Next(users.Length);
            var quota = u < settings.OverflowUsers ? settings.MaxEventsPerOverflowUser : settings.HistoryLength;
            if (Interlocked.Increment(ref _newPerUser[u]) > quota)
            {
                continue;
            }
            var sent = NewEvent(u, catalog[random.Next(EventItems)].Id);
            fresh.Add(sent);
            batch.Add(sent);
        }
        if (random.NextDouble() < 0.33)
        {
            for (var i = random.Next(1, 3); i > 0; i--)
            {
                var u = random.NextDouble() < 0.7 ? random.Next(settings.OverflowUsers) : random.Next(users.Length);
                string? old = null;
                lock (_acceptedByUser[u])
                {
                    var list = _acceptedByUser[u];
                    var evictedBefore = u < settings.OverflowUsers ? list.Count - 2 * settings.HistoryLength : list.Count;
                    if (list.Count > 0)
                    {
                        old = list[random.Next(evictedBefore > 0 ? evictedBefore : list.Count)];
                    }
                }
                if (old is not null)
                {
                    batch.Add(_sent[old]);
                    Interlocked.Increment(ref _resent);
                }
            }
        }
        if (batch.Count > 0)
        {
            await PostEventsAsync(random, () => Snapshot(alive), batch, fresh, attempts: 4);
        }
    }

    private SentEvent NewEvent(int user, string itemId)
    {
        var sent = new SentEvent($"{runId}-e{Interlocked.Increment(ref _nextEvent)}", user, itemId, DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        _sent[sent.EventId] = sent;
        return sent;
    }

    /// <summary>Posts <paramref name="batch"/>; on 202 the events of <paramref name="fresh"/> are acknowledged. True on 202.</summary>
    private async Task<bool> PostEventsAsync(Random random, Func<IReadOnlyList<SiloProcess>> silos, IReadOnlyList<SentEvent> batch, IReadOnlyList<SentEvent> fresh, int attempts)
    {
        var body = batch.Select(e => new { eventId = e.EventId, userId = users[e.User], itemId = e.ItemId, timestamp = e.Timestamp }).ToArray();
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            try
            {
                using var response = await http.PostAsJsonAsync(new Uri(Pick(silos(), random).BaseAddress, "/events"), body);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    foreach (var sent in fresh)
                    {
                        _accepted[sent.EventId] = 0;
                        lock (_acceptedByUser[sent.User])
                        {
                            _acceptedByUser[sent.User].Add(sent.EventId);
                        }
                    }
                    return true;
                }
                if ((int)response.StatusCode < 500)
                {
                    throw new InvalidOperationException($"POST /events answered {(int)response.StatusCode} ({await response.Content.ReadAsStringAsync()}): the run only sends valid events, a re-sent one exactly as before.");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // The silo died under the request, or did not answer in time: the same ids again elsewhere are harmless.
            }
            await Task.Delay(200);
        }
        return false;
    }

    /// <summary>
    /// One recommendation query. After a fault, an answer that is not full counts against recovery: a failure, a
    /// <c>partial</c> answer, or the popularity fallback for a user who had embedding answers before.
    /// </summary>
    private async Task QueryAsync(SiloProcess silo, string userId)
    {
        var full = false;
        try
        {
            using var response = await http.GetAsync(new Uri(silo.BaseAddress, $"/users/{userId}/recommendations?k=5"));
            if (response.IsSuccessStatusCode)
            {
                var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
                var embedding = answer.GetProperty("source").GetString() == "embedding";
                full = !answer.GetProperty("partial").GetBoolean() && (embedding || !_embeddingUsers.ContainsKey(userId));
                if (full && embedding)
                {
                    _embeddingUsers[userId] = 0;
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }
        var phase = Volatile.Read(ref _phase);
        if (!full && phase > 0)
        {
            Interlocked.Exchange(ref _lastBadTicks[phase], Stopwatch.GetTimestamp());
        }
    }

    /// <summary>At most 2,000 characters, never half of a surrogate pair (which JSON would turn into U+FFFD).</summary>
    public static string Clip(string text) =>
        text.Length <= 2_000 ? text : text[..(char.IsHighSurrogate(text[1_999]) ? 1_999 : 2_000)];

    private void Observe(IEnumerable<string> eventIds)
    {
        foreach (var id in eventIds)
        {
            _seen[id] = 0;
        }
    }

    private static async Task<string[]> ReadEventIdsAsync(HttpResponseMessage response)
    {
        var history = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. history.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()!)];
    }

    private static SiloProcess[] Snapshot(List<SiloProcess> alive)
    {
        lock (alive)
        {
            return [.. alive];
        }
    }

    private static SiloProcess Pick(IReadOnlyList<SiloProcess> silos, Random random)
    {
        lock (silos)
        {
            return silos[random.Next(silos.Count)];
        }
    }
}
