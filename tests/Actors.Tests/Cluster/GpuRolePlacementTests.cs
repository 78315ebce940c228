using Actors.Encoder;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Actors.Tests.Cluster;

/// <summary>
/// A heterogeneous cluster: the first silo declares the GPU role (CUDA requested, absent here, so it falls back to CPU
/// with one warning), the second is plain. Every text must be encoded on the GPU-role silo, reached transparently.
/// </summary>
public sealed class GpuRolePlacementTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;
    private string _gpuSiloName = "";

    public async Task InitializeAsync()
    {
        _cluster = await TestClusters.StartAsync(2, new Dictionary<string, string?> { ["Orleans:TrustExternalClients"] = "true" }, siloSettings: silo =>
        {
            // The first silo created gets the GPU role; configuration is the only difference between the two.
            var gpu = _gpuSiloName.Length == 0 || _gpuSiloName == silo.SiloName;
            if (gpu)
            {
                _gpuSiloName = silo.SiloName;
            }
            return new Dictionary<string, string?>
            {
                ["Encoder:GpuRole"] = gpu ? "true" : "false",
                ["Encoder:ExecutionProvider"] = gpu ? "Cuda" : "Cpu",
            };
        });
    }

    public Task DisposeAsync() => TestClusters.StopAsync(_cluster);

    private TextEncoder EncoderOf(InProcessSiloHandle silo) => _cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<TextEncoder>();

    private long EncodedOn(InProcessSiloHandle silo) => _cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<BatchingTextEncoder>().TextsEncoded;

    [Fact]
    public async Task Item_grains_on_every_silo_encode_on_the_gpu_role_silo_which_falls_back_to_cpu()
    {
        var gpu = _cluster.Silos.Single(s => s.Name == _gpuSiloName);
        var plain = _cluster.Silos.Single(s => s.Name != _gpuSiloName);
        var texts = UniSRecDatasetSample();

        // Item grains are placed at random, so both silos host some and call the encoder from there.
        await Parallel.ForEachAsync(texts, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, ct) =>
            await _cluster.Client.GetGrain<IItemGrain>(item.Id).UpsertAsync(item.Text, ct));

        Assert.Equal(texts.Count, EncodedOn(gpu));
        Assert.Equal(0, EncodedOn(plain));
        Assert.False(EncoderOf(gpu).IsUsingCuda);
        Assert.Equal(ExecutionProvider.Cpu, EncoderOf(gpu).ExecutionProvider);
        var similar = await _cluster.Client.GetGrain<IRetrievalGrain>(0).SimilarAsync(texts[0].Id, 3);
        Assert.Equal(3, similar!.Items.Length);
    }

    private static List<Actors.Dataset.CatalogItem> UniSRecDatasetSample() =>
        Actors.Dataset.UniSRecDataset.Load(RepositoryPaths.Scientific).Items.Skip(500).Take(40).ToList();
}
