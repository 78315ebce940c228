using Actors.Dataset;

namespace Actors.Evaluation;

/// <summary>Which leave-one-out row of each user is evaluated.</summary>
public enum EvaluationSplit
{
    /// <summary>History → second-to-last item (model selection).</summary>
    Valid,

    /// <summary>History → last item (reported once, never used for selection).</summary>
    Test,
}

/// <summary>How <see cref="RankingEvaluator"/> ranks.</summary>
public sealed class EvaluationOptions
{
    /// <summary>
    /// Remove the user's history items (other than the target) from the ranking. Default false: seen items stay in,
    /// as in the published numbers this is compared with.
    /// </summary>
    public bool MaskSeen { get; init; }

    /// <summary>History items given to the ranker: the last MaxHistory of the row. Default 50 (the data set's bound).</summary>
    public int MaxHistory { get; init; } = 50;

    /// <summary>Worker threads. Default 0: one per processor.</summary>
    public int Parallelism { get; init; }
}

/// <summary>The outcome of ranking one split with one ranker: the rank of every user's target and the metrics.</summary>
/// <param name="Ranker">The ranker's name.</param>
/// <param name="Ranks">Rank of each row's target (row order of the split).</param>
/// <param name="Metrics">Averages over the rows.</param>
/// <param name="Elapsed">Wall time of the ranking.</param>
public sealed record RankingResult(string Ranker, int[] Ranks, RankingMetrics Metrics, TimeSpan Elapsed);

/// <summary>
/// Leave-one-out, full-ranking evaluation: for every row (user), the ranker scores all items given the row's history
/// and the target's rank among them is recorded. Rows are spread over worker threads, each with its own scorer; ranks
/// are stored per row and averaged in row order, so results do not depend on scheduling.
/// </summary>
public static class RankingEvaluator
{
    /// <summary>The rows of <paramref name="split"/> in <paramref name="dataset"/>.</summary>
    public static IReadOnlyList<Interaction> Rows(UniSRecDataset dataset, EvaluationSplit split)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return split switch
        {
            EvaluationSplit.Valid => dataset.Valid,
            EvaluationSplit.Test => dataset.Test,
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Expected Valid or Test."),
        };
    }

    /// <summary>
    /// Every user's interactions before the targets of <paramref name="split"/>, oldest first: the training sequences,
    /// plus the validation target for the test split. Replayed as events, they are what the grains have counted when
    /// the split's targets are asked for.
    /// </summary>
    public static int[][] SequencesBefore(UniSRecDataset dataset, EvaluationSplit split)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var sequences = dataset.TrainingSequences();
        if (split == EvaluationSplit.Test)
        {
            foreach (var row in dataset.Valid)
            {
                sequences[row.User] = [.. sequences[row.User], row.Target];
            }
        }

        return sequences;
    }

    /// <summary>Ranks every row of <paramref name="rows"/> with <paramref name="ranker"/>.</summary>
    /// <param name="ranker">The scorer.</param>
    /// <param name="rows">Leave-one-out rows: history (oldest first) and target.</param>
    /// <param name="options">Masking, history bound, threads; null = defaults.</param>
    /// <param name="progress">Receives the number of rows done so far, now and then and at the end.</param>
    /// <param name="cancellationToken">Stops between rows.</param>
    public static RankingResult Evaluate(
        IRanker ranker,
        IReadOnlyList<Interaction> rows,
        EvaluationOptions? options = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ranker);
        ArgumentNullException.ThrowIfNull(rows);
        options ??= new EvaluationOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxHistory);
        var itemCount = ranker.ItemCount;
        foreach (var row in rows)
        {
            if ((uint)row.Target >= (uint)itemCount)
            {
                throw new ArgumentException($"User {row.User}: target {row.Target} is outside the ranker's {itemCount} items.", nameof(rows));
            }

            foreach (var item in row.History)
            {
                if ((uint)item >= (uint)itemCount)
                {
                    throw new ArgumentException($"User {row.User}: history item {item} is outside the ranker's {itemCount} items.", nameof(rows));
                }
            }
        }

        var ranks = new int[rows.Count];
        var done = 0;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        Parallel.For(
            0,
            rows.Count,
            parallel,
            () => (Scorer: ranker.CreateScorer(), Scores: new float[itemCount]),
            (index, _, local) =>
            {
                var row = rows[index];
                var history = row.History.AsSpan(Math.Max(0, row.History.Length - options.MaxHistory));
                local.Scorer.Score(history, local.Scores);
                if (options.MaskSeen)
                {
                    foreach (var item in history)
                    {
                        if (item != row.Target)
                        {
                            local.Scores[item] = float.NegativeInfinity;
                        }
                    }
                }

                ranks[index] = RankingMetrics.RankOf(local.Scores, row.Target);
                var count = Interlocked.Increment(ref done);
                if (count % 256 == 0)
                {
                    progress?.Report(count);
                }

                return local;
            },
            _ => { });
        progress?.Report(rows.Count);
        return new RankingResult(ranker.Name, ranks, RankingMetrics.FromRanks(ranks), System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }
}
