using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Actors.Dataset;

namespace Actors.Chaos;

/// <summary>How long and how hard the run pushes.</summary>
internal sealed record ChaosSettings(int Items, int Users, int MaxEventsPerUser, TimeSpan LoadBeforeKill, TimeSpan LoadAfterKill, int Workers)
{
    public static ChaosSettings Full { get; } = new(Items: 300, Users: 300, MaxEventsPerUser: 40, LoadBeforeKill: TimeSpan.FromSeconds(40), LoadAfterKill: TimeSpan.FromSeconds(50), Workers: 8);

    public static ChaosSettings Quick { get; } = new(Items: 120, Users: 80, MaxEventsPerUser: 30, LoadBeforeKill: TimeSpan.FromSeconds(12), LoadAfterKill: TimeSpan.FromSeconds(25), Workers: 4);
}

/// <summary>What the run measured; <see cref="Summary"/> is the line scripts/chaos.sh ends with.</summary>
internal sealed record ChaosResult(int Sent, int Accepted, int Applied, int Lost, int Duplicated, double RecoverySeconds, bool RestartOk)
{
    public bool Passed => Lost == 0 && Duplicated == 0 && RestartOk && RecoverySeconds < 30;

    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"chaos: sent={Sent} accepted={Accepted} applied={Applied} lost={Lost} duplicated={Duplicated} recovery_s={RecoverySeconds:F1} restart_ok={(RestartOk ? "true" : "false")}");
}

/// <summary>
/// Three silo processes on Azurite (production profile: table membership, blob state, queue streams, API key); a steady
/// load of events and recommendation queries through all three; SIGKILL of one silo in the middle; the load goes on
/// through the others; then every event answered 202 is looked for, through a surviving silo, in its user's history
/// (each user gets fewer events than the history window holds); then the whole cluster is stopped, started again, and
/// items, histories and recommendations are compared with what they were.
/// </summary>
internal sealed class ChaosRun(ChaosSettings settings, string siloDll, string datasetDirectory, string connectionString, string? pidFile) : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly string _apiKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
    private readonly string _runId = $"chaos{DateTime.UtcNow:HHmmss}{Random.Shared.Next(1000):D3}";
    private readonly string _logDirectory = Directory.CreateTempSubdirectory("actors-chaos-").FullName;
    private readonly List<SiloProcess> _silos = [];
    private readonly HttpClient _http = new() { Timeout = RequestTimeout };

    private readonly ConcurrentDictionary<string, string> _accepted = new(StringComparer.Ordinal); // event id → user id
    private readonly int[] _eventsPerUser = new int[settings.Users];
    private int _sent;
    private long _nextEvent;
    private long _lastFailedQueryTicks;
    private long _killTicks;

    public async Task<ChaosResult> RunAsync()
    {
        try
        {
            return await RunCoreAsync();
        }
        finally
        {
            foreach (var silo in _silos)
            {
                silo.Dispose();
            }
            Log($"silo logs: {_logDirectory}");
        }
    }

    private async Task<ChaosResult> RunCoreAsync()
    {
        _http.DefaultRequestHeaders.Add("X-Api-Key", _apiKey);
        var dataset = UniSRecDataset.Load(datasetDirectory);
        var items = dataset.Items.Take(settings.Items).Select(i => (i.Id, Text: i.Text.Length > 2_000 ? i.Text[..2_000] : i.Text)).ToArray();
        var users = Enumerable.Range(0, settings.Users).Select(u => $"{_runId}-user-{u}").ToArray();

        var clock = Stopwatch.StartNew();
        await StartClusterAsync("first");
        Log($"3 silos healthy after {clock.Elapsed.TotalSeconds:F1} s; importing {items.Length} items");
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, ct) =>
        {
            var silo = _silos[Random.Shared.Next(_silos.Count)];
            using var response = await SendWithRetryAsync(() => _http.PutAsJsonAsync(new Uri(silo.BaseAddress, $"/items/{item.Id}"), new { text = item.Text }, ct));
            response.EnsureSuccessStatusCode();
        });

        // Load, kill one silo in the middle, keep loading.
        Log($"items in after {clock.Elapsed.TotalSeconds:F1} s; load for {settings.LoadBeforeKill.TotalSeconds:F0} s, then SIGKILL, then {settings.LoadAfterKill.TotalSeconds:F0} s more");
        var alive = _silos.ToList();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, settings.Workers).Select(w => Task.Run(() => WorkAsync(w, alive, items, users, stop.Token))).ToArray();
        await Task.Delay(settings.LoadBeforeKill);
        var victim = _silos[1];
        lock (alive)
        {
            alive.Remove(victim);
        }
        Interlocked.Exchange(ref _killTicks, Stopwatch.GetTimestamp());
        victim.Kill();
        Log($"SIGKILL {victim.Name} (pid {victim.Pid}) with {_accepted.Count} events accepted so far");
        await Task.Delay(settings.LoadAfterKill);
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        var recovery = RecoverySeconds();
        Log($"load stopped: sent {_sent}, accepted {_accepted.Count}; queries failed until {recovery:F1} s after the kill");

        // Every accepted event in its user's history exactly once, read through a surviving silo.
        var survivor = alive[0];
        var byUser = _accepted.GroupBy(p => p.Value, p => p.Key).ToDictionary(g => g.Key, g => g.ToHashSet(StringComparer.Ordinal));
        var deadline = Stopwatch.StartNew();
        Dictionary<string, string[]> histories;
        while (true)
        {
            histories = await HistoriesAsync(survivor, users);
            var missing = byUser.Sum(p => p.Value.Count(e => !histories[p.Key].Contains(e)));
            if (missing == 0 || deadline.Elapsed > TimeSpan.FromSeconds(120))
            {
                Log($"{missing} accepted events not yet applied after {deadline.Elapsed.TotalSeconds:F0} s of waiting");
                break;
            }
            await Task.Delay(1000);
        }
        var applied = 0;
        var lost = 0;
        var duplicated = 0;
        foreach (var (user, accepted) in byUser)
        {
            var counts = histories[user].GroupBy(e => e, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            foreach (var eventId in accepted)
            {
                var count = counts.GetValueOrDefault(eventId);
                applied += count > 0 ? 1 : 0;
                lost += count == 0 ? 1 : 0;
                duplicated += count > 1 ? 1 : 0;
            }
        }

        // Full restart: what was there must be there again.
        var sample = users.Where(u => histories[u].Length > 0).Take(25).ToArray();
        var recommendationsBefore = await RecommendationsAsync(survivor, sample);
        Log($"stopping the cluster (graceful) and starting it again");
        foreach (var silo in alive)
        {
            await silo.StopAsync(TimeSpan.FromSeconds(30));
        }
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }
        _silos.Clear();
        await StartClusterAsync("second");
        var restarted = _silos[2];
        var restartOk = true;
        foreach (var (id, text) in items)
        {
            using var response = await SendWithRetryAsync(() => _http.GetAsync(new Uri(restarted.BaseAddress, $"/items/{id}")));
            var item = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
            if (!response.IsSuccessStatusCode || item.GetProperty("text").GetString() != text)
            {
                Log($"after the restart item {id} is {(response.IsSuccessStatusCode ? "changed" : $"missing ({(int)response.StatusCode})")}");
                restartOk = false;
            }
        }
        var historiesAfter = await HistoriesAsync(restarted, users);
        var changedHistories = users.Count(u => !histories[u].SequenceEqual(historiesAfter[u]));
        var recommendationsAfter = await RecommendationsAsync(restarted, sample);
        var changedRecommendations = sample.Count(u => !recommendationsBefore[u].SequenceEqual(recommendationsAfter[u]));
        Log($"after the restart: {changedHistories} of {users.Length} histories and {changedRecommendations} of {sample.Length} recommendation lists differ");
        restartOk &= changedHistories == 0 && changedRecommendations == 0 && sample.Length > 0;
        Log($"done in {clock.Elapsed.TotalSeconds:F0} s");
        return new ChaosResult(_sent, _accepted.Count, applied, lost, duplicated, recovery, restartOk);
    }

    private async Task StartClusterAsync(string generation)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__AzureStorage"] = connectionString,
            ["Api__ApiKey"] = _apiKey,
            ["Orleans__ClusterId"] = _runId,
            ["Orleans__ServiceId"] = _runId,
            ["Storage__Container"] = _runId,
            ["Streams__MessageVisibilityTimeout"] = "00:00:15",
            ["Catalog__ImportWhenEmpty"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Orleans.Runtime.Silo"] = "Warning",
        };
        for (var i = 0; i < 3; i++)
        {
            _silos.Add(SiloProcess.Start($"{generation}-silo-{i}", siloDll, _logDirectory, environment));
        }
        if (pidFile is not null)
        {
            await File.WriteAllLinesAsync(pidFile, _silos.Select(s => s.Pid.ToString(CultureInfo.InvariantCulture)));
        }
        var watch = Stopwatch.StartNew();
        foreach (var silo in _silos)
        {
            while (true)
            {
                if (silo.HasExited)
                {
                    throw new InvalidOperationException($"{silo.Name} exited during start-up; see {_logDirectory}/{silo.Name}.log");
                }
                try
                {
                    using var health = await _http.GetAsync(new Uri(silo.BaseAddress, "/health"));
                    if (health.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException)
                {
                    // Not answering yet.
                }
                if (watch.Elapsed > TimeSpan.FromSeconds(180))
                {
                    throw new TimeoutException($"{silo.Name} was not healthy within 180 s; see {_logDirectory}/{silo.Name}.log");
                }
                await Task.Delay(250);
            }
        }
    }

    private async Task WorkAsync(int worker, List<SiloProcess> alive, (string Id, string Text)[] items, string[] users, CancellationToken stop)
    {
        var random = new Random(worker);
        while (!stop.IsCancellationRequested)
        {
            SiloProcess silo;
            lock (alive)
            {
                silo = alive[random.Next(alive.Count)];
            }
            if (random.NextDouble() < 0.6)
            {
                await SendEventsAsync(random, alive, items, users);
            }
            else
            {
                await QueryAsync(silo, users[random.Next(users.Length)]);
            }
            await Task.Delay(random.Next(5, 25), CancellationToken.None);
        }
    }

    /// <summary>A batch of 1–4 events; a failed request is retried with the same event ids on another silo, as a client would.</summary>
    private async Task SendEventsAsync(Random random, List<SiloProcess> alive, (string Id, string Text)[] items, string[] users)
    {
        var batch = new List<object>();
        var ids = new List<(string EventId, string UserId)>();
        var size = random.Next(1, 5);
        for (var i = 0; i < size; i++)
        {
            var u = random.Next(users.Length);
            if (Interlocked.Increment(ref _eventsPerUser[u]) > settings.MaxEventsPerUser)
            {
                continue;
            }
            var eventId = $"{_runId}-e{Interlocked.Increment(ref _nextEvent)}";
            batch.Add(new { eventId, userId = users[u], itemId = items[random.Next(items.Length)].Id });
            ids.Add((eventId, users[u]));
        }
        if (batch.Count == 0)
        {
            return;
        }
        Interlocked.Add(ref _sent, batch.Count);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            SiloProcess silo;
            lock (alive)
            {
                silo = alive[random.Next(alive.Count)];
            }
            try
            {
                using var response = await _http.PostAsJsonAsync(new Uri(silo.BaseAddress, "/events"), batch);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    foreach (var (eventId, userId) in ids)
                    {
                        _accepted[eventId] = userId;
                    }
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // The silo died under the request, or is not reachable: retry elsewhere.
            }
            catch (TaskCanceledException)
            {
                // Timed out: the events may or may not have been taken; retrying is harmless.
            }
            await Task.Delay(200);
        }
    }

    private async Task QueryAsync(SiloProcess silo, string userId)
    {
        var ok = false;
        try
        {
            using var response = await _http.GetAsync(new Uri(silo.BaseAddress, $"/users/{userId}/recommendations?k=5"));
            ok = response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
        }
        catch (TaskCanceledException)
        {
        }
        if (!ok && Interlocked.Read(ref _killTicks) != 0)
        {
            Interlocked.Exchange(ref _lastFailedQueryTicks, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>From the kill until the last recommendation query that failed through a surviving silo.</summary>
    private double RecoverySeconds()
    {
        var failed = Interlocked.Read(ref _lastFailedQueryTicks);
        return failed == 0 ? 0 : Stopwatch.GetElapsedTime(_killTicks, failed).TotalSeconds;
    }

    private async Task<Dictionary<string, string[]>> HistoriesAsync(SiloProcess silo, string[] users)
    {
        var result = new ConcurrentDictionary<string, string[]>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (user, ct) =>
        {
            using var response = await SendWithRetryAsync(() => _http.GetAsync(new Uri(silo.BaseAddress, $"/users/{user}/history"), ct));
            response.EnsureSuccessStatusCode();
            var history = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            result[user] = history.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()!).ToArray();
        });
        return new Dictionary<string, string[]>(result, StringComparer.Ordinal);
    }

    private async Task<Dictionary<string, string[]>> RecommendationsAsync(SiloProcess silo, string[] users)
    {
        var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            using var response = await SendWithRetryAsync(() => _http.GetAsync(new Uri(silo.BaseAddress, $"/users/{user}/recommendations?k=10")));
            response.EnsureSuccessStatusCode();
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            result[user] = answer.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).ToArray();
        }
        return result;
    }

    /// <summary>Retries 5xx and transport failures for up to a minute (start-up and fail-over windows).</summary>
    private static async Task<HttpResponseMessage> SendWithRetryAsync(Func<Task<HttpResponseMessage>> send)
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

    public void Dispose() => _http.Dispose();

    private static void Log(string message) => Console.Error.WriteLine($"chaos: {message}");
}
