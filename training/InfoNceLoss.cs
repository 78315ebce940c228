using Actors.Model;
using static TorchSharp.torch;

namespace Actors.Training;

/// <summary>
/// The training loss: InfoNCE of each sampled query against its target, with the other targets of the batch
/// (<c>--negatives inbatch</c>) or every catalog item (<c>--negatives all</c>) as negatives.
/// </summary>
internal sealed class InfoNceLoss(TrainingOptions options)
{
    private readonly TrainingOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The loss of one batch of samples.</summary>
    public Tensor Of(PalNetwork network, Tensor content, Tensor contentNormalized, TrainingSamples samples, PreferenceModelConfig config)
    {
        var itemCount = content.shape[0];
        var adapted = network.AdaptItems(content);
        var batch = samples.Inputs.GetLength(0);
        var length = samples.Inputs.GetLength(1);
        using var inputIndex = tensor(Flatten(samples.Inputs, itemCount), [batch * length]);
        var sequences = adapted.index_select(0, inputIndex).view(batch, length, config.Hidden);
        var outputs = network.forward(sequences).view(batch * length, -1);
        using var queryIndex = tensor(samples.QueryRows);
        var users = outputs.index_select(0, queryIndex);

        long[] candidates;
        long[] labels;
        if (_options.Negatives == NegativeKind.All)
        {
            candidates = [.. Enumerable.Range(0, (int)itemCount).Select(i => (long)i)];
            labels = samples.Targets;
        }
        else
        {
            // Deduplicating the targets is LEARN's masking of negatives that are the positive item.
            candidates = [.. samples.Targets.Distinct().Order()];
            var column = new Dictionary<long, long>(candidates.Length);
            for (var i = 0; i < candidates.Length; i++)
            {
                column[candidates[i]] = i;
            }

            labels = [.. samples.Targets.Select(t => column[t])];
        }

        using var candidateIndex = tensor(candidates);
        var items = config.ItemTower == ItemTowerKind.Content
            ? contentNormalized.index_select(0, candidateIndex)
            : network.Candidates(adapted.index_select(0, candidateIndex));
        var logits = users.matmul(items.t()) / _options.Temperature;
        if (_options.MaskHistoryNegatives && _options.Negatives == NegativeKind.All)
        {
            logits = MaskHistory(logits, samples, length);
        }

        using var labelTensor = tensor(labels);
        return nn.functional.cross_entropy(logits, labelTensor);
    }

    /// <summary>
    /// Takes the items of each query's own history (up to its position) out of its negatives, the target excepted: the
    /// served score handles seen items with its penalty, so the model need not spend capacity pushing them down.
    /// </summary>
    private static Tensor MaskHistory(Tensor logits, TrainingSamples samples, int length)
    {
        var items = logits.shape[1];
        var flat = new List<long>();
        for (var q = 0; q < samples.QueryRows.Length; q++)
        {
            var b = (int)(samples.QueryRows[q] / length);
            var position = (int)(samples.QueryRows[q] % length);
            for (var j = 0; j <= position; j++)
            {
                var item = samples.Inputs[b, j];
                if (item >= 0 && item != samples.Targets[q])
                {
                    flat.Add((q * items) + item);
                }
            }
        }

        if (flat.Count == 0)
        {
            return logits;
        }

        using var index = tensor(flat.ToArray());
        return logits.reshape(-1).index_fill(0, index, float.NegativeInfinity).view(logits.shape);
    }

    private static long[] Flatten(int[,] values, long padRow)
    {
        var flat = new long[values.Length];
        var i = 0;
        foreach (var value in values)
        {
            flat[i++] = value < 0 ? padRow : value;
        }

        return flat;
    }
}
