using Actors.VectorIndex;
using BenchmarkDotNet.Attributes;

namespace Actors.Benchmarks.Micro;

/// <summary>
/// HNSW top-10 (<see cref="HnswVectorIndex"/>, USearch, default parameters: M 16, ef 128) over clustered unit vectors,
/// beside exact search over the same vectors as the baseline. Excluding ten keys is the shape of a real recommendation
/// query (the user's history is left out).
/// </summary>
public class HnswBenchmarks : IDisposable
{
    private HnswVectorIndex _graph = null!;
    private ExactVectorIndex _exact = null!;
    private float[][] _queries = null!;
    private HashSet<string> _exclude = null!;
    private int _next;

    [Params(20_000)]
    public int Size { get; set; }

    [Params(64, 384)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var vectors = SyntheticVectors.Clustered(Size + 64, Dimension, seed: 7);
        _graph = new HnswVectorIndex(Dimension);
        _exact = new ExactVectorIndex(Dimension, Size);
        for (var i = 0; i < Size; i++)
        {
            _graph.Upsert($"item-{i}", vectors[i]);
            _exact.Upsert($"item-{i}", vectors[i]);
        }
        _queries = vectors[Size..];
        _exclude = [.. Enumerable.Range(0, 10).Select(i => $"item-{i * 997}")];
    }

    [Benchmark(Baseline = true)]
    public ScoredKey[] Exact() => _exact.Search(_queries[_next++ & 63], 10, _exclude);

    [Benchmark]
    public ScoredKey[] Hnsw() => _graph.Search(_queries[_next++ & 63], 10, _exclude);

    [GlobalCleanup]
    public void Dispose()
    {
        _graph?.Dispose();
        _exact?.Dispose();
        GC.SuppressFinalize(this);
    }
}
