using Actors.Evaluation;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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

        var users = TrainableUsers(data.Sequences, o.MaxUsers);
        var stepsPerEpoch = (users.Length + o.BatchSize - 1) / o.BatchSize;
        var totalSteps = Math.Max(1, stepsPerEpoch * o.Epochs);
        var warmupSteps = Math.Max(1, (int)(o.WarmupFraction * totalSteps));
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
                foreach (var batch in Batches(users, data.Sequences, random))
                {
                    var learningRate = LearningRate(step, warmupSteps, totalSteps);
                    foreach (var group in optimizer.ParamGroups)
                    {
                        group.LearningRate = learningRate;
                    }

                    using (var scope = NewDisposeScope())
                    {
                        var samples = Sample(batch, data.Sequences, random);
                        if (samples.Targets.Length == 0)
                        {
                            continue;
                        }

                        optimizer.zero_grad();
                        var loss = Loss(network, content, contentNormalized, samples, config);
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
                var valid = Evaluate(network, content, contentNormalized, data, config);
                var improved = bestMetrics is null || valid.NdcgAt10 > bestMetrics.NdcgAt10;
                if (improved)
                {
                    best?.Values.ToList().ForEach(t => t.Dispose());
                    best = Snapshot(network);
                    bestMetrics = valid;
                    bestEpoch = epoch;
                    BestModelChanged?.Invoke(Export(config, best, data, valid, epoch, clock.Elapsed.TotalSeconds));
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
            var exported = Export(config, best!, data, bestMetrics!, bestEpoch, seconds);
            var fusion = ChooseFusion(exported, data, o.Temperature, _log);
            var model = WithFusion(exported, fusion);
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

    /// <summary>State-dict tensors as the arrays of <paramref name="config"/>'s specs.</summary>
    internal static Dictionary<string, float[]> ExportTensors(PreferenceModelConfig config, IReadOnlyDictionary<string, Tensor> state)
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

    /// <summary>The in-batch (or full-catalog) InfoNCE loss of one batch of samples.</summary>
    private Tensor Loss(PalNetwork network, Tensor content, Tensor contentNormalized, Samples samples, PreferenceModelConfig config)
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
    private static Tensor MaskHistory(Tensor logits, Samples samples, int length)
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

    /// <summary>Validation metrics: full ranking of all items for every validation row (history = its item list).</summary>
    internal static RankingMetrics Evaluate(PalNetwork network, Tensor content, Tensor contentNormalized, TrainingData data, PreferenceModelConfig config)
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
        // The evaluator's own metric definitions, so validation here and `client evaluate` can never disagree.
        return RankingMetrics.FromRanks(ranks.ConvertAll(rank => checked((int)rank)).ToArray());
    }

    /// <summary>The user tower over right-padded histories: the output at each history's last position.</summary>
    internal static Tensor UserEmbeddings(PalNetwork network, Tensor adapted, int[][] histories, int padRow, PreferenceModelConfig config)
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

    private PreferenceModel Export(
        PreferenceModelConfig config,
        Dictionary<string, Tensor> state,
        TrainingData data,
        RankingMetrics valid,
        int bestEpoch,
        double seconds)
    {
        var tensors = ExportTensors(config, state);
        var itemIds = config.IdEmbeddings > 0 ? data.ItemIds : null;
        var kind = _options.Model == ModelKind.SasRec ? "sasrec" : "learn";
        var hashed = PreferenceModel.FromTensors(config, tensors, itemIds, null, null);
        var version = string.Create(CultureInfo.InvariantCulture, $"{kind}-{data.Name.ToLowerInvariant()}-{hashed.Version["sha256:".Length..]}");
        var metadata = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            [ArtifactKinds.ManifestKey] = JsonSerializer.SerializeToElement(kind),
            ["trainer"] = JsonSerializer.SerializeToElement(TrainerVersion),
            ["encoder"] = JsonSerializer.SerializeToElement(data.Encoder),
            ["dataset"] = JsonSerializer.SerializeToElement($"{data.Name}/sha256:{data.DatasetHash}"),
            ["metrics"] = JsonSerializer.SerializeToElement(MetricsJson(valid)),
            ["bestEpoch"] = JsonSerializer.SerializeToElement(bestEpoch),
            ["trainingSeconds"] = JsonSerializer.SerializeToElement(Math.Round(seconds, 1)),
            ["hyperparameters"] = JsonSerializer.SerializeToElement(Hyperparameters()),
        };

        return PreferenceModel.FromTensors(config, tensors, itemIds, version, metadata);
    }

    private Dictionary<string, object> Hyperparameters()
    {
        var o = _options;
        return new Dictionary<string, object>
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

    private double LearningRate(int step, int warmupSteps, int totalSteps)
    {
        if (step < warmupSteps)
        {
            return _options.LearningRate * (step + 1) / warmupSteps;
        }

        var progress = Math.Min(1.0, (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps));
        return _options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>
    /// LEARN's dense all-action sampling for a batch of users. Each user's window is its last maxLength + 1 training
    /// items; up to N_h history positions are drawn without replacement with recency weights
    /// w_i = log(α + i(β−α)/(N−1)) (i = 0 oldest), and for each, up to N_t later items within the target window.
    /// </summary>
    private Samples Sample(int[] batch, int[][] sequences, Random random)
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

        return new Samples(inputs, [.. queryRows], [.. targets]);
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

    private static int[] TrainableUsers(int[][] sequences, int maxUsers)
    {
        var users = Enumerable.Range(0, sequences.Length).Where(u => sequences[u].Length >= 2).ToArray();
        return maxUsers > 0 && users.Length > maxUsers ? users[..maxUsers] : users;
    }

    /// <summary>
    /// Batches of users of similar sequence length (so padding stays small), in random order. Users are shuffled first,
    /// so equal lengths mix differently every epoch.
    /// </summary>
    private List<int[]> Batches(int[] users, int[][] sequences, Random random)
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

    private static void Shuffle(int[] values, Random random)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
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

    /// <summary>One batch: padded inputs (item indices, -1 = padding), flat query positions and their target items.</summary>
    private sealed record Samples(int[,] Inputs, long[] QueryRows, long[] Targets);
}
