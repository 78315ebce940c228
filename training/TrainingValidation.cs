using System.Diagnostics;
using System.Globalization;
using Actors.Evaluation;
using Actors.Model;
using static TorchSharp.torch;

namespace Actors.Training;

/// <summary>
/// Everything measured on the validation split: the network's metrics after each epoch (for early stopping) and the
/// served score's fusion, chosen for the exported model through the serving library.
/// </summary>
internal static class TrainingValidation
{
    /// <summary>Validation metrics: full ranking of all items for every validation row (history = its item list).</summary>
    public static RankingMetrics Evaluate(PalNetwork network, Tensor content, Tensor contentNormalized, TrainingData data, PreferenceModelConfig config)
    {
        network.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var itemCount = (int)content.shape[0];
        var adapted = network.AdaptItems(content);
        using var all = arange(itemCount, dtype: int64);
        var items = config.ItemTower == ItemTowerKind.Content
            ? contentNormalized
            : network.Candidates(adapted.index_select(0, all));
        var ranks = new List<long>(data.Valid.Count);
        const int chunk = 512;

        // Rows sorted by history length keep padding small; the metrics do not depend on the order.
        var order = data.Valid.OrderBy(r => r.History.Length).ToArray();
        for (var start = 0; start < order.Length; start += chunk)
        {
            using var inner = NewDisposeScope();
            var rows = Math.Min(chunk, order.Length - start);
            var histories = new int[rows][];
            var targets = new long[rows];
            for (var r = 0; r < rows; r++)
            {
                var row = order[start + r];
                histories[r] = row.History.Length > config.MaxLength ? row.History[^config.MaxLength..] : row.History;
                targets[r] = row.Target;
            }

            var users = UserEmbeddings(network, adapted, histories, itemCount, config);
            var scores = users.matmul(items.t());
            var targetScores = scores.gather(1, tensor(targets).unsqueeze(1));
            var counts = scores.ge(targetScores).sum(1, type: int64).data<long>().ToArray();
            ranks.AddRange(counts);
        }

        network.train();
        // The evaluator's own metric definitions, so validation here and `actors-evaluate` can never disagree.
        return RankingMetrics.FromRanks(ranks.ConvertAll(rank => checked((int)rank)).ToArray());
    }

    /// <summary>The user tower over right-padded histories: the output at each history's last position.</summary>
    public static Tensor UserEmbeddings(PalNetwork network, Tensor adapted, int[][] histories, int padRow, PreferenceModelConfig config)
    {
        var length = Math.Max(1, histories.Max(h => h.Length));
        var index = new long[histories.Length * length];
        var last = new long[histories.Length];
        for (var r = 0; r < histories.Length; r++)
        {
            var history = histories[r];
            for (var j = 0; j < length; j++)
            {
                index[(r * length) + j] = j < history.Length ? history[j] : padRow;
            }

            last[r] = (r * length) + history.Length - 1;
        }

        var sequences = adapted.index_select(0, tensor(index)).view(histories.Length, length, config.Hidden);
        return network.forward(sequences).view(histories.Length * length, -1).index_select(0, tensor(last));
    }

    /// <summary>
    /// λ, window, decay and seen penalty of the served score, chosen on the validation rows for <paramref name="model"/>
    /// through the serving library (<see cref="PreferenceModelRanker"/>), with the transitions of the training sequences as
    /// the grains count them. <paramref name="temperature"/> is the training temperature (the cosine's scale in the loss).
    /// </summary>
    public static FusionCandidate ChooseFusion(PreferenceModel model, TrainingData data, double temperature, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(log);
        var clock = Stopwatch.StartNew();
        var ranker = new PreferenceModelRanker("model", model, data.Content, data.ItemIds);
        var counts = FusedRanker.CountsOf(data.Sequences);
        var candidates = FusionSearch.Run(ranker, data.Content.Length, data.Valid, counts, FusionSearch.DefaultGrid(temperature));
        var best = FusionSearch.Best(candidates);
        var s = best.Settings;
        log(string.Create(
            CultureInfo.InvariantCulture,
            $"fusion: λ {s.Lambda} window {s.Window} decay {s.Decay} seen μ {s.SeenPenalty} (of {candidates.Count} on valid, {clock.Elapsed.TotalSeconds:F1}s): valid R@10 {best.Metrics.RecallAt10:F4}  N@10 {best.Metrics.NdcgAt10:F4}  R@50 {best.Metrics.RecallAt50:F4}; model alone N@10 {candidates[0].Metrics.NdcgAt10:F4}"));
        return best;
    }
}
