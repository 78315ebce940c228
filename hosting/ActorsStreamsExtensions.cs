using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Actors.Hosting;

/// <summary>
/// The interaction event stream (<see cref="StreamNames.Provider"/>) as <c>Streams:Provider</c> chooses it, on silos
/// (consumers) and external clients (producers) alike, so both ends of the stream are always the same provider.
/// </summary>
public static class ActorsStreamsExtensions
{
    /// <summary>The event stream on a silo: <c>Streams:Provider</c> Memory or AzureQueue (<c>ConnectionStrings:AzureStorage</c>).</summary>
    public static ISiloBuilder AddActorsStreams(this ISiloBuilder builder, IConfiguration configuration) =>
        builder.AddActorsStreams(StreamsOptions.Read(configuration), configuration);

    /// <summary>The event stream on a silo as <paramref name="streams"/> says (a host that forces a provider passes its own).</summary>
    public static ISiloBuilder AddActorsStreams(this ISiloBuilder builder, StreamsOptions streams, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(configuration);
        switch (streams.Provider)
        {
            case EventStreamProvider.Memory:
                AddMemoryEventStream(builder, streams);
                break;
            case EventStreamProvider.AzureQueue:
                var connectionString = AzureStorageConnection.Require(configuration, "Streams:Provider=AzureQueue");
                builder.AddAzureQueueStreams(StreamNames.Provider, configurator =>
                {
                    configurator.ConfigureAzureQueue(options => options.Configure(o =>
                    {
                        o.QueueServiceClient = new QueueServiceClient(connectionString);
                        o.MessageVisibilityTimeout = streams.MessageVisibilityTimeout;
                    }));
                    // A user grain whose storage write fails throws from OnNextAsync. Past MaxEventDeliveryTime the pulling
                    // agent gives up on the message (OnErrorAsync, then the next one) and the queue cache releases it, which
                    // deletes it from the queue: an acknowledged event lost. Unset (the default) it retries without end,
                    // the backlog held in the queue; the cache never purges a message a cursor still points at.
                    configurator.ConfigurePullingAgent(options => options.Configure(o =>
                    {
                        o.MaxEventDeliveryTime = streams.MaxEventDeliveryTime ?? Timeout.InfiniteTimeSpan;
                        o.GetQueueMsgsTimerPeriod = streams.PollInterval;
                    }));
                });
                break;
            default:
                throw new InvalidOperationException($"Streams:Provider '{streams.Provider}' is not one of Memory, AzureQueue.");
        }
        return builder;
    }

    /// <summary>The event stream on an external cluster client (a producer), the provider the silos have.</summary>
    public static IClientBuilder AddActorsStreams(this IClientBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var streams = StreamsOptions.Read(configuration);
        switch (streams.Provider)
        {
            case EventStreamProvider.Memory:
                builder.AddMemoryStreams(StreamNames.Provider);
                break;
            case EventStreamProvider.AzureQueue:
                var connectionString = AzureStorageConnection.Require(configuration, "Streams:Provider=AzureQueue");
                builder.AddAzureQueueStreams(StreamNames.Provider, options => options.Configure(o => o.QueueServiceClient = new QueueServiceClient(connectionString)));
                break;
            default:
                throw new InvalidOperationException($"Streams:Provider '{streams.Provider}' is not one of Memory, AzureQueue.");
        }
        return builder;
    }

    /// <summary>
    /// The in-memory event stream. Its pulling agents keep delivered messages in a cache for rewinds the recommender never
    /// asks for; Orleans keeps them at least 5 minutes by default, which at 20,000 events/s is millions of objects held in
    /// the silo's heap. They go after 30 s here. This profile promises no more than RAM: a message still undelivered when
    /// it reaches <c>DataMaxAgeInCache</c> (a user grain whose storage keeps failing) is purged and lost, as is every
    /// message in the queues when the silo stops. The durable profile is Azure Queue.
    /// </summary>
    private static void AddMemoryEventStream(ISiloBuilder builder, StreamsOptions streams) =>
        builder.AddMemoryStreams(StreamNames.Provider, configurator =>
        {
            configurator.ConfigurePullingAgent(options => options.Configure(o => o.GetQueueMsgsTimerPeriod = streams.PollInterval));
            configurator.ConfigureCacheEviction(options => options.Configure(o =>
            {
                o.DataMinTimeInCache = TimeSpan.FromSeconds(30);
                o.DataMaxAgeInCache = TimeSpan.FromMinutes(1);
            }));
        });
}
