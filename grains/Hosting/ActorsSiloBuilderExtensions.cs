using Actors.Encoder;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Actors.Grains.Encoding;
using Actors.Grains.Index;
using Actors.Grains.Items;
using Actors.Grains.Model;
using Actors.Grains.Placement;
using Actors.Grains.Popularity;
using Actors.Grains.Transitions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;

namespace Actors.Grains.Hosting;

/// <summary>Registers the recommender's grains and their services on a silo.</summary>
public static class ActorsSiloBuilderExtensions
{
    /// <summary>
    /// Adds options (bound from configuration sections), the shared ONNX encoder and its micro-batcher.
    /// Storage and streams are chosen by the host: see <see cref="AddActorsInMemoryProviders"/>.
    /// </summary>
    public static ISiloBuilder AddActors(this ISiloBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EncoderOptions>().BindConfiguration("Encoder").ValidateOnStart();
        services.AddOptions<IndexOptions>().BindConfiguration(IndexOptions.Section)
            .Validate(o => o.Shards is > 0 and <= 1024, "Index:Shards must be in 1..1024.")
            .Validate(o => o.HnswThreshold >= 0 && o.HnswConnectivity > 1 && o.HnswExpansionAdd > 0 && o.HnswExpansionSearch > 0 && o.HnswExpansionPerK > 0,
                "Index:HnswThreshold must not be negative; HnswConnectivity must exceed 1; the HNSW expansions must be positive.")
            .Validate(o => Enum.IsDefined(o.Quantization), "Index:Quantization must be F32, F16 or I8.")
            .Validate(o => o.JournalLimit > 0 && o.SnapshotRecordItems > 0 && o.SnapshotInterval > TimeSpan.Zero,
                "Index:JournalLimit, SnapshotRecordItems and SnapshotInterval must be positive.")
            .Validate(o => o.ExpectTimeout > TimeSpan.Zero && o.PendingInterval > TimeSpan.Zero, "Index:ExpectTimeout and PendingInterval must be positive.").ValidateOnStart();
        services.AddOptions<UserOptions>().BindConfiguration(UserOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UserOptions>, UserOptionsValidator>();
        services.AddOptions<PopularityOptions>().BindConfiguration(PopularityOptions.Section)
            .Validate(o => o.HalfLife > TimeSpan.Zero, "Popularity:HalfLife must be positive.")
            .Validate(o => o.Partitions is > 0 and <= 1024, "Popularity:Partitions must be in 1..1024.")
            .Validate(o => o.FlushInterval > TimeSpan.Zero && o.SnapshotInterval > TimeSpan.Zero, "Popularity:FlushInterval and SnapshotInterval must be positive.")
            .Validate(o => o.SnapshotSize is > 0 and <= 100_000, "Popularity:SnapshotSize must be in 1..100000.").ValidateOnStart();
        services.AddOptions<RetrievalOptions>().BindConfiguration(RetrievalOptions.Section)
            .Validate(o => o.ShardDeadline > TimeSpan.Zero, "Retrieval:ShardDeadline must be positive.").ValidateOnStart();
        services.AddOptions<TransitionOptions>().BindConfiguration(TransitionOptions.Section)
            .Validate(o => o.Shards is > 0 and <= 1024, "Transitions:Shards must be in 1..1024.")
            .Validate(o => o.MaxSuccessorsPerItem > 0, "Transitions:MaxSuccessorsPerItem must be positive.")
            .Validate(o => o.FlushInterval > TimeSpan.Zero && o.SiloFlushInterval > TimeSpan.Zero, "Transitions:FlushInterval and SiloFlushInterval must be positive.").ValidateOnStart();
        services.AddOptions<ItemOptions>().BindConfiguration(ItemOptions.Section)
            .Validate(o => o.MaxTextLength > 0, "Items:MaxTextLength must be positive.")
            .Validate(o => o.ContentCacheSize >= 0 && o.ContentCacheTtl >= TimeSpan.Zero, "Items:ContentCacheSize and ContentCacheTtl must not be negative.").ValidateOnStart();

        // Maintenance methods are the cluster's own: an external client's call to one is refused (see the README's network boundary).
        services.AddOptions<ClusterAccessOptions>().BindConfiguration(ClusterAccessOptions.Section);
        builder.AddIncomingGrainCallFilter<ClusterInternalCallFilter>();

        // Grain state in Orleans' own binary format (version tolerant through the [Id] members of the state classes)
        // instead of the default Newtonsoft JSON, which was the largest CPU cost of applying an event (profiled with
        // dotnet-trace on the load harness) and triples the size of shard snapshots.
        services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();

        // The index: shards spread one per silo, each silo's shards searched in one local call by its search grain.
        services.AddSingleton<SiloShardRegistry>();
        builder.AddPlacementDirector<SpreadPlacement, SpreadPlacementDirector>();
        builder.AddPlacementDirector<SiloKeyedPlacement, SiloKeyedPlacementDirector>();

        services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.Section);
        services.AddSingleton(sp => ServingModel.Load(sp.GetRequiredService<IOptions<ModelOptions>>().Value.Path, AppContext.BaseDirectory));

        // Heterogeneous silos by configuration: only GPU-role silos host the GPU encoder grain class.
        services.AddOptions<EncodingRoleOptions>().BindConfiguration("Encoder")
            .Validate(o => o.GpuWorkers > 0, "Encoder:GpuWorkers must be positive.").ValidateOnStart();
        services.AddOptions<GrainTypeOptions>().PostConfigure<IOptions<EncodingRoleOptions>>((types, role) =>
        {
            if (!role.Value.GpuRole)
            {
                types.Classes.Remove(typeof(GpuEncoderGrain));
            }
        });
        services.AddSingleton<EncoderRouter>();

        // Per-silo aggregation in front of grains every event would otherwise call.
        services.AddSingleton<ItemContentCache>();
        services.AddSingleton<SiloPopularity>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloPopularity>());
        services.AddSingleton<SiloTransitions>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloTransitions>());

        // One ONNX session per silo, shared by every encoder grain activation through one micro-batcher.
        services.AddSingleton(sp => new TextEncoder(
            sp.GetRequiredService<IOptions<EncoderOptions>>().Value,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<TextEncoder>>()));
        services.AddSingleton(sp => new BatchingTextEncoder(
            sp.GetRequiredService<TextEncoder>(),
            sp.GetRequiredService<IOptions<EncoderOptions>>().Value));
        return builder;
    }

    /// <summary>
    /// Grain storage and the event stream as configuration chooses them: <c>Storage:Provider</c> (Memory or AzureBlob,
    /// which also backs the stream pub-sub store) and <c>Streams:Provider</c> (Memory or AzureQueue). Every Azure
    /// provider uses the one connection string <c>ConnectionStrings:AzureStorage</c>.
    /// </summary>
    public static ISiloBuilder AddActorsProviders(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var streams = configuration.GetSection(StreamsOptions.Section).Get<StreamsOptions>() ?? new StreamsOptions();

        switch (storage.Provider)
        {
            case GrainStorageProvider.Memory:
                builder.AddMemoryGrainStorage(StorageNames.Actors);
                builder.AddMemoryGrainStorage(StorageNames.PubSub);
                break;
            case GrainStorageProvider.AzureBlob:
                var connectionString = AzureStorageConnection.Require(configuration, "Storage:Provider=AzureBlob");
                foreach (var name in new[] { StorageNames.Actors, StorageNames.PubSub })
                {
                    builder.AddAzureBlobGrainStorage(name, options =>
                    {
                        options.BlobServiceClient = new BlobServiceClient(connectionString);
                        options.ContainerName = name == StorageNames.Actors ? storage.Container : storage.Container + "-pubsub";
                    });
                }
                break;
            default:
                throw new InvalidOperationException($"Storage:Provider '{storage.Provider}' is not one of Memory, AzureBlob.");
        }

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

    /// <summary>The event stream on an external cluster client (a producer), as <see cref="AddActorsProviders"/> chooses it.</summary>
    public static IClientBuilder AddActorsStreams(this IClientBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var streams = configuration.GetSection(StreamsOptions.Section).Get<StreamsOptions>() ?? new StreamsOptions();
        if (streams.Provider == EventStreamProvider.AzureQueue)
        {
            var connectionString = AzureStorageConnection.Require(configuration, "Streams:Provider=AzureQueue");
            builder.AddAzureQueueStreams(StreamNames.Provider, options => options.Configure(o => o.QueueServiceClient = new QueueServiceClient(connectionString)));
        }
        else
        {
            builder.AddMemoryStreams(StreamNames.Provider);
        }
        return builder;
    }

    /// <summary>The embedded defaults: in-memory grain storage and in-memory streams.</summary>
    public static ISiloBuilder AddActorsInMemoryProviders(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var streams = builder.Configuration.GetSection(StreamsOptions.Section).Get<StreamsOptions>() ?? new StreamsOptions();
        builder.AddMemoryGrainStorage(StorageNames.Actors);
        builder.AddMemoryGrainStorage(StorageNames.PubSub);
        AddMemoryEventStream(builder, streams);
        return builder;
    }

    /// <summary>
    /// The in-memory event stream. Its pulling agents keep delivered messages in a cache for rewinds the recommender never
    /// asks for; Orleans keeps them at least 5 minutes by default, which at 20,000 events/s is millions of objects held in
    /// the silo's heap. They go after 30 s here. This profile promises no more than RAM: a message still undelivered when
    /// it reaches <c>DataMaxAgeInCache</c> (a user grain whose storage keeps failing) is purged and lost, as is every
    /// message in the queues when the silo stops. The durable profile is <see cref="AddActorsProviders"/> with Azure Queue.
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
