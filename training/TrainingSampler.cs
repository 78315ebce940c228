namespace Actors.Training;

/// <summary>One batch: padded inputs (item indices, -1 = padding), flat query positions and their target items.</summary>
internal sealed record TrainingSamples(int[,] Inputs, long[] QueryRows, long[] Targets);

/// <summary>
/// Which users a run trains on, how they are batched each epoch, and LEARN's dense all-action samples of a batch. Every
/// random choice goes through the caller's <see cref="Random"/>, in a fixed order, so a seed fixes the whole run.
/// </summary>
internal sealed class TrainingSampler(TrainingOptions options)
{
    private readonly TrainingOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Users with at least two training items (one input, one target), the first <paramref name="maxUsers"/> of them when above 0.</summary>
    public static int[] TrainableUsers(int[][] sequences, int maxUsers)
    {
        var users = Enumerable.Range(0, sequences.Length).Where(u => sequences[u].Length >= 2).ToArray();
        return maxUsers > 0 && users.Length > maxUsers ? users[..maxUsers] : users;
    }

    /// <summary>
    /// Batches of users of similar sequence length (so padding stays small), in random order. Users are shuffled first,
    /// so equal lengths mix differently every epoch.
    /// </summary>
    public List<int[]> Batches(int[] users, int[][] sequences, Random random)
    {
        Shuffle(users, random);
        var cap = _options.MaxLength + 1;
        var sorted = users.OrderBy(u => Math.Min(sequences[u].Length, cap)).ToArray();
        var batches = new List<int[]>();
        for (var start = 0; start < sorted.Length; start += _options.BatchSize)
        {
            batches.Add(sorted.AsSpan(start, Math.Min(_options.BatchSize, sorted.Length - start)).ToArray());
        }

        for (var i = batches.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (batches[i], batches[j]) = (batches[j], batches[i]);
        }

        return batches;
    }

    /// <summary>
    /// LEARN's dense all-action sampling for a batch of users. Each user's window is its last maxLength + 1 training
    /// items; up to N_h history positions are drawn without replacement with recency weights
    /// w_i = log(α + i(β−α)/(N−1)) (i = 0 oldest), and for each, up to N_t later items within the target window.
    /// </summary>
    public TrainingSamples Sample(int[] batch, int[][] sequences, Random random)
    {
        var o = _options;
        var windows = new int[batch.Length][];
        var length = 1;
        for (var b = 0; b < batch.Length; b++)
        {
            var sequence = sequences[batch[b]];
            windows[b] = Window(sequence, o.MaxLength + 1, random);
            length = Math.Max(length, windows[b].Length - 1);
        }

        var inputs = new int[batch.Length, length];
        var queryRows = new List<long>();
        var targets = new List<long>();
        var padRow = -1;
        for (var b = 0; b < batch.Length; b++)
        {
            var window = windows[b];
            var positions = window.Length - 1;
            for (var j = 0; j < length; j++)
            {
                inputs[b, j] = j < positions ? window[j] : padRow;
            }

            foreach (var position in SamplePositions(positions, random))
            {
                var later = Math.Min(o.TargetWindow, window.Length - 1 - position);
                foreach (var offset in SampleDistinct(later, o.SampledTargets, random))
                {
                    queryRows.Add((b * length) + position);
                    targets.Add(window[position + 1 + offset]);
                }
            }
        }

        return new TrainingSamples(inputs, [.. queryRows], [.. targets]);
    }

    /// <summary>
    /// The part of a training sequence one step trains on: the whole sequence when it fits, else its last
    /// <paramref name="length"/> items, or with <c>--crops random</c> a window ending at a random position (every end
    /// from the first full window to the last equally likely), so that long histories train on all their items.
    /// </summary>
    private int[] Window(int[] sequence, int length, Random random)
    {
        if (sequence.Length <= length)
        {
            return sequence;
        }

        var end = _options.Crops == CropKind.Random ? random.Next(length, sequence.Length + 1) : sequence.Length;
        return sequence[(end - length)..end];
    }

    private IEnumerable<int> SamplePositions(int count, Random random)
    {
        var o = _options;
        if (count <= o.SampledPositions)
        {
            return Enumerable.Range(0, count);
        }

        // Weighted sampling without replacement (Efraimidis–Spirakis keys u^(1/w)).
        var keys = new (double Key, int Position)[count];
        for (var i = 0; i < count; i++)
        {
            var weight = Math.Log(o.Alpha + (i * (o.Beta - o.Alpha) / (count - 1)));
            keys[i] = (Math.Pow(random.NextDouble(), 1.0 / weight), i);
        }

        return keys.OrderByDescending(k => k.Key).Take(o.SampledPositions).Select(k => k.Position).Order();
    }

    private static IEnumerable<int> SampleDistinct(int count, int take, Random random)
    {
        if (count <= take)
        {
            return Enumerable.Range(0, count);
        }

        var all = Enumerable.Range(0, count).ToArray();
        for (var i = 0; i < take; i++)
        {
            var j = random.Next(i, count);
            (all[i], all[j]) = (all[j], all[i]);
        }

        return all.Take(take);
    }

    private static void Shuffle(int[] values, Random random)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
