namespace Actors.VectorIndex;

/// <summary>
/// Keeps the <c>k</c> best-scored keys seen so far with a min-heap of size k: O(n log k) over n candidates.
/// Ties are broken by key (ordinal) so results are deterministic whatever the order of arrival.
/// Not thread-safe: one per query.
/// </summary>
public sealed class TopK
{
    private readonly int _k;
    private readonly PriorityQueue<ScoredKey, ScoredKey> _heap;

    public TopK(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        _k = k;
        _heap = new PriorityQueue<ScoredKey, ScoredKey>(k + 1, WorstFirst.Instance);
    }

    /// <summary>The number of keys kept (at most k).</summary>
    public int Count => _heap.Count;

    /// <summary>Offers a candidate; kept when it beats the worst of the current k.</summary>
    public void Add(string key, float score)
    {
        var candidate = new ScoredKey(key, score);
        if (_heap.Count < _k)
        {
            _heap.Enqueue(candidate, candidate);
        }
        else if (WorstFirst.Instance.Compare(candidate, _heap.Peek()) > 0)
        {
            _heap.DequeueEnqueue(candidate, candidate);
        }
    }

    /// <summary>The would-be score a candidate must beat to enter, or negative infinity while fewer than k are kept.</summary>
    public float Threshold => _heap.Count < _k ? float.NegativeInfinity : _heap.Peek().Score;

    /// <summary>The kept keys, best first.</summary>
    public ScoredKey[] ToArray()
    {
        var result = new ScoredKey[_heap.Count];
        var items = _heap.UnorderedItems.Select(static e => e.Element).ToArray();
        Array.Sort(items, WorstFirst.Instance);
        for (var i = 0; i < items.Length; i++)
        {
            result[i] = items[items.Length - 1 - i];
        }
        return result;
    }

    /// <summary>Merges several best-first lists (e.g. one per shard) into the global best k.</summary>
    public static ScoredKey[] Merge(IEnumerable<IReadOnlyList<ScoredKey>> lists, int k)
    {
        var top = new TopK(k);
        foreach (var list in lists)
        {
            foreach (var item in list)
            {
                top.Add(item.Key, item.Score);
            }
        }
        return top.ToArray();
    }

    /// <summary>Orders lower score first; on equal score the larger key first, so the smaller key ranks better.</summary>
    private sealed class WorstFirst : IComparer<ScoredKey>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare(ScoredKey x, ScoredKey y)
        {
            var byScore = x.Score.CompareTo(y.Score);
            return byScore != 0 ? byScore : string.CompareOrdinal(y.Key, x.Key);
        }
    }
}
