namespace Actors.Evaluation;

/// <summary>
/// Leave-one-out, full-ranking metrics averaged over users: Recall (hit rate) and NDCG at 10, 20, 50, and MRR.
/// Definitions shared with the trainer's validation: rank = 1 + the number of <em>other</em> items whose score is
/// ≥ the target's (ties count against the target); R@K = 1 when rank ≤ K; N@K = 1/log2(rank + 1) when rank ≤ K;
/// MRR = mean of 1/rank (not cut off).
/// </summary>
public sealed record RankingMetrics(
    int Users,
    double RecallAt10,
    double NdcgAt10,
    double RecallAt20,
    double NdcgAt20,
    double RecallAt50,
    double NdcgAt50,
    double Mrr)
{
    /// <summary>Metric names in report order, as they appear in the JSON and tables.</summary>
    public static IReadOnlyList<string> Names { get; } = ["R@10", "N@10", "R@20", "N@20", "R@50", "N@50", "MRR"];

    /// <summary>The metrics in <see cref="Names"/> order.</summary>
    public IReadOnlyList<double> Values => [RecallAt10, NdcgAt10, RecallAt20, NdcgAt20, RecallAt50, NdcgAt50, Mrr];

    /// <summary>The value of the metric named <paramref name="name"/> (one of <see cref="Names"/>).</summary>
    public double this[string name] => name switch
    {
        "R@10" => RecallAt10,
        "N@10" => NdcgAt10,
        "R@20" => RecallAt20,
        "N@20" => NdcgAt20,
        "R@50" => RecallAt50,
        "N@50" => NdcgAt50,
        "MRR" => Mrr,
        _ => throw new ArgumentException($"Unknown metric '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>
    /// The rank of <paramref name="target"/>: 1 + the number of other items scoring ≥ it. A NaN target score ranks
    /// last; other NaN scores never beat the target. Masked items should carry negative infinity.
    /// </summary>
    public static int RankOf(ReadOnlySpan<float> scores, int target)
    {
        if ((uint)target >= (uint)scores.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(target), $"Target {target} is outside the {scores.Length} scored items.");
        }

        var score = scores[target];
        if (float.IsNaN(score))
        {
            return scores.Length;
        }

        var ahead = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] >= score)
            {
                ahead++;
            }
        }

        // The loop counted the target itself (score ≥ score), which makes it 1 + the others.
        return ahead;
    }

    /// <summary>1/log2(rank + 1) when rank ≤ k, else 0.</summary>
    public static double Ndcg(int rank, int k) => rank <= k ? 1.0 / Math.Log2(rank + 1.0) : 0.0;

    /// <summary>Averages the per-user metrics of <paramref name="ranks"/> (each ≥ 1), summed in order so results are repeatable.</summary>
    public static RankingMetrics FromRanks(ReadOnlySpan<int> ranks)
    {
        double r10 = 0, n10 = 0, r20 = 0, n20 = 0, r50 = 0, n50 = 0, mrr = 0;
        foreach (var rank in ranks)
        {
            if (rank < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(ranks), $"Rank {rank} is not a rank; ranks start at 1.");
            }

            r10 += rank <= 10 ? 1 : 0;
            r20 += rank <= 20 ? 1 : 0;
            r50 += rank <= 50 ? 1 : 0;
            n10 += Ndcg(rank, 10);
            n20 += Ndcg(rank, 20);
            n50 += Ndcg(rank, 50);
            mrr += 1.0 / rank;
        }

        var n = Math.Max(ranks.Length, 1);
        return new RankingMetrics(ranks.Length, r10 / n, n10 / n, r20 / n, n20 / n, r50 / n, n50 / n, mrr / n);
    }
}
