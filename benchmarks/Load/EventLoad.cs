using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json.Nodes;
using Actors.Dataset;
using Actors.Grains.Diagnostics;
using Actors.Grains.Hosting;
using Actors.Grains.Items;
using Actors.Grains.Model;
using Actors.Grains.Users;
using Actors.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Actors.Benchmarks.Load;

/// <summary>
/// Events per second on one silo: the Scientific training interactions published on the event stream, counted as
/// applied by the user grains (<c>actors.events.applied</c>, read with a <see cref="MeterListener"/>). The same events
/// applied by direct grain calls (no stream) and by the raw user-embedding update in-process break the figure down.
/// </summary>
internal static class EventLoad
{
    /// <param name="EventsPerSecond">The stream's rate, events applied per second.</param>
    /// <param name="CpuVsRawTower">CPU per event on the stream path ÷ the raw user-embedding update of the same events.</param>
    /// <param name="DelayP99Ms">Publish → embedding updated, p99, at half <paramref name="EventsPerSecond"/>.</param>
    /// <param name="Details">The breakdown for the page.</param>
    public sealed record Result(double EventsPerSecond, double CpuVsRawTower, double DelayP99Ms, JsonObject Details);

    public static async Task<Result> MeasureAsync(
        LoadSettings settings, BenchCluster cluster, UniSRecDataset dataset, float[][] contents, string encoderVersion, string? modelPath)
    {
        var importSeconds = await Stats.TimeConcurrentAsync(dataset.Items.Count, 128, async i =>
            await cluster.Client.GetGrain<IItemMaintenance>(dataset.Items[i].Id).ImportAsync(dataset.Items[i].Text, contents[i], encoderVersion));

        var baseEvents = CatalogImporter.TrainingEvents(dataset, DateTimeOffset.UtcNow);
        var events = new List<InteractionEvent>(baseEvents.Count * settings.EventReplays);
        for (var r = 0; r < settings.EventReplays; r++)
        {
            var suffix = r == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"~{r}");
            events.AddRange(baseEvents.Select(e => e with { EventId = e.EventId + suffix, UserId = e.UserId + suffix }));
        }
        var firstOfUser = events.GroupBy(e => e.UserId).Select(g => g.First()).ToList();
        var firstIds = firstOfUser.Select(e => e.EventId).ToHashSet(StringComparer.Ordinal);
        var rest = events.Where(e => !firstIds.Contains(e.EventId)).ToList();

        // Applied events, and the ones the user grains dropped (a wait that times out says which).
        long applied = 0, dropped = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ActorsInstruments.MeterName
                && instrument.Name is "actors.events.applied" or "actors.events.duplicates" or "actors.events.conflicts" or "actors.events.rejected")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "actors.events.applied")
            {
                Interlocked.Add(ref applied, value);
            }
            else
            {
                Interlocked.Add(ref dropped, value);
            }
        });
        listener.Start();

        // The freshness phase records every applied event's delay (its timestamp is its publish time there).
        var delays = new List<double>();
        var recordDelays = false;
        using var delayListener = new MeterListener();
        delayListener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ActorsInstruments.MeterName && instrument.Name == "actors.events.delay")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        delayListener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            if (Volatile.Read(ref recordDelays))
            {
                lock (delays)
                {
                    delays.Add(value);
                }
            }
        });
        delayListener.Start();

        var publisher = new EventPublisher(cluster.Client) { MaxParallelUsers = 1024 };
        // Warm-up, not counted: the whole event set once under other user ids, so the measured phase runs optimised
        // (tier-1 JIT) code, then one event per measured user, which activates its grain and stream subscription.
        async Task WarmUpAsync(List<InteractionEvent> warmup)
        {
            var before = Interlocked.Read(ref applied);
            var droppedBefore = Interlocked.Read(ref dropped);
            await publisher.PublishAsync(warmup);
            try
            {
                await Stats.WaitUntilAsync(
                    () => Interlocked.Read(ref applied) - before >= warmup.Count,
                    TimeSpan.FromMinutes(2),
                    () => $"{warmup.Count} warm-up events to be applied ({Interlocked.Read(ref applied) - before} applied, {Interlocked.Read(ref dropped) - droppedBefore} dropped)");
            }
            catch (TimeoutException)
            {
                await LogShortHistoriesAsync(cluster, warmup);
                throw;
            }
        }

        var warmStart = Stopwatch.GetTimestamp();
        var jitWarmup = baseEvents.Select(e => e with { EventId = e.EventId + "~warm", UserId = e.UserId + "~warm" }).ToList();
        await WarmUpAsync(jitWarmup);
        await WarmUpAsync(firstOfUser);
        var warmSeconds = Stopwatch.GetElapsedTime(warmStart).TotalSeconds;

        LoadHarness.Log($"events: warm after {warmSeconds:F1} s; measuring {rest.Count:N0} events");
        var before = Interlocked.Read(ref applied);
        var cpu = CpuWindow.Start();
        var started = Stopwatch.GetTimestamp();
        await publisher.PublishAsync(rest);
        var publishSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await Stats.WaitUntilAsync(() => Interlocked.Read(ref applied) - before >= rest.Count, TimeSpan.FromMinutes(10), $"{rest.Count} events to be applied");
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var streamCpu = cpu.Stop();
        var rate = rest.Count / seconds;
        LoadHarness.Log($"events: {rest.Count:N0} applied in {seconds:F1} s = {rate:F0}/s (publishing took {publishSeconds:F1} s)");

        // The same path without the stream: one event per grain call, users in parallel, each user's events in order.
        var direct = baseEvents.Take(Math.Min(baseEvents.Count, 20_000)).Select(e => e with { EventId = e.EventId + "~direct", UserId = e.UserId + "~direct" })
            .GroupBy(e => e.UserId).Select(g => g.ToArray()).ToArray();
        var directCount = direct.Sum(d => d.Length);
        var directSeconds = await Stats.TimeConcurrentAsync(direct.Length, 256, async u =>
        {
            var grain = cluster.Client.GetGrain<IUserMaintenance>(direct[u][0].UserId);
            foreach (var evt in direct[u])
            {
                await grain.ApplyAsync([evt]);
            }
        });

        // Freshness at half the maximum rate of single events: single events of the warm users, paced every 10 ms, each
        // stamped when it is published (one stream message each, as POST /events sends a one-event body); the delay to its
        // embedding update is what the user grain records.
        // Its maximum first: the same traffic (one event per message, one message per user at a time) as fast as it goes.
        var singleRate = await SingleEventRateAsync(cluster, rest, () => Interlocked.Read(ref applied));
        LoadHarness.Log($"events one per message: {singleRate:F0}/s at most");
        var pacedWindow = CpuWindow.Start();
        var pausedBefore = GC.GetTotalPauseDuration();
        using var gc = new GcWatch();
        var paced = await PacedDelaysAsync(cluster, rest, singleRate / 2, settings.Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(15),
            () => Interlocked.Read(ref applied), on => Volatile.Write(ref recordDelays, on));
        double[] delaySample;
        lock (delays)
        {
            delaySample = [.. delays];
        }
        var delayP99 = Stats.Percentile(delaySample, 99);
        var (_, pacedCollections) = pacedWindow.Stop();
        var pacedPause = (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds;
        var lastPause = GC.GetGCMemoryInfo(GCKind.Any).PauseDurations.ToArray().Max().TotalMilliseconds;
        gc.Dispose();
        var ephemeral = GC.GetGCMemoryInfo(GCKind.Ephemeral);
        var collectionsMs = gc.CollectionsMs;
        LoadHarness.Log($"events at half rate ({singleRate / 2:F0}/s): {paced} applied, delay p50 {Stats.Median(delaySample):F1} ms, p90 {Stats.Percentile(delaySample, 90):F1} ms, p99 {delayP99:F1} ms, max {delaySample.Max():F1} ms; collections {pacedCollections}, GC pauses {pacedPause:F0} ms in all, the last {lastPause:F1} ms, the longest collection {(collectionsMs.Length == 0 ? 0 : collectionsMs.Max()):F1} ms, the longest pause {gc.LongestPause()}, pauses {gc.PausesByGeneration()}, marking {gc.MarkByRoot()}; {gc.AllocatedBytes / 1e3 / Math.Max(paced, 1):F1} KB allocated per event, most by {gc.TopAllocations(3)}; the last young collection promoted {ephemeral.PromotedBytes / 1e6:F1} MB of a {ephemeral.HeapSizeBytes / 1e9:F1} GB heap");

        // The raw library: the serving user embedding updated in-process for the same sequences.
        var serving = modelPath is null ? ServingModel.Content : ServingModel.Load(modelPath, RepositoryPaths.Root);
        var indexOf = dataset.Items.ToDictionary(i => i.Id, i => i.Index, StringComparer.Ordinal);
        var rawSeconds = Stats.Time(() =>
        {
            foreach (var user in direct)
            {
                var embedding = serving.CreateUserEmbedding(50);
                foreach (var evt in user)
                {
                    embedding.Append(evt.ItemId, contents[indexOf[evt.ItemId]]);
                }
            }
        });

        var cpuPerEvent = streamCpu.CpuSeconds * 1e6 / rest.Count;
        var rawPerUpdate = rawSeconds * 1e6 / directCount;
        var details = new JsonObject
        {
            ["events"] = rest.Count,
            ["users"] = firstOfUser.Count,
            ["warmup_events"] = jitWarmup.Count + firstOfUser.Count,
            ["warmup_seconds"] = Stats.Round(warmSeconds, 2),
            ["seconds"] = Stats.Round(seconds, 2),
            ["publish_seconds"] = Stats.Round(publishSeconds, 2),
            ["sample_items_imported_per_second"] = Stats.Round(dataset.Items.Count / importSeconds, 0),
            ["direct_apply_events"] = directCount,
            ["direct_apply_per_second"] = Stats.Round(directCount / directSeconds, 0),
            ["raw_embedding_updates_per_second"] = Stats.Round(directCount / rawSeconds, 0),
            // Where the time goes: CPU of the whole process (client, silo, GC) per event on the stream path, against the
            // raw update alone (one thread); cores × 10^6 / stream_cpu_us_per_event bounds the rate this machine can reach.
            ["stream_cpu_us_per_event"] = Stats.Round(cpuPerEvent, 1),
            ["raw_us_per_update"] = Stats.Round(rawPerUpdate, 1),
            ["stream_cpu_utilisation"] = Stats.Round(streamCpu.CpuSeconds / (seconds * Environment.ProcessorCount), 2),
            ["cpu_bound_events_per_second"] = Stats.Round(Environment.ProcessorCount * rest.Count / streamCpu.CpuSeconds, 0),
            ["stream_gc_collections_gen0_gen1_gen2"] = streamCpu.Collections,
            ["stream_provider"] = "memory streams (AddActorsInMemoryProviders defaults)",
            ["half_rate_events"] = paced,
            ["single_event_messages_per_second"] = Stats.Round(singleRate, 0),
            ["half_rate_events_per_second"] = Stats.Round(singleRate / 2, 0),
            ["half_rate_delay_p50_ms"] = Stats.Round(Stats.Median(delaySample)),
            ["half_rate_delay_p99_ms"] = Stats.Round(delayP99),
            ["half_rate_delay_p90_ms"] = Stats.Round(Stats.Percentile(delaySample, 90)),
            ["half_rate_delay_max_ms"] = Stats.Round(delaySample.Max()),
            ["half_rate_gc_collections_gen0_gen1_gen2"] = pacedCollections,
            ["half_rate_gc_pause_ms"] = Stats.Round(pacedPause, 1),
            ["half_rate_last_gc_pause_ms"] = Stats.Round(lastPause, 1),
            ["half_rate_longest_collection_ms"] = Stats.Round(collectionsMs.Length == 0 ? 0 : collectionsMs.Max(), 1),
            ["half_rate_longest_pause"] = gc.LongestPause(),
            ["half_rate_pauses_by_generation"] = gc.PausesByGeneration(),
            ["half_rate_mark_ms"] = Stats.Round(gc.MarkMs, 0),
            ["half_rate_mark_by_root"] = gc.MarkByRoot(),
            ["half_rate_mark_older_cards_share"] = Stats.Round(gc.OlderCardsShare, 2),
            ["half_rate_allocated_kb_per_event"] = Stats.Round(gc.AllocatedBytes / 1e3 / Math.Max(paced, 1), 1),
            ["half_rate_top_allocations"] = gc.TopAllocations(3),
            ["half_rate_last_young_gc_promoted_mb"] = Stats.Round(ephemeral.PromotedBytes / 1e6, 1),
            ["half_rate_heap_gb"] = Stats.Round(ephemeral.HeapSizeBytes / 1e9, 2),
        };
        return new Result(Stats.Round(rate, 0), Stats.Round(cpuPerEvent / rawPerUpdate, 2), Stats.Round(delayP99), details);
    }

    /// <summary>
    /// The most single-event messages per second the silo applies: one new event for each user of <paramref name="source"/>,
    /// each its own message, 256 in flight, timed until all are applied.
    /// </summary>
    private static async Task<double> SingleEventRateAsync(BenchCluster cluster, List<InteractionEvent> source, Func<long> applied)
    {
        var streams = cluster.Client.GetStreamProvider(StreamNames.Provider);
        var events = source.GroupBy(e => e.UserId).Select(g => g.First() with { EventId = g.First().EventId + "~single" }).ToArray();
        var before = applied();
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (evt, _) =>
            await streams.GetStream<InteractionEvent>(StreamId.Create(StreamNames.Interactions, evt.UserId)).OnNextAsync(evt with { Timestamp = DateTimeOffset.UtcNow }));
        await Stats.WaitUntilAsync(() => applied() - before >= events.Length, TimeSpan.FromMinutes(5), $"{events.Length} single events to be applied");
        return events.Length / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>The users whose history holds fewer of <paramref name="events"/> than were published for them (a stalled wait says whose).</summary>
    private static async Task LogShortHistoriesAsync(BenchCluster cluster, List<InteractionEvent> events)
    {
        var users = events.GroupBy(e => e.UserId).ToArray();
        var window = cluster.SiloServices(0).GetRequiredService<IOptions<UserOptions>>().Value.HistoryLength;
        var held = new int[users.Length];
        await Stats.TimeConcurrentAsync(users.Length, 64, async u =>
        {
            var history = await cluster.Client.GetGrain<IUserGrain>(users[u].Key).GetHistoryAsync();
            var ids = history.Select(h => h.EventId).ToHashSet(StringComparer.Ordinal);
            held[u] = users[u].Count(e => ids.Contains(e.EventId));
        });
        var shortOnes = Enumerable.Range(0, users.Length).Where(u => held[u] < Math.Min(users[u].Count(), window)).ToArray();
        LoadHarness.Log($"events: {shortOnes.Length} of {users.Length} users hold fewer events than were sent; the first: {string.Join(", ", shortOnes.Take(8).Select(u => string.Create(CultureInfo.InvariantCulture, $"{users[u].Key} {held[u]}/{users[u].Count()}")))}");
    }

    /// <summary>
    /// Publishes single events of <paramref name="source"/>'s users (new ids) at <paramref name="perSecond"/> for
    /// <paramref name="duration"/>, one tick of events every 10 ms, each stamped as it is sent, and waits until all are
    /// applied; <paramref name="record"/> brackets the phase. Returns the number of events.
    /// </summary>
    private static async Task<int> PacedDelaysAsync(
        BenchCluster cluster, List<InteractionEvent> source, double perSecond, TimeSpan duration, Func<long> applied, Action<bool> record)
    {
        var streams = cluster.Client.GetStreamProvider(StreamNames.Provider);
        var tick = TimeSpan.FromMilliseconds(10);
        var perTick = Math.Max(1, (int)Math.Round(perSecond * tick.TotalSeconds));
        var ticks = (int)(duration / tick);
        // One event per user per tick at most, so no user has two events in flight and each is its own message.
        var users = source.GroupBy(e => e.UserId).Select(g => g.First()).ToArray();
        var before = applied();
        var sends = new List<Task>(perTick * ticks);
        record(true);
        var started = Stopwatch.GetTimestamp();
        for (var t = 0; t < ticks; t++)
        {
            var due = tick * t - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }
            for (var j = 0; j < perTick; j++)
            {
                var n = (t * perTick) + j;
                var template = users[n % users.Length];
                var evt = template with { EventId = string.Create(CultureInfo.InvariantCulture, $"{template.EventId}~paced{n}"), Timestamp = DateTimeOffset.UtcNow };
                sends.Add(streams.GetStream<InteractionEvent>(StreamId.Create(StreamNames.Interactions, evt.UserId)).OnNextAsync(evt));
            }
        }
        await Task.WhenAll(sends);
        await Stats.WaitUntilAsync(() => applied() - before >= sends.Count, TimeSpan.FromMinutes(5), $"{sends.Count} paced events to be applied");
        record(false);
        return sends.Count;
    }
}

/// <summary>CPU time of this process and garbage collections over a window of the run.</summary>
internal readonly record struct CpuWindow(TimeSpan Cpu, int Gen0, int Gen1, int Gen2)
{
    public static CpuWindow Start() =>
        new(Process.GetCurrentProcess().TotalProcessorTime, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    public (double CpuSeconds, string Collections) Stop()
    {
        var now = Start();
        return ((now.Cpu - Cpu).TotalSeconds, string.Create(CultureInfo.InvariantCulture, $"{now.Gen0 - Gen0} / {now.Gen1 - Gen1} / {now.Gen2 - Gen2}"));
    }
}
