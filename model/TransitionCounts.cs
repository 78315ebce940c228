namespace Actors.Model;

/// <summary>
/// Item → next-item counts: how often a user's interaction with <c>from</c> was directly followed by one with
/// <c>to</c>. The collaborative "who did this next" signal that <see cref="FusionSettings"/> fuses with the model's
/// cosine. Keyed by any item identity (item index offline, item id in the grains). Not thread-safe for writes;
/// concurrent reads of an instance no one writes are safe.
/// </summary>
/// <typeparam name="TItem">The item identity.</typeparam>
public sealed class TransitionCounts<TItem>
    where TItem : notnull
{
    private static readonly IReadOnlyDictionary<TItem, int> NoSuccessors = new Dictionary<TItem, int>();
    private readonly Dictionary<TItem, Dictionary<TItem, int>> _successors;
    private readonly IEqualityComparer<TItem>? _comparer;

    /// <summary>An empty table.</summary>
    public TransitionCounts(IEqualityComparer<TItem>? comparer = null)
    {
        _comparer = comparer;
        _successors = new Dictionary<TItem, Dictionary<TItem, int>>(comparer);
    }

    /// <summary>Items with at least one successor.</summary>
    public int SourceCount => _successors.Count;

    /// <summary>Counts <paramref name="count"/> more transitions <paramref name="from"/> → <paramref name="to"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    public void Add(TItem from, TItem to, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (!_successors.TryGetValue(from, out var row))
        {
            row = new Dictionary<TItem, int>(_comparer);
            _successors[from] = row;
        }

        row[to] = checked(row.GetValueOrDefault(to) + count);
    }

    /// <summary>The successors of <paramref name="from"/> with their counts (empty when it has none).</summary>
    public IReadOnlyDictionary<TItem, int> Successors(TItem from) =>
        _successors.TryGetValue(from, out var row) ? row : NoSuccessors;
}

/// <summary>Builds <see cref="TransitionCounts{TItem}"/> tables.</summary>
public static class TransitionCounts
{
    /// <summary>
    /// The counts of every consecutive pair of every sequence (oldest first): the table a stream of these sequences'
    /// events builds, one event at a time.
    /// </summary>
    public static TransitionCounts<TItem> FromSequences<TItem>(IEnumerable<IReadOnlyList<TItem>> sequences, IEqualityComparer<TItem>? comparer = null)
        where TItem : notnull
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var counts = new TransitionCounts<TItem>(comparer);
        foreach (var sequence in sequences)
        {
            for (var i = 1; i < sequence.Count; i++)
            {
                counts.Add(sequence[i - 1], sequence[i]);
            }
        }

        return counts;
    }
}
