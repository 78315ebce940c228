using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Actors.Dataset;

namespace Actors.Chaos;

/// <summary>
/// Three silo processes on Azurite (production profile: table membership, blob state, queue streams, an API key, a short
/// history window). A steady load of events (some re-sent), item PUTs (new items, text changes) and recommendation
/// queries through the silos that are up; SIGKILL of one silo; SIGSTOP of another for longer than the membership takes
/// to declare it dead, then SIGCONT (it must leave the cluster); the load goes on throughout. Then every acknowledged
/// event is looked for exactly once and every acknowledged item is searched for by its own embedding; a burst of new
/// items; SIGKILL of the whole cluster, three new silos, and the same checks again, with histories and recommendations
/// compared with what they were (and, in the full run, a graceful stop and start too).
/// </summary>
internal sealed class ChaosRun(ChaosSettings settings, string siloDll, string datasetDirectory, string connectionString, string? pidFile) : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Streams__MessageVisibilityTimeout: a stream message taken by a silo that dies comes back after this.</summary>
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long an item may take to become retrievable after the faults: an upsert whose silo died between writing the
    /// item and indexing it is loaded by its shard after Index:ExpectTimeout (1 min by default), so the check waits
    /// that long and then some, and no longer than it has to once every item answers.
    /// </summary>
    private static readonly TimeSpan ItemPatience = TimeSpan.FromSeconds(90);

    private readonly string _apiKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
    private readonly string _runId = $"chaos{DateTime.UtcNow:HHmmss}{Random.Shared.Next(1000):D3}";
    private readonly string _logDirectory = Directory.CreateTempSubdirectory("actors-chaos-").FullName;
    private readonly List<SiloProcess> _silos = [];
    private readonly HttpClient _http = new() { Timeout = RequestTimeout };
    private string _clusterId = "";

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
        var pool = dataset.Items.Select(i => (i.Id, Text: ChaosLoad.Clip(i.Text))).Take(settings.Items + 2 * settings.NewItems).ToArray();
        var catalog = pool[..settings.Items];
        var newItems = pool[settings.Items..(settings.Items + settings.NewItems)];
        var burst = pool[(settings.Items + settings.NewItems)..];
        var users = Enumerable.Range(0, settings.Users).Select(u => $"{_runId}-user-{u}").ToArray();
        var load = new ChaosLoad(settings, _http, _runId, catalog, newItems, users);
        _clusterId = $"{_runId}-first";
        var restartOk = true;

        var clock = Stopwatch.StartNew();
        await StartSilosAsync(["first-silo-0", "first-silo-1", "first-silo-2"]);
        Log($"3 silos healthy after {clock.Elapsed.TotalSeconds:F1} s; importing {catalog.Length} items");
        var alive = _silos.ToList();
        await Parallel.ForEachAsync(catalog, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, _) =>
            await load.PutItemAsync(alive, item.Id, item.Text, new Random(item.Id.GetHashCode(StringComparison.Ordinal))));

        // Load; SIGSTOP one silo until the cluster declares it dead, SIGCONT, a new silo in its place; load; SIGKILL
        // another; load. The pause comes first: with two other silos up, two votes declare it dead within the probe
        // timeouts (alone, a silo must wait for the paused one's heartbeat entry to go stale, a minute or more).
        Log($"items in after {clock.Elapsed.TotalSeconds:F1} s; load {settings.LoadBeforePause.TotalSeconds:F0} s, SIGSTOP until declared dead, SIGCONT, a new silo, load {settings.LoadAfterResume.TotalSeconds:F0} s, SIGKILL, load {settings.LoadAfterKill.TotalSeconds:F0} s");
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, settings.Workers).Select(w => Task.Run(() => load.WorkAsync(w, alive, stop.Token))).Append(Task.Run(() => load.PollWindowsAsync(alive, stop.Token))).ToArray();
        await Task.Delay(settings.LoadBeforePause);

        var paused = _silos[2];
        Remove(alive, paused);
        var pauseTicks = Stopwatch.GetTimestamp();
        load.FaultAt(1, pauseTicks);
        await paused.PauseAsync();
        Log($"{clock.Elapsed.TotalSeconds:F1}s: SIGSTOP {paused.Name} (pid {paused.Pid}) with {load.Accepted} events accepted so far");
        var deadTicks = await WaitUntilDeclaredDeadAsync(paused, TimeSpan.FromSeconds(120));
        restartOk &= deadTicks != 0;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await paused.ResumeAsync();
        Log($"{clock.Elapsed.TotalSeconds:F1}s: SIGCONT {paused.Name}");
        var resumeTicks = Stopwatch.GetTimestamp();
        var left = await paused.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Log(left
            ? $"SIGCONT {paused.Name}: it left the cluster by ending its process (exit code {paused.ExitCode}) {Stopwatch.GetElapsedTime(resumeTicks).TotalSeconds:F1} s later"
            : $"SIGCONT {paused.Name}: still running 60 s later, though the cluster declared it dead");
        restartOk &= left;
        var replacement = await StartSilosAsync(["first-silo-3"]);
        lock (alive)
        {
            alive.AddRange(replacement);
        }
        Log($"{clock.Elapsed.TotalSeconds:F1}s: {replacement[0].Name} joined in its place");
        await Task.Delay(settings.LoadAfterResume);

        var killed = _silos[1];
        Remove(alive, killed);
        var killTicks = Stopwatch.GetTimestamp();
        load.FaultAt(2, killTicks);
        killed.Kill();
        Log($"{clock.Elapsed.TotalSeconds:F1}s: SIGKILL {killed.Name} (pid {killed.Pid}) with {load.Accepted} events accepted so far");
        await Task.Delay(settings.LoadAfterKill);
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        var pauseRecovery = deadTicks == 0 ? 0 : load.RecoverySeconds(1, deadTicks);
        var killRecovery = load.RecoverySeconds(2, killTicks);
        Log($"load stopped: {load.Sent} events sent, {load.Accepted} accepted, {load.Resent} re-sent, {load.ItemPuts} item PUTs acknowledged; answers full again {pauseRecovery:F1} s after the paused silo was declared dead ({load.RecoverySeconds(1, pauseTicks):F1} s after the SIGSTOP) and {killRecovery:F1} s after the SIGKILL");

        // A stream message the dead silos had taken becomes visible again after the visibility timeout: wait it out.
        var sinceKill = Stopwatch.GetElapsedTime(killTicks);
        if (sinceKill < Visibility + TimeSpan.FromSeconds(3))
        {
            await Task.Delay(Visibility + TimeSpan.FromSeconds(3) - sinceKill);
        }
        var survivor = alive[0];
        await using var probe = await ClusterProbe.ConnectAsync(connectionString, _clusterId, _runId);
        var histories = await load.VerifyEventsAsync(survivor, "after the faults");
        var itemsLost = (await load.CheckItemsAsync(probe, survivor, ItemPatience, "after the faults")).Keys.ToHashSet(StringComparer.Ordinal);

        // Quiet for a moment (transition counts are flushed every second), then the reference answers, then a burst of
        // new items acknowledged just before the whole cluster is SIGKILLed.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var sample = users.Where(u => histories[u].Length > 0).Take(25).ToArray();
        var recommendationsBefore = await RecommendationsAsync(survivor, sample, 10, new HashSet<string>());
        await Parallel.ForEachAsync(burst, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (item, _) =>
            await load.PutItemAsync([survivor], item.Id, item.Text, new Random(item.Id.GetHashCode(StringComparison.Ordinal))));
        Log($"{clock.Elapsed.TotalSeconds:F1}s: {burst.Length} new items acknowledged; SIGKILL of the whole cluster");
        await probe.DisposeAsync();
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }
        _silos.Clear();

        restartOk &= await RestartAndCompareAsync(load, "after the SIGKILL restart", histories, sample, recommendationsBefore, burst, itemsLost);
        if (settings.GracefulRestart)
        {
            histories = await load.HistoriesAsync(_silos[0]);
            recommendationsBefore = await RecommendationsAsync(_silos[0], sample, 10, new HashSet<string>());
            Log("stopping the cluster gracefully");
            foreach (var silo in _silos)
            {
                await silo.StopAsync(TimeSpan.FromSeconds(30));
                silo.Dispose();
            }
            _silos.Clear();
            restartOk &= await RestartAndCompareAsync(load, "after the graceful restart", histories, sample, recommendationsBefore, [], itemsLost);
        }

        Log($"done in {clock.Elapsed.TotalSeconds:F0} s");
        return new ChaosResult(load.Sent, load.Accepted, load.AppliedEvents, load.LostEvents, load.DuplicatedEvents, itemsLost.Count,
            Math.Max(pauseRecovery, killRecovery), restartOk);
    }

    /// <summary>
    /// Starts three new silos on the same storage and checks: every item retrievable, every history as it was, the
    /// recommendations as they were (items created since are left out of the comparison), every event once (with the
    /// evicted ones sent again). Adds the items that fail to <paramref name="itemsLost"/>; false when a comparison fails.
    /// </summary>
    private async Task<bool> RestartAndCompareAsync(ChaosLoad load, string when, Dictionary<string, string[]> histories, string[] sample,
        Dictionary<string, string[]> recommendationsBefore, (string Id, string Text)[] created, HashSet<string> itemsLost)
    {
        var watch = Stopwatch.StartNew();
        var graceful = when.Contains("graceful", StringComparison.Ordinal);
        var generation = graceful ? "third" : "second";
        if (!graceful)
        {
            // A new deployment of the same service (same ServiceId, storage and queues, a new ClusterId): under the old
            // ClusterId, new silos first wait for Orleans to expire the SIGKILLed silos' entries, a minute or more.
            // Silos that stopped gracefully left as dead, so the graceful restart keeps its ClusterId.
            _clusterId = $"{_runId}-{generation}";
        }
        await StartSilosAsync([$"{generation}-silo-0", $"{generation}-silo-1", $"{generation}-silo-2"]);
        Log($"{when}: 3 silos healthy after {watch.Elapsed.TotalSeconds:F1} s");
        var silo = _silos[2];
        await using (var probe = await ClusterProbe.ConnectAsync(connectionString, _clusterId, _runId))
        {
            itemsLost.UnionWith((await load.CheckItemsAsync(probe, silo, ItemPatience, when)).Keys);
        }
        var historiesAfter = await load.HistoriesAsync(silo);
        var changedHistories = histories.Keys.Where(u => !histories[u].SequenceEqual(historiesAfter[u])).ToArray();
        foreach (var user in changedHistories.Take(5))
        {
            Log($"{when}: history of {user} was [{string.Join(' ', histories[user])}], is [{string.Join(' ', historiesAfter[user])}]");
        }
        var createdIds = created.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var recommendationsAfter = await RecommendationsAsync(silo, sample, 10 + createdIds.Count, createdIds);
        var changed = sample.Where(u => !recommendationsBefore[u].SequenceEqual(recommendationsAfter[u])).ToArray();
        foreach (var user in changed.Take(3))
        {
            Log($"{when}: recommendations of {user} were [{string.Join(' ', recommendationsBefore[user])}], are [{string.Join(' ', recommendationsAfter[user])}]");
        }
        var changedRecommendations = changed.Length;
        Log($"{when}: {changedHistories.Length} of {histories.Count} histories and {changedRecommendations} of {sample.Length} recommendation lists differ");
        await load.VerifyEventsAsync(silo, when);
        return changedHistories.Length == 0 && changedRecommendations == 0 && sample.Length > 0;
    }

    /// <summary>Polls the membership table until <paramref name="silo"/> is declared dead; the time it was seen so, or 0 after <paramref name="timeout"/>.</summary>
    private async Task<long> WaitUntilDeclaredDeadAsync(SiloProcess silo, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (await ClusterProbe.StatusInTableAsync(connectionString, _clusterId, silo.SiloPort) == "Dead")
            {
                Log($"{silo.Name} declared dead {watch.Elapsed.TotalSeconds:F1} s after the SIGSTOP");
                return Stopwatch.GetTimestamp();
            }
            await Task.Delay(250);
        }
        Log($"{silo.Name} was not declared dead within {timeout.TotalSeconds:F0} s of the SIGSTOP");
        return 0;
    }

    /// <summary>Starts silos named <paramref name="names"/> in the current cluster and waits until each is healthy.</summary>
    private async Task<SiloProcess[]> StartSilosAsync(string[] names)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__AzureStorage"] = connectionString,
            ["Api__ApiKey"] = _apiKey,
            ["Orleans__ClusterId"] = _clusterId,
            ["Orleans__ServiceId"] = _runId,
            ["Storage__Container"] = _runId,
            ["Streams__MessageVisibilityTimeout"] = Visibility.ToString("c", CultureInfo.InvariantCulture),
            ["Catalog__ImportWhenEmpty"] = "false",
            ["Index__Shards"] = ChaosSettings.Shards.ToString(CultureInfo.InvariantCulture),
            ["Users__HistoryLength"] = settings.HistoryLength.ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Orleans.Runtime.Silo"] = "Warning",
        };
        var started = Array.ConvertAll(names, name => SiloProcess.Start(name, siloDll, _logDirectory, environment));
        _silos.AddRange(started);
        if (pidFile is not null)
        {
            await File.WriteAllLinesAsync(pidFile, _silos.Where(s => !s.HasExited).Select(s => s.Pid.ToString(CultureInfo.InvariantCulture)));
        }
        var watch = Stopwatch.StartNew();
        foreach (var silo in started)
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
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not listening or not answering yet.
                }
                if (watch.Elapsed > TimeSpan.FromSeconds(180))
                {
                    throw new TimeoutException($"{silo.Name} was not healthy within 180 s; see {_logDirectory}/{silo.Name}.log");
                }
                await Task.Delay(250);
            }
        }
        return started;
    }

    /// <summary>Each user's top <paramref name="k"/> item ids, without <paramref name="leaveOut"/>, at most 10.</summary>
    private async Task<Dictionary<string, string[]>> RecommendationsAsync(SiloProcess silo, string[] users, int k, HashSet<string> leaveOut)
    {
        var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            using var response = await ChaosLoad.SendWithRetryAsync(() => _http.GetAsync(new Uri(silo.BaseAddress, $"/users/{user}/recommendations?k={k}")));
            response.EnsureSuccessStatusCode();
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            result[user] = [.. answer.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).Where(id => !leaveOut.Contains(id)).Take(10)];
        }
        return result;
    }

    private static void Remove(List<SiloProcess> alive, SiloProcess silo)
    {
        lock (alive)
        {
            alive.Remove(silo);
        }
    }

    public void Dispose() => _http.Dispose();

    private static void Log(string message) => Console.Error.WriteLine($"chaos: {message}");
}
