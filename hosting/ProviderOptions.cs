using Microsoft.Extensions.Configuration;

namespace Actors.Hosting;

/// <summary>What backs grain state.</summary>
public enum GrainStorageProvider
{
    /// <summary>In the silo's memory: lost when the silo stops (the embedded default).</summary>
    Memory,

    /// <summary>Azure Blob storage: one blob per grain, no 1 MiB entity limit (histories and shard snapshots can exceed it).</summary>
    AzureBlob,
}

/// <summary>What carries the event stream.</summary>
public enum EventStreamProvider
{
    /// <summary>In the silo's memory: events in flight are lost when a silo stops (the embedded default).</summary>
    Memory,

    /// <summary>Azure Queue storage: durable, delivered at least once; user grains apply each event id once.</summary>
    AzureQueue,
}

/// <summary>Grain storage (section <c>Storage</c>).</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>The provider of grain state and of the stream pub-sub store. Default <see cref="GrainStorageProvider.Memory"/>.</summary>
    public GrainStorageProvider Provider { get; set; } = GrainStorageProvider.Memory;

    /// <summary>The blob container grain state is kept in (Azure naming: 3–63 lowercase letters, digits and hyphens). Default "actors-grains".</summary>
    public string Container { get; set; } = "actors-grains";

    /// <summary>The section as configured, the defaults above where a key is missing.</summary>
    public static StorageOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(Section).Get<StorageOptions>() ?? new StorageOptions();
    }
}

/// <summary>The event stream (section <c>Streams</c>).</summary>
public sealed class StreamsOptions
{
    public const string Section = "Streams";

    /// <summary>The provider of the interaction event stream. Default <see cref="EventStreamProvider.Memory"/>.</summary>
    public EventStreamProvider Provider { get; set; } = EventStreamProvider.Memory;

    /// <summary>
    /// How long a dequeued Azure Queue message stays invisible before it is delivered again (to another silo when the
    /// one that took it died). Default 30 s.
    /// </summary>
    public TimeSpan MessageVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Azure Queue streams only: the longest time the stream retries delivering one message to a user grain that keeps
    /// failing (its storage down) before it gives up on it, and the message is deleted from the queue unapplied. Default
    /// none: retried until it is applied, however long storage is down, so that an acknowledged event is never dropped
    /// (the user's later events wait behind it, in the queue). Set it only to trade events for liveness.
    /// </summary>
    public TimeSpan? MaxEventDeliveryTime { get; set; }

    /// <summary>
    /// How long a pulling agent waits to look at its queue again after finding it empty (a busy queue is read without
    /// waiting): the most an event waits on a quiet stream before delivery starts. Orleans' default is 100 ms; 20 ms
    /// keeps POST /events → embedding under 50 ms at p99, at the price of 50 empty reads per second per queue
    /// (Azure Queue transactions when the stream is on Azure). Default 20 ms.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The section as configured, the defaults above where a key is missing.</summary>
    public static StreamsOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(Section).Get<StreamsOptions>() ?? new StreamsOptions();
    }
}
