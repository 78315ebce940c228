namespace Actors.VectorIndex;

/// <summary>
/// Exact search while the index is small, HNSW once it holds <see cref="Threshold"/> keys: exact search is both faster
/// and perfect below a few tens of thousands of vectors, HNSW keeps large partitions fast. The switch rebuilds the graph
/// from the exact index once; the index never switches back (shrinking partitions keep their graph).
/// Thread-safe like the indexes it wraps; the switch itself is serialised with writes.
/// </summary>
public sealed class AdaptiveVectorIndex : IVectorIndex
{
    private readonly object _switchLock = new();
    private readonly HnswOptions _hnswOptions;
    private volatile IVectorIndex _inner;

    public AdaptiveVectorIndex(int dimension, int threshold, HnswOptions? hnswOptions = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        Dimension = dimension;
        Threshold = threshold;
        _hnswOptions = hnswOptions ?? new HnswOptions();
        _inner = threshold == 0 ? new HnswVectorIndex(dimension, _hnswOptions) : new ExactVectorIndex(dimension);
    }

    public int Dimension { get; }

    /// <summary>The size at which the index moves from exact search to HNSW (0: HNSW from the start).</summary>
    public int Threshold { get; }

    /// <summary>True once the index searches with HNSW.</summary>
    public bool IsApproximate => _inner is HnswVectorIndex;

    public int Count => _inner.Count;

    public void Upsert(string key, ReadOnlySpan<float> vector)
    {
        lock (_switchLock)
        {
            _inner.Upsert(key, vector);
            if (_inner is ExactVectorIndex exact && exact.Count >= Threshold)
            {
                var graph = new HnswVectorIndex(Dimension, _hnswOptions);
                foreach (var (k, v) in exact.Snapshot())
                {
                    graph.Upsert(k, v);
                }
                _inner = graph;
                exact.Dispose();
            }
        }
    }

    public bool Remove(string key)
    {
        lock (_switchLock)
        {
            return _inner.Remove(key);
        }
    }

    public bool Contains(string key) => _inner.Contains(key);

    public float[]? GetVector(string key) => _inner.GetVector(key);

    public string[] Keys() => _inner.Keys();

    public IReadOnlyList<KeyValuePair<string, float[]>> Snapshot() => _inner.Snapshot();

    public ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude = null) => _inner.Search(query, k, exclude);

    public void Dispose() => _inner.Dispose();
}
