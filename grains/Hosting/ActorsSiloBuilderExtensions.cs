using Actors.Encoder;
using Actors.Grains.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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
            .Validate(o => o.Shards is > 0 and <= 1024, "Index:Shards must be in 1..1024.").ValidateOnStart();
        services.AddOptions<UserOptions>().BindConfiguration(UserOptions.Section)
            .Validate(o => o.HistoryLength is > 0 and <= 10_000, "Users:HistoryLength must be in 1..10000.")
            .Validate(o => o.RememberedEventIds >= 0, "Users:RememberedEventIds must not be negative.").ValidateOnStart();
        services.AddOptions<PopularityOptions>().BindConfiguration(PopularityOptions.Section)
            .Validate(o => o.HalfLife > TimeSpan.Zero, "Popularity:HalfLife must be positive.").ValidateOnStart();
        services.AddOptions<ItemOptions>().BindConfiguration(ItemOptions.Section)
            .Validate(o => o.MaxTextLength > 0, "Items:MaxTextLength must be positive.").ValidateOnStart();

        services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.Section);
        services.AddSingleton(sp => ServingModel.Load(sp.GetRequiredService<IOptions<ModelOptions>>().Value.Path, AppContext.BaseDirectory));

        // One ONNX session per silo, shared by every encoder grain activation through one micro-batcher.
        services.AddSingleton(sp => new TextEncoder(
            sp.GetRequiredService<IOptions<EncoderOptions>>().Value,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<TextEncoder>>()));
        services.AddSingleton(sp => new BatchingTextEncoder(
            sp.GetRequiredService<TextEncoder>(),
            sp.GetRequiredService<IOptions<EncoderOptions>>().Value));
        return builder;
    }

    /// <summary>The embedded defaults: in-memory grain storage and in-memory streams.</summary>
    public static ISiloBuilder AddActorsInMemoryProviders(this ISiloBuilder builder)
    {
        builder.AddMemoryGrainStorage(StorageNames.Actors);
        builder.AddMemoryGrainStorage(StorageNames.PubSub);
        builder.AddMemoryStreams(StreamNames.Provider);
        return builder;
    }
}
