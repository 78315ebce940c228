namespace Actors.Grains.Encoding;

/// <summary>
/// Encodes item text with the silo's ONNX encoder. Stateless worker: concurrent requests on a silo are
/// gathered into micro-batches, one ONNX run each. Only item grains call it (through <see cref="EncoderRouter"/>), so it
/// is internal to this assembly (the encoder benchmark reaches it through InternalsVisibleTo); costly work, so
/// <see cref="ClusterInternalAttribute"/> refuses it to an external client as well.
/// </summary>
[ClusterInternal]
[Alias("Actors.IEncoderGrain")]
internal interface IEncoderGrain : IGrainWithIntegerKey
{
    /// <summary>The content embedding of <paramref name="text"/> and the encoder version that made it.</summary>
    [Alias("Encode")]
    Task<(float[] Embedding, string EncoderVersion)> EncodeAsync(string text, CancellationToken cancellationToken = default);
}
