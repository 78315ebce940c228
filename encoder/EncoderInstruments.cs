using System.Diagnostics.Metrics;

namespace Actors.Encoder;

/// <summary>The encoder's metrics (meter <c>Actors.Encoder</c>), exported by the host's OpenTelemetry setup.</summary>
public static class EncoderInstruments
{
    public const string MeterName = "Actors.Encoder";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Texts encoded.</summary>
    internal static readonly Counter<long> TextsEncoded = Meter.CreateCounter<long>("actors.encoder.texts", "{text}", "Texts encoded into content embeddings.");

    /// <summary>Texts per ONNX run.</summary>
    internal static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("actors.encoder.batch.size", "{text}", "Texts per ONNX run.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    /// <summary>Duration of one ONNX run (tokenise, run, pool).</summary>
    internal static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>("actors.encoder.batch.duration", "ms", "Duration of one ONNX batch run.");
}
