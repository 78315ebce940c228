namespace Actors.Model;

/// <summary>How the position of an item in the window enters the model.</summary>
public enum PositionEncoding
{
    /// <summary>No position embeddings; order enters only through the causal mask (LEARN's released code).</summary>
    None,

    /// <summary>Learned embeddings <c>position.weight</c> [maxLength, hidden] added after the adaptor, index 0 = oldest item of the window.</summary>
    Learned,
}

/// <summary>How an item's embedding is made.</summary>
public enum ItemTowerKind
{
    /// <summary>The user tower's module applied to the single item (LEARN variants (a)/(b)).</summary>
    Shared,

    /// <summary>The L2-normalised content embedding itself (LEARN variant (c)); needs outputDim = contentDim.</summary>
    Content,

    /// <summary>
    /// A candidate tower of its own: the item's adapted row (adaptor(content) + its id embedding) through the shared
    /// projection, L2-normalised, without the transformer. user([A]) ≠ item(A), so a user's own recent items are not
    /// structurally their nearest candidates.
    /// </summary>
    Adaptor,
}

/// <summary>One named tensor of the architecture, with its PyTorch shape.</summary>
public sealed record TensorSpec(string Name, IReadOnlyList<int> Shape)
{
    /// <summary>Number of float32 elements (product of <see cref="Shape"/>).</summary>
    public int ElementCount
    {
        get
        {
            var count = 1;
            for (var i = 0; i < Shape.Count; i++)
            {
                count *= Shape[i];
            }

            return count;
        }
    }
}

/// <summary>
/// The architecture of the preference-alignment module; serialised as the manifest's fields
/// (see <c>model/README.md</c>). Immutable.
/// </summary>
public sealed record PreferenceModelConfig
{
    /// <summary>Content embedding dimension d_c. Default 384 (all-MiniLM-L6-v2).</summary>
    public int ContentDimension { get; init; } = 384;

    /// <summary>Transformer width h. Default 64.</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>Number of encoder layers L. Default 2.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Attention heads; must divide <see cref="Hidden"/>. Default 2.</summary>
    public int Heads { get; init; } = 2;

    /// <summary>Feed-forward width (PyTorch <c>dim_feedforward</c>). Default 256.</summary>
    public int FeedForward { get; init; } = 256;

    /// <summary>Output dimension d_out after the projection. Default 64 (LEARN's paper).</summary>
    public int OutputDimension { get; init; } = 64;

    /// <summary>PyTorch <c>norm_first</c>: false = post-LN (BERT-like, default), true = pre-LN.</summary>
    public bool NormFirst { get; init; }

    /// <summary>Whether a final LayerNorm <c>final_norm</c> follows the last layer (usual with pre-LN). Default false.</summary>
    public bool FinalNorm { get; init; }

    /// <summary>Position encoding. Default <see cref="PositionEncoding.None"/>.</summary>
    public PositionEncoding Positions { get; init; } = PositionEncoding.None;

    /// <summary>Training window length and default serving window; rows of <c>position.weight</c>. Default 50.</summary>
    public int MaxLength { get; init; } = 50;

    /// <summary>
    /// A LayerNorm <c>input_norm</c> on the user tower's input rows (after positions, before the first layer), as
    /// SASRec and RecBole do. Default false.
    /// </summary>
    public bool InputNorm { get; init; }

    /// <summary>Item tower variant. Default <see cref="ItemTowerKind.Shared"/>.</summary>
    public ItemTowerKind ItemTower { get; init; } = ItemTowerKind.Shared;

    /// <summary>
    /// Rows of <c>id_embedding.weight</c> [IdEmbeddings, hidden]: learned item-id embeddings added to the adaptor output
    /// (content + ID, or ID only when the adaptor weight is zero as in SASRec). The manifest lists the item tokens of the
    /// rows (<c>itemIds</c>); an item not listed (cold) gets no id term. Default 0 = no id embeddings.
    /// </summary>
    public int IdEmbeddings { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when the configuration is not a valid architecture.</summary>
    public void Validate()
    {
        RequirePositive(ContentDimension, nameof(ContentDimension));
        RequirePositive(Hidden, nameof(Hidden));
        RequirePositive(Layers, nameof(Layers));
        RequirePositive(Heads, nameof(Heads));
        RequirePositive(FeedForward, nameof(FeedForward));
        RequirePositive(OutputDimension, nameof(OutputDimension));
        RequirePositive(MaxLength, nameof(MaxLength));
        if (IdEmbeddings < 0)
        {
            throw new ArgumentException($"{nameof(IdEmbeddings)} must not be negative, was {IdEmbeddings}.");
        }

        if (Hidden % Heads != 0)
        {
            throw new ArgumentException($"{nameof(Hidden)} ({Hidden}) must be divisible by {nameof(Heads)} ({Heads}).");
        }

        if (!Enum.IsDefined(Positions))
        {
            throw new ArgumentException($"Unknown {nameof(Positions)} value {Positions}.");
        }

        if (!Enum.IsDefined(ItemTower))
        {
            throw new ArgumentException($"Unknown {nameof(ItemTower)} value {ItemTower}.");
        }

        if (ItemTower == ItemTowerKind.Content && OutputDimension != ContentDimension)
        {
            throw new ArgumentException(
                $"Item tower 'content' scores users against raw content embeddings, so {nameof(OutputDimension)} ({OutputDimension}) must equal {nameof(ContentDimension)} ({ContentDimension}).");
        }
    }

    /// <summary>
    /// Every tensor of this architecture, in the canonical order the writer uses, with PyTorch names and shapes.
    /// </summary>
    public IReadOnlyList<TensorSpec> TensorSpecs()
    {
        int h = Hidden, ff = FeedForward;
        var specs = new List<TensorSpec>
        {
            new("adaptor.weight", [h, ContentDimension]),
            new("adaptor.bias", [h]),
        };
        if (IdEmbeddings > 0)
        {
            specs.Add(new("id_embedding.weight", [IdEmbeddings, h]));
        }

        if (Positions == PositionEncoding.Learned)
        {
            specs.Add(new("position.weight", [MaxLength, h]));
        }

        if (InputNorm)
        {
            specs.Add(new("input_norm.weight", [h]));
            specs.Add(new("input_norm.bias", [h]));
        }

        for (var i = 0; i < Layers; i++)
        {
            var p = $"layers.{i}.";
            specs.Add(new(p + "self_attn.in_proj_weight", [3 * h, h]));
            specs.Add(new(p + "self_attn.in_proj_bias", [3 * h]));
            specs.Add(new(p + "self_attn.out_proj.weight", [h, h]));
            specs.Add(new(p + "self_attn.out_proj.bias", [h]));
            specs.Add(new(p + "linear1.weight", [ff, h]));
            specs.Add(new(p + "linear1.bias", [ff]));
            specs.Add(new(p + "linear2.weight", [h, ff]));
            specs.Add(new(p + "linear2.bias", [h]));
            specs.Add(new(p + "norm1.weight", [h]));
            specs.Add(new(p + "norm1.bias", [h]));
            specs.Add(new(p + "norm2.weight", [h]));
            specs.Add(new(p + "norm2.bias", [h]));
        }

        if (FinalNorm)
        {
            specs.Add(new("final_norm.weight", [h]));
            specs.Add(new("final_norm.bias", [h]));
        }

        specs.Add(new("projection.weight", [OutputDimension, h]));
        specs.Add(new("projection.bias", [OutputDimension]));
        return specs;
    }

    private static void RequirePositive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{name} must be positive, was {value}.");
        }
    }
}
