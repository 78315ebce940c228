using System.Globalization;
using System.Text.Json;
using Actors.Evaluation;
using Actors.Model;
using static TorchSharp.torch;

namespace Actors.Training;

/// <summary>
/// Turns the trained network into the serving library's artifact: its tensors under the contract's names and shapes
/// (<c>model/README.md</c>), and the manifest fields the trainer writes (<see cref="Export"/> lists them all).
/// </summary>
internal static class ArtifactExport
{
    /// <summary>
    /// The artifact of <paramref name="state"/> (the best epoch's weights): version <c>{model}-{dataset}-{hash}</c>, and
    /// the manifest fields beyond the architecture that say how it was trained and what it scored on validation.
    /// </summary>
    public static PreferenceModel Export(
        TrainingOptions options,
        PreferenceModelConfig config,
        Dictionary<string, Tensor> state,
        TrainingData data,
        RankingMetrics valid,
        int bestEpoch,
        double seconds)
    {
        var tensors = ExportTensors(config, state);
        var itemIds = config.IdEmbeddings > 0 ? data.ItemIds : null;
        var kind = options.Model == ModelKind.SasRec ? "sasrec" : "learn";
        var hashed = PreferenceModel.FromTensors(config, tensors, itemIds, null, null);
        var version = string.Create(CultureInfo.InvariantCulture, $"{kind}-{data.Name.ToLowerInvariant()}-{hashed.Version["sha256:".Length..]}");
        var metadata = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            [ArtifactKinds.ManifestKey] = JsonSerializer.SerializeToElement(kind),
            ["trainer"] = JsonSerializer.SerializeToElement(Trainer.TrainerVersion),
            ["encoder"] = JsonSerializer.SerializeToElement(data.Encoder),
            ["dataset"] = JsonSerializer.SerializeToElement($"{data.Name}/sha256:{data.DatasetHash}"),
            ["metrics"] = JsonSerializer.SerializeToElement(MetricsJson(valid)),
            ["bestEpoch"] = JsonSerializer.SerializeToElement(bestEpoch),
            ["trainingSeconds"] = JsonSerializer.SerializeToElement(Math.Round(seconds, 1)),
            ["hyperparameters"] = JsonSerializer.SerializeToElement(Hyperparameters(options)),
        };

        return PreferenceModel.FromTensors(config, tensors, itemIds, version, metadata);
    }

    /// <summary><paramref name="model"/> with <paramref name="fusion"/> (and its validation metrics) in its manifest instead of what it had.</summary>
    public static PreferenceModel WithFusion(PreferenceModel model, FusionCandidate fusion)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(fusion);
        return model.WithMetadata(new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            [FusionSettings.ManifestKey] = fusion.Settings.ToJson(),
            ["fusedMetrics"] = JsonSerializer.SerializeToElement(MetricsJson(fusion.Metrics)),
        });
    }

    /// <summary>State-dict tensors as the arrays of <paramref name="config"/>'s specs.</summary>
    public static Dictionary<string, float[]> ExportTensors(PreferenceModelConfig config, IReadOnlyDictionary<string, Tensor> state)
    {
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var spec in config.TensorSpecs())
        {
            if (!state.TryGetValue(spec.Name, out var tensor))
            {
                throw new InvalidOperationException($"The TorchSharp module has no tensor '{spec.Name}' that the artifact contract requires.");
            }

            var shape = tensor.shape.Select(d => (int)d).ToArray();
            if (!shape.SequenceEqual(spec.Shape))
            {
                throw new InvalidOperationException($"Tensor '{spec.Name}' is [{string.Join(", ", shape)}]; the contract wants [{string.Join(", ", spec.Shape)}].");
            }

            using var contiguous = tensor.detach().to(float32).contiguous();
            tensors[spec.Name] = contiguous.data<float>().ToArray();
        }

        var extra = state.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
        if (extra.Count > 0)
        {
            throw new InvalidOperationException($"The TorchSharp module has tensors outside the artifact contract: {string.Join(", ", extra)}.");
        }

        return tensors;
    }

    private static Dictionary<string, object> MetricsJson(RankingMetrics metrics) => new()
    {
        ["split"] = "valid",
        ["users"] = metrics.Users,
        ["R@10"] = Math.Round(metrics.RecallAt10, 6),
        ["N@10"] = Math.Round(metrics.NdcgAt10, 6),
        ["R@50"] = Math.Round(metrics.RecallAt50, 6),
        ["N@50"] = Math.Round(metrics.NdcgAt50, 6),
        ["MRR"] = Math.Round(metrics.Mrr, 6),
    };

    private static Dictionary<string, object> Hyperparameters(TrainingOptions o) => new()
    {
        ["model"] = o.Model == ModelKind.SasRec ? "sasrec" : "learn",
        ["itemIds"] = o.UsesItemIds,
        ["epochs"] = o.Epochs,
        ["seed"] = o.Seed,
        ["hidden"] = o.Hidden,
        ["layers"] = o.Layers,
        ["heads"] = o.Heads,
        ["feedForward"] = o.EffectiveFeedForward,
        ["normFirst"] = o.NormFirst,
        ["positions"] = o.Positions == PositionEncoding.Learned ? "learned" : "none",
        ["maxLength"] = o.MaxLength,
        ["itemTower"] = o.ItemTower.ToString().ToLowerInvariant(),
        ["inputNorm"] = o.InputNorm,
        ["temperature"] = o.Temperature,
        ["negatives"] = o.Negatives == NegativeKind.All ? "all" : "inbatch",
        ["dropout"] = o.Dropout,
        ["batchSize"] = o.BatchSize,
        ["learningRate"] = o.LearningRate,
        ["weightDecay"] = o.WeightDecay,
        ["idWeightDecay"] = o.IdWeightDecay ?? o.WeightDecay,
        ["idDropout"] = o.IdDropout,
        ["idRowDropout"] = o.EffectiveIdRowDropout,
        ["warmupFraction"] = o.WarmupFraction,
        ["sampledPositions"] = o.SampledPositions,
        ["sampledTargets"] = o.SampledTargets,
        ["targetWindow"] = o.TargetWindow,
        ["alpha"] = o.Alpha,
        ["beta"] = o.Beta,
        ["patience"] = o.Patience,
        ["maskHistoryNegatives"] = o.MaskHistoryNegatives,
        ["crops"] = o.Crops.ToString().ToLowerInvariant(),
        ["optimizer"] = "AdamW, linear warm-up then cosine decay",
        ["loss"] = "InfoNCE",
    };
}
