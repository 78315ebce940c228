namespace Actors.VectorIndex;

/// <summary>
/// Keyed vectors of one dimension with maximum-inner-product search (cosine similarity for unit vectors).
/// Implementations are thread-safe: searches run concurrently, writes are serialised.
/// </summary>
public interface IVectorIndex : IDisposable
{
    /// <summary>The dimension of every vector in the index.</summary>
    int Dimension { get; }

    /// <summary>The number of keys in the index.</summary>
    int Count { get; }

    /// <summary>Adds the vector under <paramref name="key"/>, or replaces the one it had.</summary>
    void Upsert(string key, ReadOnlySpan<float> vector);

    /// <summary>
    /// Adds or replaces many keys at once: row <c>i</c> of <paramref name="vectors"/> (row-major, <see cref="Dimension"/>
    /// values a row) is the vector of <c>keys[i]</c>; a key given twice keeps its last row. The whole batch is checked
    /// before any of it is applied.
    /// </summary>
    void UpsertMany(IReadOnlyList<string> keys, ReadOnlySpan<float> vectors);

    /// <summary>Removes <paramref name="key"/>; false when it was not there.</summary>
    bool Remove(string key);

    /// <summary>True when <paramref name="key"/> is in the index.</summary>
    bool Contains(string key);

    /// <summary>A copy of the vector stored under <paramref name="key"/>; null when absent.</summary>
    float[]? GetVector(string key);

    /// <summary>The dot product of <paramref name="query"/> with the vector of <paramref name="key"/>; false when the key is absent.</summary>
    bool TryScore(string key, ReadOnlySpan<float> query, out float score);

    /// <summary>Every key in the index.</summary>
    string[] Keys();

    /// <summary>Every key with a copy of its vector, for snapshots.</summary>
    IReadOnlyList<KeyValuePair<string, float[]>> Snapshot();

    /// <summary>The best <paramref name="k"/> keys for <paramref name="query"/>, best first, none of <paramref name="exclude"/>.</summary>
    ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude = null);

    /// <summary>
    /// The best <paramref name="k"/> keys that <paramref name="keep"/> accepts, none of <paramref name="exclude"/>. An
    /// approximate index applies the predicate while it searches, and may still answer fewer than k when few keys pass.
    /// </summary>
    ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude, Func<string, bool> keep);
}
