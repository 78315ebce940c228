using Actors.VectorIndex;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Encoding;

/// <summary>Where encoding runs (section <c>Encoder</c>, beside the encoder's own options).</summary>
public sealed class EncodingRoleOptions
{
    /// <summary>
    /// This silo has a GPU for the encoder: it hosts the GPU encoder grains, and every silo's item grains send their
    /// texts to them. Set with <c>Encoder:ExecutionProvider = Cuda</c> (and <c>DeviceId</c>, <c>MaxBatchSize</c>). Default false.
    /// </summary>
    public bool GpuRole { get; set; }

    /// <summary>GPU encoder grains the cluster spreads texts over (by item id), placed on GPU-role silos. Default 4.</summary>
    public int GpuWorkers { get; set; } = 4;
}

/// <summary>
/// Sends a text to a GPU-role silo's encoder when the cluster has one, else to the local stateless-worker encoder:
/// heterogeneous clusters are a matter of configuration. The cluster manifest says which silos host the GPU grain.
/// </summary>
public sealed class EncoderRouter(IClusterManifestProvider manifests, IOptions<EncodingRoleOptions> options)
{
    private static readonly GrainType GpuEncoderType = GrainType.Create(GpuEncoderGrain.GrainTypeName);

    /// <summary>True when some active silo hosts the GPU encoder grain.</summary>
    public bool HasGpuSilo
    {
        get
        {
            foreach (var manifest in manifests.Current.Silos.Values)
            {
                if (manifest.Grains.ContainsKey(GpuEncoderType))
                {
                    return true;
                }
            }
            return false;
        }
    }

    public Task<(float[] Embedding, string EncoderVersion)> EncodeAsync(IGrainFactory grains, string itemId, string text, CancellationToken cancellationToken) =>
        HasGpuSilo
            ? grains.GetGrain<IGpuEncoderGrain>(Partitioner.ShardOf(itemId, options.Value.GpuWorkers)).EncodeAsync(text, cancellationToken)
            : grains.GetGrain<IEncoderGrain>(0).EncodeAsync(text, cancellationToken);
}
