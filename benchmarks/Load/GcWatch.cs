using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Actors.Benchmarks.Load;

/// <summary>
/// What the garbage collector did while a phase ran, from the runtime's own events in this process: the time of each
/// collection (GCStart to GCEnd, suspension excluded) and the allocations, sampled by type every 100 KB
/// (GCAllocationTick), and how long each collection's mark phase spent on each kind of root (GCMarkWithType: the
/// runtime fires one as each kind is done, so its time is the gap since the last one of that heap, or since GCStart).
/// The freshness tail is collections; this says how long they were, what fed them and what their marking walked.
/// </summary>
internal sealed class GcWatch : EventListener
{
    private const int GcStart = 1, GcEnd = 2, RestartEnd = 3, SuspendBegin = 9, AllocationTick = 10, MarkWithType = 202;

    /// <summary>The runtime's root kinds of GCMarkWithType (ClrEtwAll.man, GCRootKind).</summary>
    private static readonly string[] RootKinds =
        ["stack", "finalization queue", "handles", "older generations' cards", "sized refs", "overflow", "dependent handles", "new finalization queue", "steal", "background"];

    /// <summary>The root kind of marking through the cards of older generations: objects the program wrote young references into.</summary>
    private const int OlderKind = 3;
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _allocated = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<double> _collections = new();
    private readonly ConcurrentQueue<(int Generation, string Kind, double PauseMs)> _pauses = new();
    private readonly ConcurrentDictionary<int, double> _markMs = new();
    private readonly Dictionary<int, long> _lastMarkTicks = [];
    private long _startedTicks;
    private long _suspendedTicks;
    private int _generation = -1;
    private string _kind = "?";

    /// <summary>Bytes allocated during the phase (the sum of the sampled ticks: exact to 100 KB per type).</summary>
    public long AllocatedBytes => _allocated.Values.Sum();

    /// <summary>The collections' durations in milliseconds, suspension excluded.</summary>
    public double[] CollectionsMs => [.. _collections];

    /// <summary>
    /// The longest pause (execution suspended to resumed), as "N ms (genG kind)" with the generation and kind (blocking,
    /// background, foreground) of the collection that last started before it ended; "none" without a pause.
    /// </summary>
    public string LongestPause()
    {
        if (_pauses.IsEmpty)
        {
            return "none";
        }
        var longest = _pauses.MaxBy(p => p.PauseMs);
        return string.Create(CultureInfo.InvariantCulture, $"{longest.PauseMs:F1} ms (gen{longest.Generation} {longest.Kind})");
    }

    /// <summary>The pauses summed per generation, as "gen0 N ms / gen1 N ms / gen2 N ms".</summary>
    public string PausesByGeneration() => string.Join(" / ", Enumerable.Range(0, 3).Select(g =>
        string.Create(CultureInfo.InvariantCulture, $"gen{g} {_pauses.Where(p => p.Generation == g).Sum(p => p.PauseMs):F0} ms")));

    /// <summary>Milliseconds of marking summed over the phase's collections and heaps.</summary>
    public double MarkMs => _markMs.Values.Sum();

    /// <summary>The share of <see cref="MarkMs"/> spent marking through the cards of older generations (0 without marking).</summary>
    public double OlderCardsShare => MarkMs > 0 ? _markMs.GetValueOrDefault(OlderKind) / MarkMs : 0;

    /// <summary>
    /// The mark time per root kind, largest first, as "kind N ms, …" (summed over the phase's collections and heaps; kinds
    /// under half a millisecond left out).
    /// </summary>
    public string MarkByRoot() => _markMs.IsEmpty ? "none" : string.Join(", ", _markMs.Where(m => m.Value >= 0.5).OrderByDescending(m => m.Value)
        .Select(m => string.Create(CultureInfo.InvariantCulture, $"{(m.Key >= 0 && m.Key < RootKinds.Length ? RootKinds[m.Key] : $"kind {m.Key}")} {m.Value:F0} ms")));

    /// <summary>The <paramref name="count"/> types that were allocated the most, with their megabytes.</summary>
    public string TopAllocations(int count) => string.Join(", ", _allocated.OrderByDescending(a => a.Value).Take(count)
        .Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Key} {a.Value / 1e6:F0} MB")));

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        switch (eventData.EventId)
        {
            case GcStart:
                _startedTicks = eventData.TimeStamp.Ticks;
                _generation = Convert.ToInt32(Payload(eventData, "Depth"), CultureInfo.InvariantCulture);
                _kind = Convert.ToInt32(Payload(eventData, "Type"), CultureInfo.InvariantCulture) switch { 0 => "blocking", 1 => "background", 2 => "foreground", _ => "?" };
                _lastMarkTicks.Clear();
                break;
            case MarkWithType when _startedTicks != 0:
                var heap = Convert.ToInt32(Payload(eventData, "HeapNum"), CultureInfo.InvariantCulture);
                var root = Convert.ToInt32(Payload(eventData, "Type"), CultureInfo.InvariantCulture);
                var since = _lastMarkTicks.TryGetValue(heap, out var last) ? last : _startedTicks;
                var markMs = (eventData.TimeStamp.Ticks - since) / (double)TimeSpan.TicksPerMillisecond;
                _markMs.AddOrUpdate(root, markMs, (_, sum) => sum + markMs);
                _lastMarkTicks[heap] = eventData.TimeStamp.Ticks;
                break;
            case SuspendBegin:
                _suspendedTicks = eventData.TimeStamp.Ticks;
                break;
            case RestartEnd when _suspendedTicks != 0:
                _pauses.Enqueue((_generation, _kind, (eventData.TimeStamp.Ticks - _suspendedTicks) / (double)TimeSpan.TicksPerMillisecond));
                _suspendedTicks = 0;
                break;
            case GcEnd when _startedTicks != 0:
                _collections.Enqueue((eventData.TimeStamp.Ticks - _startedTicks) / (double)TimeSpan.TicksPerMillisecond);
                break;
            case AllocationTick when eventData.PayloadNames is { } names:
                var type = names.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload![t] as string ?? "?" : "?";
                var amount = Convert.ToInt64(eventData.Payload![names.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
                _allocated.AddOrUpdate(type, amount, (_, sum) => sum + amount);
                break;
        }
    }

    private static object? Payload(EventWrittenEventArgs eventData, string name) =>
        eventData.PayloadNames is { } names && names.IndexOf(name) is var i and >= 0 ? eventData.Payload![i] : null;
}
