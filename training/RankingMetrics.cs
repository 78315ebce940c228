namespace Actors.Training;

/// <summary>
/// Full-ranking metrics over all items, as the evaluator defines them: rank = 1 + the number of OTHER items whose score
/// is ≥ the target's (ties count against the target); R@K = 1 if rank ≤ K; N@K = 1/log2(rank + 1) if rank ≤ K;
/// seen items are not masked.
/// </summary>
public sealed record RankingMetrics(int Users, double RecallAt10, double NdcgAt10, double RecallAt50, double NdcgAt50, double Mrr)
{
    public static RankingMetrics FromRanks(IReadOnlyList<long> ranks)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        double r10 = 0, n10 = 0, r50 = 0, n50 = 0, mrr = 0;
        foreach (var rank in ranks)
        {
            var gain = 1.0 / Math.Log2(rank + 1);
            if (rank <= 10)
            {
                r10++;
                n10 += gain;
            }

            if (rank <= 50)
            {
                r50++;
                n50 += gain;
            }

            mrr += 1.0 / rank;
        }

        var count = Math.Max(1, ranks.Count);
        return new RankingMetrics(ranks.Count, r10 / count, n10 / count, r50 / count, n50 / count, mrr / count);
    }
}
