using Actors.Model;

namespace Actors.Evaluation;

/// <summary>
/// A base ranker (the LEARN model, the content baseline, or none) fused with item → next-item counts exactly as the
/// grains serve it: <see cref="FusionSettings.Adjust"/> of the base score (a cosine) and the counts of the history's
/// last items (<see cref="FusionSettings.AccumulateTransitions{TItem}(ReadOnlySpan{TItem}, TransitionCounts{TItem}, Dictionary{TItem, float})"/>).
/// The counts are those the events before the evaluated targets build (<see cref="CountsOf"/>). Without a base
/// ranker the score is the counts alone (the "transition counter" baseline).
/// </summary>
public sealed class FusedRanker : IRanker
{
    private readonly IRanker? _base;
    private readonly TransitionCounts<int> _counts;
    private readonly FusionSettings _settings;

    /// <param name="name">Key in tables and JSON.</param>
    /// <param name="baseRanker">The cosine ranker; null = counts only.</param>
    /// <param name="itemCount">Catalog size (must equal the base ranker's).</param>
    /// <param name="counts">The transitions seen before the evaluated targets.</param>
    /// <param name="settings">λ, window, decay, τ.</param>
    public FusedRanker(string name, IRanker? baseRanker, int itemCount, TransitionCounts<int> counts, FusionSettings settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (baseRanker is not null && baseRanker.ItemCount != itemCount)
        {
            throw new ArgumentException($"The base ranker scores {baseRanker.ItemCount} items; expected {itemCount}.", nameof(baseRanker));
        }

        Name = name;
        ItemCount = itemCount;
        _base = baseRanker;
        _counts = counts;
        _settings = settings;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int ItemCount { get; }

    /// <summary>
    /// The transitions that replaying <paramref name="sequences"/> as events builds: pass what every user did before
    /// the evaluated targets (<see cref="RankingEvaluator.SequencesBefore"/>).
    /// </summary>
    public static TransitionCounts<int> CountsOf(IEnumerable<int[]> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        return TransitionCounts.FromSequences(sequences.Select(s => (IReadOnlyList<int>)s));
    }

    /// <inheritdoc/>
    public IUserScorer CreateScorer() => new Scorer(this);

    private sealed class Scorer(FusedRanker ranker) : IUserScorer
    {
        private readonly IUserScorer? _base = ranker._base?.CreateScorer();
        private readonly Dictionary<int, float> _transitions = [];
        private readonly HashSet<int> _seen = [];

        public void Score(ReadOnlySpan<int> history, Span<float> scores)
        {
            var settings = ranker._settings;
            Adjustments.ModelScores(_base, history, settings, scores);
            Adjustments.Collect(history, ranker._counts, settings, countsAlways: _base is null, _transitions, _seen);
            foreach (var (item, transitions) in _transitions)
            {
                scores[item] = settings.Adjust(scores[item], transitions, _seen.Contains(item));
            }

            foreach (var item in _seen)
            {
                if (!_transitions.ContainsKey(item))
                {
                    scores[item] = settings.Adjust(scores[item], 0, seen: true);
                }
            }
        }
    }
}

/// <summary>The items whose fused score differs from their model score: the successors of the last items, and the history.</summary>
internal static class Adjustments
{
    /// <summary>Every item's model score (cos / τ) from <paramref name="scorer"/>; all zero without one.</summary>
    public static void ModelScores(IUserScorer? scorer, ReadOnlySpan<int> history, FusionSettings settings, Span<float> scores)
    {
        if (scorer is null)
        {
            scores.Clear();
            return;
        }

        scorer.Score(history, scores);
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = settings.ModelScore(scores[i]);
        }
    }

    /// <summary>Fills <paramref name="transitions"/> with T (when counts take part) and <paramref name="seen"/> with the history (when μ &gt; 0).</summary>
    public static void Collect(
        ReadOnlySpan<int> history,
        TransitionCounts<int> counts,
        FusionSettings settings,
        bool countsAlways,
        Dictionary<int, float> transitions,
        HashSet<int> seen)
    {
        transitions.Clear();
        seen.Clear();
        if (settings.UsesCounts || countsAlways)
        {
            settings.AccumulateTransitions(history, counts, transitions);
        }

        if (settings.SeenPenalty > 0)
        {
            foreach (var item in history)
            {
                seen.Add(item);
            }
        }
    }
}
