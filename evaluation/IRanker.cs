namespace Actors.Evaluation;

/// <summary>
/// Something that scores every item of a catalog for a user given the user's history: the LEARN model, a baseline.
/// Higher scores rank first. Implementations are immutable and thread-safe; per-user working state lives in the
/// <see cref="IUserScorer"/>s they hand out, one per worker thread.
/// </summary>
public interface IRanker
{
    /// <summary>Short name shown in tables and used as the JSON key (e.g. <c>popularity</c>).</summary>
    string Name { get; }

    /// <summary>Number of items scored; item indices are 0..ItemCount−1.</summary>
    int ItemCount { get; }

    /// <summary>A new scorer with its own working buffers. Thread-safe; each scorer is used by one thread at a time.</summary>
    IUserScorer CreateScorer();
}

/// <summary>Scores all items for one user at a time. Not thread-safe.</summary>
public interface IUserScorer
{
    /// <summary>
    /// Writes one score per item into <paramref name="scores"/> (length <see cref="IRanker.ItemCount"/>) for a user
    /// whose history is <paramref name="history"/> (item indices, oldest first).
    /// </summary>
    void Score(ReadOnlySpan<int> history, Span<float> scores);
}
