using Actors.Grains.Hosting;
using Actors.Hosting;
using Azure.Storage.Blobs;
using Orleans.Serialization.Codecs;

namespace Actors.Silo.Hosting;

/// <summary>
/// Grain storage, which only silos have: the grains' state (<see cref="StorageNames.Actors"/>) and the stream pub-sub
/// store (<see cref="StorageNames.PubSub"/>), both backed by the provider <c>Storage:Provider</c> names.
/// </summary>
public static class GrainStorageExtensions
{
    /// <summary>
    /// Grain storage as <c>Storage:Provider</c> chooses it: Memory or AzureBlob (<c>ConnectionStrings:AzureStorage</c>,
    /// container <c>Storage:Container</c>, the pub-sub store in the container of that name with "-pubsub" after it).
    /// </summary>
    public static ISiloBuilder AddActorsGrainStorage(this ISiloBuilder builder, IConfiguration configuration) =>
        builder.AddActorsGrainStorage(StorageOptions.Read(configuration), configuration);

    /// <summary>
    /// The embedded defaults whatever the configuration says: in-memory grain storage and the in-memory event stream
    /// (still tuned by <c>Streams:PollInterval</c>), for in-process clusters in tests and benchmarks.
    /// </summary>
    public static ISiloBuilder AddActorsInMemoryProviders(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var streams = StreamsOptions.Read(builder.Configuration);
        streams.Provider = EventStreamProvider.Memory;
        return builder
            .AddActorsGrainStorage(new StorageOptions { Provider = GrainStorageProvider.Memory }, builder.Configuration)
            .AddActorsStreams(streams, builder.Configuration);
    }

    private static ISiloBuilder AddActorsGrainStorage(this ISiloBuilder builder, StorageOptions storage, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        switch (storage.Provider)
        {
            case GrainStorageProvider.Memory:
                builder.AddMemoryGrainStorage(StorageNames.Actors);
                builder.AddMemoryGrainStorage(StorageNames.PubSub);
                // The memory provider keeps each record as serialized bytes in storage grains, sent as ReadOnlyMemory<byte>
                // in grain calls. Orleans resolves that type to its generic ReadOnlyMemory<T> codec, which writes the bytes
                // one field each; its own ReadOnlyMemoryOfByteCodec writes them as one block. Every silo registers it, so
                // every silo reads what another wrote.
                builder.Services.AddSingleton<IFieldCodec<ReadOnlyMemory<byte>>, ReadOnlyMemoryOfByteCodec>();
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
        return builder;
    }
}
