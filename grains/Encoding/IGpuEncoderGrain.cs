namespace Actors.Grains.Encoding;

/// <summary>
/// Encodes item text on a silo that declares the GPU role (<c>Encoder:GpuRole</c>). Only those silos host this grain
/// class, so placement confines it to them; concurrent requests on a silo share one micro-batching ONNX session. Only
/// item grains call it (through <see cref="EncoderRouter"/>), so it is internal to this assembly, and
/// <see cref="ClusterInternalAttribute"/> refuses it to an external client as well.
/// </summary>
[ClusterInternal]
[Alias("Actors.IGpuEncoderGrain")]
internal interface IGpuEncoderGrain : IGrainWithIntegerKey
{
    /// <summary>The content embedding of <paramref name="text"/> and the encoder version that made it.</summary>
    [Alias("Encode")]
    Task<(float[] Embedding, string EncoderVersion)> EncodeAsync(string text, CancellationToken cancellationToken = default);
}
