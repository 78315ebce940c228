using Actors.Encoder;
using Orleans.Concurrency;

namespace Actors.Grains.Encoding;

/// <summary>
/// Encodes text on the local silo. Reentrant stateless worker: concurrent requests wait together on the
/// silo's <see cref="BatchingTextEncoder"/>, which runs them as one ONNX batch.
/// </summary>
[StatelessWorker(2)]
[Reentrant]
internal sealed class EncoderGrain(BatchingTextEncoder encoder, TextEncoder session) : Grain, IEncoderGrain
{
    public async Task<(float[] Embedding, string EncoderVersion)> EncodeAsync(string text, CancellationToken cancellationToken = default)
    {
        var embedding = await encoder.EncodeAsync(text, cancellationToken);
        return (embedding, session.ModelVersion);
    }
}
