using Actors.Grains.Encoding;
using Actors.Grains.Events;
using Actors.Grains.Experiments;
using Actors.Grains.Index;
using Actors.Grains.Items;
using Actors.Grains.Model;
using Actors.Grains.Models;
using Actors.Grains.Placement;
using Actors.Grains.Popularity;
using Actors.Grains.Transitions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;

namespace Actors.Grains.Hosting;

/// <summary>Registers the recommender's grains and their services on a silo.</summary>
public static class ActorsSiloBuilderExtensions
{
    /// <summary>
    /// Adds options (bound from configuration sections and validated at start-up), placement, the call filter, the
    /// per-silo services and the shared ONNX encoder with its micro-batcher. Clustering, streams and grain storage are
    /// the host's: see the silo's <c>UseActorsCluster</c> (Actors.Hosting) and <c>AddActorsGrainStorage</c>.
    /// </summary>
    public static ISiloBuilder AddActors(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        // One ONNX session per silo, shared by every encoder grain activation through one micro-batcher; the Encoder
        // section is validated at start-up, so a bad value stops the silo, not the first item activation.
        services.AddTextEncoder();
        services.AddOptions<IndexOptions>().BindConfiguration(IndexOptions.Section)
            .Validate(o => o.Shards is > 0 and <= 1024, "Index:Shards must be in 1..1024.")
            .Validate(o => o.FilterExactLimit >= 0, "Index:FilterExactLimit must not be negative.")
            .Validate(o => o.HnswThreshold >= 0 && o.HnswConnectivity > 1 && o.HnswExpansionAdd > 0 && o.HnswExpansionSearch > 0 && o.HnswExpansionPerK > 0,
                "Index:HnswThreshold must not be negative; HnswConnectivity must exceed 1; the HNSW expansions must be positive.")
            .Validate(o => Enum.IsDefined(o.Quantization), "Index:Quantization must be F32, F16 or I8.")
            .Validate(o => o.JournalLimit > 0 && o.SnapshotRecordItems > 0 && o.SnapshotInterval > TimeSpan.Zero,
                "Index:JournalLimit, SnapshotRecordItems and SnapshotInterval must be positive.")
            .Validate(o => o.ExpectTimeout > TimeSpan.Zero && o.PendingInterval > TimeSpan.Zero, "Index:ExpectTimeout and PendingInterval must be positive.").ValidateOnStart();
        services.AddOptions<UserOptions>().BindConfiguration(UserOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UserOptions>, UserOptionsValidator>();
        // Event types (Events:Types, Events:DefaultType): weights and whether a type enters the history and the embedding.
        services.AddEventTypes();
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

        services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.Section)
            .Validate(o => o.RoutingRefresh > TimeSpan.Zero && o.BuildPoll > TimeSpan.Zero && o.BuildDelay >= TimeSpan.Zero,
                "Model:RoutingRefresh and BuildPoll must be positive; Model:BuildDelay must not be negative.").ValidateOnStart();
        services.AddSingleton(sp => ServingModel.Load(sp.GetRequiredService<IOptions<ModelOptions>>().Value.Path, AppContext.BaseDirectory));
        // The registry's routing and every served version's model, per silo.
        services.AddSingleton<ServedModels>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ServedModels>());
        services.AddOptions<ExperimentOptions>().BindConfiguration(ExperimentOptions.Section)
            .Validate(o => o.HitWindow > TimeSpan.Zero && o.FlushInterval > TimeSpan.Zero && o.SaveInterval > TimeSpan.Zero,
                "Experiments:HitWindow, FlushInterval and SaveInterval must be positive.").ValidateOnStart();
        services.AddSingleton<SiloExperimentMetrics>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloExperimentMetrics>());

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

        return builder;
    }
}
