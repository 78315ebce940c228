using System.Numerics.Tensors;

namespace Actors.VectorIndex;

/// <summary>
/// Exact maximum-inner-product search over a set of keyed vectors of one dimension, stored row-major in one
/// contiguous buffer (removed rows are reused). Scores are dot products: cosine similarity for unit vectors.
/// Thread-safe: searches run concurrently under a shared lock, writes take it exclusively.
/// </summary>
public sealed class ExactVectorIndex : IVectorIndex
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<string, int> _rowByKey = new(StringComparer.Ordinal);
    private readonly Stack<int> _freeRows = new();
    private float[] _vectors;
    private string?[] _keys;
    private int _rows;

    public ExactVectorIndex(int dimension, int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapacity);
        Dimension = dimension;
        _vectors = new float[dimension * initialCapacity];
        _keys = new string?[initialCapacity];
    }

    /// <summary>The dimension of every vector in the index.</summary>
    public int Dimension { get; }

    /// <summary>The number of keys in the index.</summary>
    public int Count
    {
        get
        {
            using var scope = _lock.Read();
            return _rowByKey.Count;
        }
    }

    /// <summary>Adds the vector under <paramref name="key"/>, or replaces the one it had.</summary>
    public void Upsert(string key, ReadOnlySpan<float> vector)
    {
        VectorChecks.ThrowIfInvalid(key, vector, Dimension);

        using var scope = _lock.Write();
        UpsertLocked(key, vector);
    }

    /// <summary>Adds or replaces many keys under one lock (row <c>i</c> of <paramref name="vectors"/> for <c>keys[i]</c>).</summary>
    public void UpsertMany(IReadOnlyList<string> keys, ReadOnlySpan<float> vectors)
    {
        VectorChecks.ThrowIfInvalidBatch(keys, vectors, Dimension);
        using var scope = _lock.Write();
        for (var i = 0; i < keys.Count; i++)
        {
            UpsertLocked(keys[i], vectors.Slice(i * Dimension, Dimension));
        }
    }

    /// <summary>Removes <paramref name="key"/>; returns false when it was not there.</summary>
    public bool Remove(string key)
    {
        using var scope = _lock.Write();
        if (!_rowByKey.Remove(key, out var row))
        {
            return false;
        }
        _keys[row] = null;
        _freeRows.Push(row);
        return true;
    }

    /// <summary>True when <paramref name="key"/> is in the index.</summary>
    public bool Contains(string key)
    {
        using var scope = _lock.Read();
        return _rowByKey.ContainsKey(key);
    }

    /// <summary>Copies the vector stored under <paramref name="key"/>; null when absent.</summary>
    public float[]? GetVector(string key)
    {
        using var scope = _lock.Read();
        return _rowByKey.TryGetValue(key, out var row) ? _vectors.AsSpan(row * Dimension, Dimension).ToArray() : null;
    }

    /// <summary>The dot product of <paramref name="query"/> with the vector of <paramref name="key"/>; false when the key is absent.</summary>
    public bool TryScore(string key, ReadOnlySpan<float> query, out float score)
    {
        using var scope = _lock.Read();
        if (query.Length != Dimension || !_rowByKey.TryGetValue(key, out var row))
        {
            score = 0;
            return false;
        }
        score = TensorPrimitives.Dot(query, _vectors.AsSpan(row * Dimension, Dimension));
        return true;
    }

    /// <summary>Every key in the index.</summary>
    public string[] Keys()
    {
        using var scope = _lock.Read();
        return [.. _rowByKey.Keys];
    }

    /// <summary>Every key with its vector (a copy), for snapshots.</summary>
    public IReadOnlyList<KeyValuePair<string, float[]>> Snapshot()
    {
        using var scope = _lock.Read();
        var entries = new List<KeyValuePair<string, float[]>>(_rowByKey.Count);
        foreach (var (key, row) in _rowByKey)
        {
            entries.Add(new(key, _vectors.AsSpan(row * Dimension, Dimension).ToArray()));
        }
        return entries;
    }

    /// <summary>
    /// The <paramref name="k"/> keys whose vectors have the largest dot product with <paramref name="query"/>,
    /// best first, skipping the keys in <paramref name="exclude"/>.
    /// </summary>
    public ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude = null) => Top(query, k, exclude, null);

    /// <summary>The best <paramref name="k"/> keys that <paramref name="keep"/> accepts (none of <paramref name="exclude"/>), exactly.</summary>
    public ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude, Func<string, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return Top(query, k, exclude, keep);
    }

    /// <summary>Every row scored; the predicate (null: none) asked only of rows good enough to enter the top k.</summary>
    private ScoredKey[] Top(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude, Func<string, bool>? keep)
    {
        VectorChecks.ThrowIfInvalidQuery(query, k, Dimension);
        var top = new TopK(k);
        using var scope = _lock.Read();
        var vectors = _vectors.AsSpan();
        for (var row = 0; row < _rows; row++)
        {
            var key = _keys[row];
            if (key is null)
            {
                continue;
            }
            var score = TensorPrimitives.Dot(query, vectors.Slice(row * Dimension, Dimension));
            if (score >= top.Threshold && (exclude is null || !exclude.Contains(key)) && (keep is null || keep(key)))
            {
                top.Add(key, score);
            }
        }
        return top.ToArray();
    }

    /// <summary>
    /// Nothing to free but managed memory. The lock is left to the garbage collector rather than disposed, so a search that
    /// took this index just before it was retired (a shard deactivating, the switch to HNSW) finishes instead of throwing.
    /// </summary>
    public void Dispose()
    {
    }

    private void UpsertLocked(string key, ReadOnlySpan<float> vector)
    {
        if (!_rowByKey.TryGetValue(key, out var row))
        {
            row = _freeRows.Count > 0 ? _freeRows.Pop() : _rows++;
            EnsureCapacity(row + 1);
            _rowByKey[key] = row;
            _keys[row] = key;
        }
        vector.CopyTo(_vectors.AsSpan(row * Dimension, Dimension));
    }

    private void EnsureCapacity(int rows)
    {
        if (rows <= _keys.Length)
        {
            return;
        }
        var capacity = Math.Max(rows, _keys.Length * 2);
        Array.Resize(ref _keys, capacity);
        Array.Resize(ref _vectors, capacity * Dimension);
    }
}
