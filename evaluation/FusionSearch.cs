using Actors.Dataset;
using Actors.Model;

namespace Actors.Evaluation;

/// <summary>One point of a <see cref="FusionSearch"/>: the settings and the metrics they give on the searched rows.</summary>
public sealed record FusionCandidate(FusionSettings Settings, RankingMetrics Metrics);

/// <summary>
/// Chooses λ, the window and the decay of <see cref="FusionSettings"/> on a split (the validation split: the trainer
/// calls it after training and writes the winner into the manifest). Every row's base scores are computed once; each
/// grid point then ranks the target by the fused score with the same arithmetic as <see cref="FusedRanker"/>, so the
/// winner's metrics equal what <see cref="RankingEvaluator"/> gives for <see cref="FusedRanker"/> with those settings.
/// </summary>
public static class FusionSearch
{
    /// <summary>
    /// λ ∈ {0} ∪ {2^k : k = −4..4}, window ∈ {1, 2, 3, 5, 10}, decay ∈ {0.25, 0.5, 1} (one decay when the window is 1),
    /// at temperature <paramref name="temperature"/>.
    /// </summary>
    public static IReadOnlyList<FusionSettings> DefaultGrid(double temperature)
    {
        var grid = new List<FusionSettings> { new(0, 1, 1, temperature) };
        for (var k = -4; k <= 4; k++)
        {
            var lambda = Math.Pow(2, k);
            foreach (var window in (int[])[1, 2, 3, 5, 10])
            {
                foreach (var decay in window == 1 ? (double[])[1] : [0.25, 0.5, 1])
                {
                    grid.Add(new FusionSettings(lambda, window, decay, temperature));
                }
            }
        }

        return grid;
    }

    /// <summary>Ranks every row's target under every grid point; returns the points in grid order with their metrics.</summary>
    /// <param name="baseRanker">The cosine ranker; null = counts only (then every λ &gt; 0 ranks alike).</param>
    /// <param name="itemCount">Catalog size.</param>
    /// <param name="rows">The rows searched on (validation).</param>
    /// <param name="counts">The transitions seen before those rows' targets (<see cref="FusedRanker.CountsOf"/>).</param>
    /// <param name="grid">The settings to try, all at one temperature.</param>
    /// <param name="options">History bound and threads (masking is not supported here).</param>
    public static IReadOnlyList<FusionCandidate> Run(
        IRanker? baseRanker,
        int itemCount,
        IReadOnlyList<Interaction> rows,
        TransitionCounts<int> counts,
        IReadOnlyList<FusionSettings> grid,
        EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(grid);
        options ??= new EvaluationOptions();
        if (options.MaskSeen)
        {
            throw new ArgumentException("The fusion search ranks unmasked, as the trainer selects; MaskSeen must be false.", nameof(options));
        }

        if (grid.Count == 0 || grid.Any(g => g.Temperature != grid[0].Temperature))
        {
            throw new ArgumentException("The grid must be non-empty and use one temperature.", nameof(grid));
        }

        foreach (var settings in grid)
        {
            settings.Validate();
        }

        var ranks = new int[grid.Count][];
        for (var g = 0; g < ranks.Length; g++)
        {
            ranks[g] = new int[rows.Count];
        }

        var temperature = grid[0].Temperature;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount };
        Parallel.For(
            0,
            rows.Count,
            parallel,
            () => new Worker(baseRanker?.CreateScorer(), itemCount),
            (index, _, worker) =>
            {
                var row = rows[index];
                var history = row.History.AsSpan(Math.Max(0, row.History.Length - options.MaxHistory));
                worker.Prepare(history, grid[0]);
                for (var g = 0; g < grid.Count; g++)
                {
                    ranks[g][index] = worker.Rank(history, row.Target, counts, grid[g]);
                }

                return worker;
            },
            _ => { });
        var results = new FusionCandidate[grid.Count];
        for (var g = 0; g < grid.Count; g++)
        {
            results[g] = new FusionCandidate(grid[g], RankingMetrics.FromRanks(ranks[g]));
        }

        return results;
    }

    /// <summary>The point with the best NDCG@10 (the earliest in grid order on a tie).</summary>
    public static FusionCandidate Best(IReadOnlyList<FusionCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var best = candidates[0];
        foreach (var candidate in candidates)
        {
            if (candidate.Metrics.NdcgAt10 > best.Metrics.NdcgAt10)
            {
                best = candidate;
            }
        }

        return best;
    }

    /// <summary>One thread's buffers: the row's scaled base scores, the same sorted descending, and the row's T.</summary>
    private sealed class Worker(IUserScorer? scorer, int itemCount)
    {
        private readonly float[] _scores = new float[itemCount];
        private readonly float[] _sorted = new float[itemCount];
        private readonly Dictionary<int, float> _transitions = [];

        public void Prepare(ReadOnlySpan<int> history, FusionSettings settings)
        {
            if (scorer is null)
            {
                Array.Clear(_scores);
            }
            else
            {
                scorer.Score(history, _scores);
                for (var i = 0; i < _scores.Length; i++)
                {
                    _scores[i] = settings.ModelScore(_scores[i]);
                }
            }

            _scores.CopyTo(_sorted, 0);
            Array.Sort(_sorted);
        }

        /// <summary>
        /// The target's rank under <paramref name="settings"/>, as <see cref="RankingMetrics.RankOf"/> over the fused scores
        /// would give it: items with a fused score ≥ the target's, counted by binary search among the unchanged base scores
        /// and corrected for the few items the counts lift.
        /// </summary>
        public int Rank(ReadOnlySpan<int> history, int target, TransitionCounts<int> counts, FusionSettings settings)
        {
            _transitions.Clear();
            if (settings.UsesCounts || scorer is null)
            {
                settings.AccumulateTransitions(history, counts, _transitions);
            }

            var fusedTarget = _scores[target] + (_transitions.TryGetValue(target, out var t) ? settings.CountScore(t) : 0f);
            if (float.IsNaN(fusedTarget))
            {
                return _scores.Length;
            }

            var ahead = _sorted.Length - LowerBound(_sorted, fusedTarget);
            foreach (var (item, transitions) in _transitions)
            {
                var baseScore = _scores[item];
                if (baseScore >= fusedTarget)
                {
                    ahead--;
                }

                if (baseScore + settings.CountScore(transitions) >= fusedTarget)
                {
                    ahead++;
                }
            }

            return ahead;
        }

        /// <summary>The first index of ascending <paramref name="sorted"/> whose value is ≥ <paramref name="value"/>.</summary>
        private static int LowerBound(float[] sorted, float value)
        {
            int low = 0, high = sorted.Length;
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (sorted[middle] < value)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }
    }
}
