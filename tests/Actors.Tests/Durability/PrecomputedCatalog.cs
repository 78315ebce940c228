using Actors.Dataset;
using Actors.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Actors.Tests.Durability;

/// <summary>A catalog with its content embeddings computed once by a silo's encoder, for batch imports (again after a restart).</summary>
internal sealed record PrecomputedCatalog(IReadOnlyList<CatalogItem> Items, ReadOnlyMemory<float>[] Contents, string ModelVersion)
{
    /// <summary>Encodes <paramref name="items"/> with the encoder of the cluster's first silo.</summary>
    public static PrecomputedCatalog Encode(InProcessTestCluster cluster, IReadOnlyList<CatalogItem> items)
    {
        var encoder = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<Actors.Encoder.TextEncoder>();
        var contents = encoder.Encode([.. items.Select(c => c.Text)]);
        return new(items, Array.ConvertAll(contents, c => (ReadOnlyMemory<float>)c), encoder.ModelVersion);
    }

    /// <summary>The batch import of every item, <paramref name="batchSize"/> a batch.</summary>
    public Task<ItemImportResult> ImportAsync(IClusterClient client, int batchSize) =>
        new CatalogImporter(client) { BatchSize = batchSize }.ImportPrecomputedAsync(Items, Contents, ModelVersion);
}
