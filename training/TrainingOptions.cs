using Actors.Model;

namespace Actors.Training;

/// <summary>Which model the trainer fits.</summary>
public enum ModelKind
{
    /// <summary>LEARN: frozen content embeddings through the PAL module (optionally plus learned item ids).</summary>
    Learn,

    /// <summary>ID-based SASRec: learned item-id embeddings only, same causal transformer.</summary>
    SasRec,
}

/// <summary>Which items serve as negatives of the InfoNCE loss.</summary>
public enum NegativeKind
{
    /// <summary>The other targets of the batch (LEARN's in-batch InfoNCE); duplicates of the positive are masked.</summary>
    InBatch,

    /// <summary>Every other item of the catalog (full-softmax InfoNCE).</summary>
    All,
}

/// <summary>Which window of a training sequence longer than the model's window a step trains on.</summary>
public enum CropKind
{
    /// <summary>The most recent items (what validation and serving see).</summary>
    Last,

    /// <summary>A window ending at a random position, so every part of a long history is trained on.</summary>
    Random,
}

/// <summary>
/// Every setting of a training run. The defaults are the best configuration found on Scientific
/// (see <c>training/EXPERIMENTS.md</c>), so that the bare command reproduces the shipped model. The command line
/// (<see cref="TrainingCommandLine"/>) takes its defaults from here.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>The UniSRec data-set folder (required).</summary>
    public string Dataset { get; init; } = "";

    /// <summary>The artifact folder to write (required).</summary>
    public string Output { get; init; } = "";

    /// <summary>Folder of the content-embedding cache; null = <c>ContentEmbeddingCache.DefaultDirectory</c>.</summary>
    public string? EmbeddingCache { get; init; }

    /// <summary>LEARN (content) or SASRec (ids). Default LEARN.</summary>
    public ModelKind Model { get; init; } = ModelKind.Learn;

    /// <summary>Adds learned item-id embeddings to the adaptor output (content + ID fusion). Default true.</summary>
    public bool ItemIds { get; init; } = true;

    /// <summary>Maximum epochs (the cosine schedule spans them). Default 60.</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Seed of every random choice (torch and sampling). Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Transformer width. Default 128.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Encoder layers. Default 2.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Attention heads. Default 2.</summary>
    public int Heads { get; init; } = 2;

    /// <summary>Feed-forward width; 0 = 4 × hidden. Default 0.</summary>
    public int FeedForward { get; init; }

    /// <summary>Output dimension (ignored with the content item tower, which needs d_c). Default 64.</summary>
    public int OutputDimension { get; init; } = 64;

    /// <summary>Pre-LN (with a final LayerNorm) instead of post-LN. Default false.</summary>
    public bool NormFirst { get; init; }

    /// <summary>Position information. Default learned (LEARN's released code has none; learned positions won on Scientific).</summary>
    public PositionEncoding Positions { get; init; } = PositionEncoding.Learned;

    /// <summary>LayerNorm on the user tower's input rows (SASRec/RecBole). Default false.</summary>
    public bool InputNorm { get; init; }

    /// <summary>History window. Default 50.</summary>
    public int MaxLength { get; init; } = 50;

    /// <summary>
    /// Item tower. Default adaptor (a candidate tower of its own): best mean served validation N@10 over Scientific and
    /// ml-100k in round 3 (training/EXPERIMENTS.md); shared (LEARN (a)/(b)) and content ((c)) stay selectable.
    /// </summary>
    public ItemTowerKind ItemTower { get; init; } = ItemTowerKind.Adaptor;

    /// <summary>InfoNCE temperature. Default 0.05 (LEARN's released code: logits = 20 · cosine).</summary>
    public double Temperature { get; init; } = 0.05;

    /// <summary>Negatives of the loss. Default all (every other catalog item; in-batch is LEARN's original form).</summary>
    public NegativeKind Negatives { get; init; } = NegativeKind.All;

    /// <summary>Dropout probability. Default 0.3.</summary>
    public double Dropout { get; init; } = 0.3;

    /// <summary>Users per batch. Default 256.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Peak learning rate. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>AdamW weight decay. Default 0.01.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>AdamW weight decay of the item-id table alone; null = <see cref="WeightDecay"/> (one group). Default null.</summary>
    public double? IdWeightDecay { get; init; }

    /// <summary>Element-wise dropout on the item-id table rows during training only. Default 0.</summary>
    public double IdDropout { get; init; }

    /// <summary>
    /// Whole-row dropout on the item-id table during training only (an item is content-only for that step); null = the
    /// default of the model: 0.5 for LEARN, 0 for SASRec (whose items have no content to fall back on).
    /// </summary>
    public double? IdRowDropout { get; init; }

    /// <summary>Fraction of all steps spent warming up linearly. Default 0.05.</summary>
    public double WarmupFraction { get; init; } = 0.05;

    /// <summary>N_h: history positions sampled per user sequence. Default 10.</summary>
    public int SampledPositions { get; init; } = 10;

    /// <summary>N_t: later items sampled per position. Default 1.</summary>
    public int SampledTargets { get; init; } = 1;

    /// <summary>How far ahead targets may lie (1 = the next item only). Default 1.</summary>
    public int TargetWindow { get; init; } = 1;

    /// <summary>Recency weighting α of w_i = log(α + i(β−α)/(N−1)). Default 10.</summary>
    public double Alpha { get; init; } = 10;

    /// <summary>Recency weighting β. Default 10000.</summary>
    public double Beta { get; init; } = 10000;

    /// <summary>With all-item negatives: each query's own history items (other than its target) are not negatives. Default false.</summary>
    public bool MaskHistoryNegatives { get; init; }

    /// <summary>The window of a long training sequence a step trains on. Default last.</summary>
    public CropKind Crops { get; init; } = CropKind.Last;

    /// <summary>Epochs without a better validation NDCG@10 before stopping. Default 5.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>Torch threads; 0 = the core count. Default 0.</summary>
    public int Threads { get; init; }

    /// <summary>Limit on training users (0 = all); for smoke tests.</summary>
    public int MaxUsers { get; init; }

    /// <summary>
    /// Trains nothing: loads the artifact in <see cref="Output"/>, chooses its fusion again on <see cref="Dataset"/>'s
    /// validation split and rewrites its manifest (the weights are untouched).
    /// </summary>
    public bool RefitFusion { get; init; }

    /// <summary>Suppresses the live progress display (plain lines only).</summary>
    public bool Quiet { get; init; }

    public int EffectiveFeedForward => FeedForward > 0 ? FeedForward : 4 * Hidden;

    public double EffectiveIdRowDropout => IdRowDropout ?? (Model == ModelKind.Learn ? 0.5 : 0);

    /// <summary>The architecture this run trains.</summary>
    public PreferenceModelConfig ToConfig(int contentDimension, int itemCount) => new()
    {
        ContentDimension = contentDimension,
        Hidden = Hidden,
        Layers = Layers,
        Heads = Heads,
        FeedForward = EffectiveFeedForward,
        OutputDimension = ItemTower == ItemTowerKind.Content ? contentDimension : OutputDimension,
        NormFirst = NormFirst,
        FinalNorm = NormFirst,
        Positions = Positions,
        MaxLength = MaxLength,
        ItemTower = ItemTower,
        InputNorm = InputNorm,
        IdEmbeddings = UsesItemIds ? itemCount : 0,
    };

    /// <summary>Whether the model has an <c>id_embedding</c> table (SASRec always, LEARN with --item-ids).</summary>
    public bool UsesItemIds => Model == ModelKind.SasRec || ItemIds;
}
