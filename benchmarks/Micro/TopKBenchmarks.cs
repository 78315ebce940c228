using Actors.VectorIndex;
using BenchmarkDotNet.Attributes;

namespace Actors.Benchmarks.Micro;

/// <summary>
/// Exact top-10 (<see cref="ExactVectorIndex.Search(ReadOnlySpan{float}, int, IReadOnlySet{string})"/>) over clustered unit vectors. Dimensions 64 (LEARN's output) and
/// 384 (MiniLM's content) are multiples of every SIMD width; 67 is not, so the scalar tail of the dot product shows.
/// </summary>
public class TopKBenchmarks : IDisposable
{
    private ExactVectorIndex _index = null!;
    private float[][] _queries = null!;
    private int _next;

    [Params(10_000, 100_000)]
    public int Size { get; set; }

    [Params(64, 67, 384)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var vectors = SyntheticVectors.Clustered(Size + 64, Dimension, seed: 42);
        _index = new ExactVectorIndex(Dimension, Size);
        for (var i = 0; i < Size; i++)
        {
            _index.Upsert($"item-{i}", vectors[i]);
        }
        _queries = vectors[Size..];
    }

    [Benchmark]
    public ScoredKey[] Search() => _index.Search(_queries[_next++ & 63], 10);

    [GlobalCleanup]
    public void Dispose()
    {
        _index?.Dispose();
        GC.SuppressFinalize(this);
    }
}
