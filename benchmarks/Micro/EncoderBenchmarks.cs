using Actors.Dataset;
using Actors.Encoder;
using BenchmarkDotNet.Attributes;

namespace Actors.Benchmarks.Micro;

/// <summary>
/// Tokenise and encode real catalog texts (Amazon Scientific titles and categories) with the shipped encoder
/// (all-MiniLM-L6-v2, ONNX Runtime CPU, 128 tokens): WordPiece alone, one text, and a batch of 32 (one ONNX run).
/// </summary>
public class EncoderBenchmarks : IDisposable
{
    private TextEncoder _encoder = null!;
    private string[] _texts = null!;
    private string[][] _batches = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var dataset = UniSRecDataset.Load(RepositoryPaths.Scientific);
        // A seeded sample: every 7th item, so text lengths vary as in the catalog.
        _texts = [.. dataset.Items.Where(i => i.Index % 7 == 0).Take(256).Select(i => i.Text)];
        _batches = [.. _texts.Chunk(32)];
        _encoder = new TextEncoder(new EncoderOptions());
    }

    [Benchmark]
    public int[] Tokenize() => _encoder.Tokenize(_texts[_next++ & 255]);

    [Benchmark(Baseline = true)]
    public float[] EncodeOne() => _encoder.Encode(_texts[_next++ & 255]);

    [Benchmark(OperationsPerInvoke = 32)]
    public float[][] EncodeBatchOf32() => _encoder.Encode(_batches[_next++ & 7]);

    [GlobalCleanup]
    public void Dispose()
    {
        _encoder?.Dispose();
        GC.SuppressFinalize(this);
    }
}
