using System.Diagnostics;
using System.Globalization;
using Actors.Evaluation;
using Actors.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Actors.Training;

/// <summary>One epoch's record.</summary>
public sealed record EpochReport(int Epoch, double Loss, RankingMetrics Valid, double Seconds, bool Improved);

/// <summary>The outcome of a run: the best model (by validation NDCG@10) and the history of the run.</summary>
public sealed record TrainingResult(PreferenceModel Model, RankingMetrics Valid, int BestEpoch, IReadOnlyList<EpochReport> Epochs, double Seconds)
{
    /// <summary>The loss of every optimisation step, in order (for the loss plot).</summary>
    public IReadOnlyList<double> StepLosses { get; init; } = [];

    /// <summary>The fused scorer chosen on validation for the best model, with its validation metrics.</summary>
    public FusionCandidate? Fusion { get; init; }
}

/// <summary>
/// Trains LEARN's PAL towers (or the SASRec baseline) with InfoNCE over LEARN's dense all-action samples, AdamW, a
/// warm-up + cosine schedule and early stopping on validation NDCG@10. Seeded: the same options and data give the
/// same model. Not thread-safe; one run at a time per instance.
/// </summary>
public sealed class Trainer(TrainingOptions options, Action<string>? log = null)
{
    /// <summary>Identifies the trainer in every manifest it writes.</summary>
    public const string TrainerVersion = "actors-training/1.0";

    private readonly TrainingOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly Action<string> _log = log ?? (_ => { });
    private readonly TrainingSampler _sampler = new(options);
    private readonly InfoNceLoss _loss = new(options);

    /// <summary>Called after every step with (epoch, step within epoch, steps per epoch).</summary>
    public Action<int, int, int>? StepCompleted { get; init; }

    /// <summary>Called with the exported model whenever validation NDCG@10 improves (a checkpoint of the best so far).</summary>
    public Action<PreferenceModel>? BestModelChanged { get; init; }

    public TrainingResult Train(TrainingData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var o = _options;
        var clock = Stopwatch.StartNew();
        torch.set_num_threads(o.Threads > 0 ? o.Threads : Environment.ProcessorCount);
        torch.manual_seed(o.Seed);
        var random = new Random(o.Seed);

        var itemCount = data.Content.Length;
        var contentDimension = data.Content[0].Length;
        var config = o.ToConfig(contentDimension, itemCount);
        config.Validate();
        using var network = new PalNetwork(config, o.Dropout, contentInput: o.Model == ModelKind.Learn, o.IdDropout, o.EffectiveIdRowDropout);
        using var content = ContentTensor(data.Content);
        using var contentNormalized = nn.functional.normalize(content, p: 2, dim: -1);

        var users = TrainingSampler.TrainableUsers(data.Sequences, o.MaxUsers);
        var stepsPerEpoch = (users.Length + o.BatchSize - 1) / o.BatchSize;
        var schedule = LearningRateSchedule.For(o, stepsPerEpoch);
        var parameters = network.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = CreateOptimizer(network, parameters);
        _log(string.Create(
            CultureInfo.InvariantCulture,
            $"{data.Name}: {itemCount} items, {users.Length} training users, {data.Valid.Count} validation rows; {parameters.Sum(p => p.numel())} trainable parameters; {stepsPerEpoch} steps per epoch."));

        var reports = new List<EpochReport>();
        var stepLosses = new List<double>();
        Dictionary<string, Tensor>? best = null;
        RankingMetrics? bestMetrics = null;
        var bestEpoch = 0;
        var step = 0;
        try
        {
            for (var epoch = 1; epoch <= o.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                network.train();
                double lossSum = 0;
                var batches = 0;
                foreach (var batch in _sampler.Batches(users, data.Sequences, random))
                {
                    var learningRate = schedule.At(step);
                    foreach (var group in optimizer.ParamGroups)
                    {
                        group.LearningRate = learningRate;
                    }

                    using (var scope = NewDisposeScope())
                    {
                        var samples = _sampler.Sample(batch, data.Sequences, random);
                        if (samples.Targets.Length == 0)
                        {
                            continue;
                        }

                        optimizer.zero_grad();
                        var loss = _loss.Of(network, content, contentNormalized, samples, config);
                        loss.backward();
                        optimizer.step();
                        var stepLoss = loss.item<float>();
                        lossSum += stepLoss;
                        stepLosses.Add(stepLoss);
                        batches++;
                    }

                    step++;
                    StepCompleted?.Invoke(epoch, batches, stepsPerEpoch);
                }

                var trainSeconds = epochClock.Elapsed.TotalSeconds;
                var valid = TrainingValidation.Evaluate(network, content, contentNormalized, data, config);
                var improved = bestMetrics is null || valid.NdcgAt10 > bestMetrics.NdcgAt10;
                if (improved)
                {
                    best?.Values.ToList().ForEach(t => t.Dispose());
                    best = Snapshot(network);
                    bestMetrics = valid;
                    bestEpoch = epoch;
                    BestModelChanged?.Invoke(ArtifactExport.Export(o, config, best, data, valid, epoch, clock.Elapsed.TotalSeconds));
                }

                var report = new EpochReport(epoch, lossSum / Math.Max(1, batches), valid, epochClock.Elapsed.TotalSeconds, improved);
                reports.Add(report);
                _log(string.Create(
                    CultureInfo.InvariantCulture,
                    $"epoch {epoch,3}  loss {report.Loss:F4}  valid R@10 {valid.RecallAt10:F4}  N@10 {valid.NdcgAt10:F4}  R@50 {valid.RecallAt50:F4}  {trainSeconds:F1}s + eval {report.Seconds - trainSeconds:F1}s{(improved ? "  *" : "")}"));
                if (epoch - bestEpoch >= o.Patience)
                {
                    _log(string.Create(CultureInfo.InvariantCulture, $"early stop: no better validation NDCG@10 for {o.Patience} epochs; best epoch {bestEpoch}."));
                    break;
                }
            }

            var seconds = clock.Elapsed.TotalSeconds;
            var exported = ArtifactExport.Export(o, config, best!, data, bestMetrics!, bestEpoch, seconds);
            var fusion = TrainingValidation.ChooseFusion(exported, data, o.Temperature, _log);
            var model = ArtifactExport.WithFusion(exported, fusion);
            return new TrainingResult(model, bestMetrics!, bestEpoch, reports, seconds) { StepLosses = stepLosses, Fusion = fusion };
        }
        finally
        {
            best?.Values.ToList().ForEach(t => t.Dispose());
        }
    }

    /// <summary>AdamW over every trainable parameter; with <c>--id-weight-decay</c>, the id table in a group of its own.</summary>
    private TorchSharp.Modules.AdamW CreateOptimizer(PalNetwork network, List<TorchSharp.Modules.Parameter> parameters)
    {
        var o = _options;
        var ids = network.IdEmbeddingWeight;
        if (o.IdWeightDecay is not { } idWeightDecay || ids is null || !ids.requires_grad)
        {
            return optim.AdamW(parameters, lr: o.LearningRate, weight_decay: o.WeightDecay);
        }

        var others = parameters.Where(p => !ReferenceEquals(p, ids)).ToList();
        return optim.AdamW(
            [
                new TorchSharp.Modules.AdamW.ParamGroup(others, lr: o.LearningRate, weight_decay: o.WeightDecay),
                new TorchSharp.Modules.AdamW.ParamGroup([ids], lr: o.LearningRate, weight_decay: idWeightDecay),
            ],
            lr: o.LearningRate);
    }

    internal static Tensor ContentTensor(float[][] rows)
    {
        var dimension = rows[0].Length;
        var flat = new float[rows.Length * dimension];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i].CopyTo(flat, i * dimension);
        }

        return tensor(flat, [rows.Length, dimension]);
    }

    private static Dictionary<string, Tensor> Snapshot(PalNetwork network)
    {
        var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, value) in network.state_dict())
        {
            copy[name] = value.detach().clone();
        }

        return copy;
    }
}
