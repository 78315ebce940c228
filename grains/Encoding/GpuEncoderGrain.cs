using Actors.Encoder;
using Orleans.Concurrency;

namespace Actors.Grains.Encoding;

/// <summary>
/// The encoder of GPU-role silos. Registered only where <c>Encoder:GpuRole</c> is true (see
/// <see cref="Hosting.ActorsSiloBuilderExtensions.AddActors"/>), so Orleans places it on those silos alone; reentrant,
/// so concurrent requests wait together on the silo's micro-batcher and run as one batch on the device.
/// </summary>
[GrainType(GrainTypeName)]
[Reentrant]
internal sealed class GpuEncoderGrain(BatchingTextEncoder encoder, TextEncoder session) : Grain, IGpuEncoderGrain
{
    public const string GrainTypeName = "gpu-encoder";

    public async Task<(float[] Embedding, string EncoderVersion)> EncodeAsync(string text, CancellationToken cancellationToken = default)
    {
        var embedding = await encoder.EncodeAsync(text, cancellationToken);
        return (embedding, session.ModelVersion);
    }
}
