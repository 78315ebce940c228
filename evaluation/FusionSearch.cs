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
    /// <summary>The seen penalties μ tried, in units of the fused score (50 ≈ leaving the history out).</summary>
    public static IReadOnlyList<double> SeenPenalties { get; } = [0, 1, 2, 5, 10, 50];

    /// <summary>
    /// λ ∈ {0} ∪ {2^k : k = −4..4}, window ∈ {1, 2, 3, 5, 10}, decay ∈ {0.25, 0.5, 1} (one decay when the window is 1),
    /// μ ∈ <see cref="SeenPenalties"/>, at temperature <paramref name="temperature"/>; points sharing a window and decay
    /// are adjacent (the search computes T once for them).
    /// </summary>
    public static IReadOnlyList<FusionSettings> DefaultGrid(double temperature)
    {
        var grid = new List<FusionSettings>();
        foreach (var seen in SeenPenalties)
        {
            grid.Add(new FusionSettings(0, 1, 1, temperature, seen));
        }

        foreach (var window in (int[])[1, 2, 3, 5, 10])
        {
            foreach (var decay in window == 1 ? (double[])[1] : [0.25, 0.5, 1])
            {
                for (var k = -4; k <= 4; k++)
                {
                    foreach (var seen in SeenPenalties)
                    {
                        grid.Add(new FusionSettings(Math.Pow(2, k), window, decay, temperature, seen));
                    }
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

    /// <summary>One thread's buffers: the row's scaled base scores, the same sorted ascending, and the row's adjustments.</summary>
    private sealed class Worker(IUserScorer? scorer, int itemCount)
    {
        private readonly float[] _scores = new float[itemCount];
        private readonly float[] _sorted = new float[itemCount];
        private readonly Dictionary<int, float> _transitions = [];
        private readonly HashSet<int> _seen = [];
        private FusionSettings? _collected;

        public void Prepare(ReadOnlySpan<int> history, FusionSettings settings)
        {
            Adjustments.ModelScores(scorer, history, settings, _scores);
            _scores.CopyTo(_sorted, 0);
            Array.Sort(_sorted);
            _collected = null;
        }

        /// <summary>
        /// The target's rank under <paramref name="settings"/>, as <see cref="RankingMetrics.RankOf"/> over the fused scores
        /// would give it: items with a fused score ≥ the target's, counted by binary search among the unchanged base scores
        /// and corrected for the few items the counts or the seen penalty move.
        /// </summary>
        public int Rank(ReadOnlySpan<int> history, int target, TransitionCounts<int> counts, FusionSettings settings)
        {
            // Adjacent grid points share a window and decay: T is recomputed only when they change.
            if (_collected is null || _collected.Window != settings.Window || _collected.Decay != settings.Decay
                || _collected.UsesCounts != settings.UsesCounts || (_collected.SeenPenalty > 0) != (settings.SeenPenalty > 0))
            {
                Adjustments.Collect(history, counts, settings, countsAlways: scorer is null, _transitions, _seen);
                _collected = settings;
            }

            var fusedTarget = Fused(target, settings);
            if (float.IsNaN(fusedTarget))
            {
                return _scores.Length;
            }

            var ahead = _sorted.Length - LowerBound(_sorted, fusedTarget);
            foreach (var item in _transitions.Keys)
            {
                ahead += Correction(item, fusedTarget, settings);
            }

            foreach (var item in _seen)
            {
                if (!_transitions.ContainsKey(item))
                {
                    ahead += Correction(item, fusedTarget, settings);
                }
            }

            return ahead;
        }

        private float Fused(int item, FusionSettings settings) =>
            _transitions.TryGetValue(item, out var t) || _seen.Contains(item)
                ? settings.Adjust(_scores[item], t, _seen.Contains(item))
                : _scores[item];

        /// <summary>−1 when the binary search counted the item's base score but its fused one falls short, +1 the other way.</summary>
        private int Correction(int item, float fusedTarget, FusionSettings settings) =>
            (Fused(item, settings) >= fusedTarget ? 1 : 0) - (_scores[item] >= fusedTarget ? 1 : 0);

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
