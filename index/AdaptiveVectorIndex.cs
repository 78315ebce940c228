namespace Actors.VectorIndex;

/// <summary>
/// Exact search while the index is small, HNSW once it holds <see cref="Threshold"/> keys: exact search is both faster
/// and perfect below a few tens of thousands of vectors, HNSW keeps large partitions fast. The switch builds the graph
/// from the exact index once, with a bulk add; the index never switches back (shrinking partitions keep their graph).
/// Thread-safe like the indexes it wraps; the switch itself is serialised with writes, and a search that started on the
/// exact index before the switch finishes on it.
/// </summary>
public sealed class AdaptiveVectorIndex : IVectorIndex
{
    private readonly Lock _switchLock = new();
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

    /// <summary>The graph parameters used once the index is approximate.</summary>
    public HnswOptions HnswOptions => _hnswOptions;

    public int Count => _inner.Count;

    public void Upsert(string key, ReadOnlySpan<float> vector)
    {
        lock (_switchLock)
        {
            _inner.Upsert(key, vector);
            if (_inner is ExactVectorIndex exact && exact.Count >= Threshold)
            {
                SwitchToGraph(exact, [], []);
            }
        }
    }

    public void UpsertMany(IReadOnlyList<string> keys, ReadOnlySpan<float> vectors)
    {
        lock (_switchLock)
        {
            if (_inner is ExactVectorIndex exact && exact.Count + keys.Count >= Threshold)
            {
                VectorChecks.ThrowIfInvalidBatch(keys, vectors, Dimension);
                SwitchToGraph(exact, keys, vectors);
            }
            else
            {
                _inner.UpsertMany(keys, vectors);
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

    public bool TryScore(string key, ReadOnlySpan<float> query, out float score) => _inner.TryScore(key, query, out score);

    public string[] Keys() => _inner.Keys();

    public IReadOnlyList<KeyValuePair<string, float[]>> Snapshot() => _inner.Snapshot();

    public ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude = null) => _inner.Search(query, k, exclude);

    public ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude, Func<string, bool> keep) => _inner.Search(query, k, exclude, keep);

    public void Dispose() => _inner.Dispose();

    /// <summary>One bulk add of the exact index's keys and then <paramref name="keys"/> (which win over older vectors).</summary>
    private void SwitchToGraph(ExactVectorIndex exact, IReadOnlyList<string> keys, ReadOnlySpan<float> vectors)
    {
        var existing = exact.Snapshot();
        var allKeys = new List<string>(existing.Count + keys.Count);
        var allVectors = new float[(existing.Count + keys.Count) * Dimension];
        foreach (var (key, vector) in existing)
        {
            vector.CopyTo(allVectors, allKeys.Count * Dimension);
            allKeys.Add(key);
        }
        vectors.CopyTo(allVectors.AsSpan(allKeys.Count * Dimension));
        allKeys.AddRange(keys);
        var graph = new HnswVectorIndex(Dimension, _hnswOptions);
        graph.UpsertMany(allKeys, allVectors);
        // The exact index is not disposed: a search that read it before the switch may still be running on it.
        _inner = graph;
    }
}
