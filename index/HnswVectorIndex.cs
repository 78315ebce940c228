using System.Numerics.Tensors;
using Cloud.Unum.USearch;

namespace Actors.VectorIndex;

/// <summary>
/// Approximate maximum-inner-product search with an HNSW graph (USearch, native). Keys are mapped to fresh 64-bit
/// labels on every write, since USearch does not replace a label in place: an update is a remove plus an add.
/// Searches that exclude keys ask the graph for more candidates, so excluded keys never crowd out the k answers.
/// Thread-safe: searches run concurrently under a shared lock, writes take it exclusively.
/// </summary>
public sealed class HnswVectorIndex : IVectorIndex
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly USearchIndex _graph;
    private readonly Dictionary<string, ulong> _labelByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, (string Key, float[] Vector)> _entries = [];
    private ulong _nextLabel;

    public HnswVectorIndex(int dimension, HnswOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        options ??= new HnswOptions();
        Dimension = dimension;
        Options = options;
        _graph = new USearchIndex(
            MetricKind.Ip,
            options.HalfPrecision ? ScalarKind.Float16 : ScalarKind.Float32,
            (ulong)dimension,
            (ulong)options.Connectivity,
            (ulong)options.ExpansionAdd,
            (ulong)options.ExpansionSearch,
            false);
    }

    public int Dimension { get; }

    public HnswOptions Options { get; }

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _labelByKey.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public void Upsert(string key, ReadOnlySpan<float> vector)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (vector.Length != Dimension)
        {
            throw new ArgumentException($"Vector for '{key}' has {vector.Length} dimensions; the index holds {Dimension}.", nameof(vector));
        }
        if (!float.IsFinite(TensorPrimitives.Sum(vector)))
        {
            throw new ArgumentException($"Vector for '{key}' contains NaN or infinity.", nameof(vector));
        }
        var copy = vector.ToArray();

        _lock.EnterWriteLock();
        try
        {
            RemoveLocked(key);
            var label = _nextLabel++;
            _graph.Add(label, copy);
            _labelByKey[key] = label;
            _entries[label] = (key, copy);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Remove(string key)
    {
        _lock.EnterWriteLock();
        try
        {
            return RemoveLocked(key);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Contains(string key)
    {
        _lock.EnterReadLock();
        try
        {
            return _labelByKey.ContainsKey(key);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public float[]? GetVector(string key)
    {
        _lock.EnterReadLock();
        try
        {
            return _labelByKey.TryGetValue(key, out var label) ? (float[])_entries[label].Vector.Clone() : null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public string[] Keys()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _labelByKey.Keys];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public IReadOnlyList<KeyValuePair<string, float[]>> Snapshot()
    {
        _lock.EnterReadLock();
        try
        {
            var result = new List<KeyValuePair<string, float[]>>(_entries.Count);
            foreach (var (key, vector) in _entries.Values)
            {
                result.Add(new(key, (float[])vector.Clone()));
            }
            return result;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (query.Length != Dimension)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; the index holds {Dimension}.", nameof(query));
        }
        var queryArray = query.ToArray();

        _lock.EnterReadLock();
        try
        {
            var present = _labelByKey.Count;
            if (present == 0)
            {
                return [];
            }
            var excluded = 0;
            if (exclude is not null)
            {
                foreach (var key in exclude)
                {
                    excluded += _labelByKey.ContainsKey(key) ? 1 : 0;
                }
            }
            var wanted = Math.Min(present, k + excluded);
            var found = _graph.Search(queryArray, wanted, out var labels, out var distances);

            var top = new TopK(k);
            for (var i = 0; i < found; i++)
            {
                if (!_entries.TryGetValue(labels[i], out var entry) || (exclude is not null && exclude.Contains(entry.Key)))
                {
                    continue;
                }
                // Inner-product "distance" is 1 − dot; report the dot product itself, as exact search does.
                top.Add(entry.Key, 1f - distances[i]);
            }
            return top.ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public void Dispose()
    {
        _graph.Dispose();
        _lock.Dispose();
    }

    private bool RemoveLocked(string key)
    {
        if (!_labelByKey.Remove(key, out var label))
        {
            return false;
        }
        _graph.Remove(label);
        _entries.Remove(label);
        return true;
    }
}
