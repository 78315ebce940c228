using Actors.Dataset;

namespace Actors.Evaluation;

/// <summary>
/// Scores every item by how often it occurs in the users' <em>training</em> sequences, the same for every user.
/// Validation and test targets are never counted, so the baseline sees nothing it is evaluated on.
/// </summary>
public sealed class PopularityRanker : IRanker
{
    private readonly float[] _counts;

    /// <summary>Counts the items of <paramref name="trainingSequences"/> (one sequence per user).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An item index is outside 0..<paramref name="itemCount"/>−1.</exception>
    public PopularityRanker(int itemCount, IEnumerable<int[]> trainingSequences, string name = "popularity")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(itemCount);
        ArgumentNullException.ThrowIfNull(trainingSequences);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _counts = new float[itemCount];
        foreach (var sequence in trainingSequences)
        {
            foreach (var item in sequence)
            {
                if ((uint)item >= (uint)itemCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(trainingSequences), $"Item index {item} is outside 0..{itemCount - 1}.");
                }

                _counts[item]++;
            }
        }

        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int ItemCount => _counts.Length;

    /// <summary>Training occurrences of each item.</summary>
    public ReadOnlySpan<float> Counts => _counts;

    /// <summary>Counts over each user's training sequence of <paramref name="dataset"/> (<see cref="UniSRecDataset.TrainingSequences"/>).</summary>
    public static PopularityRanker FromTraining(UniSRecDataset dataset, string name = "popularity")
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new PopularityRanker(dataset.Items.Count, dataset.TrainingSequences(), name);
    }

    /// <inheritdoc/>
    public IUserScorer CreateScorer() => new Scorer(_counts);

    private sealed class Scorer(float[] counts) : IUserScorer
    {
        public void Score(ReadOnlySpan<int> history, Span<float> scores) => counts.CopyTo(scores);
    }
}
