using Cloud.Unum.USearch;

namespace Actors.VectorIndex;

/// <summary>
/// Approximate maximum-inner-product search with an HNSW graph (USearch, native). Keys are mapped to fresh 64-bit
/// labels on every write, since USearch does not replace a label in place: an update is a remove plus an add.
/// Searches that exclude keys ask the graph for more candidates, so excluded keys never crowd out the k answers.
/// Thread-safe, one operation at a time: the C# binding does not expose USearch's <c>reserve</c>, without which
/// concurrent searches fail ("Reserve capacity ahead of searches!"). A shard grain calls it from one turn at a time
/// anyway, so nothing is lost.
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
            using var scope = _lock.Write();
            return _labelByKey.Count;
        }
    }

    public void Upsert(string key, ReadOnlySpan<float> vector)
    {
        VectorChecks.ThrowIfInvalid(key, vector, Dimension);
        var copy = vector.ToArray();

        using var scope = _lock.Write();
        RemoveLocked(key);
        var label = _nextLabel++;
        _graph.Add(label, copy);
        _labelByKey[key] = label;
        _entries[label] = (key, copy);
    }

    public bool Remove(string key)
    {
        using var scope = _lock.Write();
        return RemoveLocked(key);
    }

    public bool Contains(string key)
    {
        using var scope = _lock.Write();
        return _labelByKey.ContainsKey(key);
    }

    public float[]? GetVector(string key)
    {
        using var scope = _lock.Write();
        return _labelByKey.TryGetValue(key, out var label) ? (float[])_entries[label].Vector.Clone() : null;
    }

    public string[] Keys()
    {
        using var scope = _lock.Write();
        return [.. _labelByKey.Keys];
    }

    public IReadOnlyList<KeyValuePair<string, float[]>> Snapshot()
    {
        using var scope = _lock.Write();
        var result = new List<KeyValuePair<string, float[]>>(_entries.Count);
        foreach (var (key, vector) in _entries.Values)
        {
            result.Add(new(key, (float[])vector.Clone()));
        }
        return result;
    }

    public ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude = null)
    {
        VectorChecks.ThrowIfInvalidQuery(query, k, Dimension);
        var queryArray = query.ToArray();

        using var scope = _lock.Write();
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
