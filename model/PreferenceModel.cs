using System.Text.Json;

namespace Actors.Model;

/// <summary>
/// LEARN's preference-alignment module (adaptor → causal transformer encoder → projection → L2 norm)
/// and its two towers. Immutable and thread-safe once created: every method may be called from any
/// number of threads at once. Per-user incremental state lives in <see cref="UserTowerState"/>.
/// The artifact contract (tensor names, shapes, manifest) is in <c>model/README.md</c>; reading and writing the
/// artifact folder is <see cref="PreferenceModelArtifact"/>, the towers are in <c>PreferenceModel.Towers.cs</c> and the
/// passes behind them in <c>PreferenceModel.Forward.cs</c>.
/// </summary>
public sealed partial class PreferenceModel
{
    /// <summary>Weights file name inside an artifact folder.</summary>
    public const string WeightsFileName = "model.safetensors";

    /// <summary>Manifest file name inside an artifact folder.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>The manifest <c>format</c> this library reads and writes.</summary>
    public const string ArtifactFormat = ModelManifest.Format;

    private readonly IReadOnlyList<TensorSpec> _specs;
    private readonly Dictionary<string, float[]> _tensors;
    private readonly PackedLinear _adaptor;
    private readonly float[]? _idEmbedding;
    private readonly string[] _itemIds;
    private readonly Dictionary<string, int>? _idRows;
    private readonly float[]? _position;
    private readonly float[]? _inputNormWeight;
    private readonly float[]? _inputNormBias;
    private readonly Layer[] _layers;
    private readonly float[]? _finalNormWeight;
    private readonly float[]? _finalNormBias;
    private readonly PackedLinear _projection;
    private readonly float _attentionScale;

    internal PreferenceModel(
        PreferenceModelConfig config,
        Dictionary<string, float[]> tensors,
        string? version,
        IReadOnlyDictionary<string, JsonElement>? metadata,
        IReadOnlyList<string>? itemIds)
    {
        Config = config;
        _itemIds = ItemIdsFor(config, itemIds);
        if (config.IdEmbeddings > 0)
        {
            _idEmbedding = tensors["id_embedding.weight"];
            _idRows = new Dictionary<string, int>(_itemIds.Length, StringComparer.Ordinal);
            for (var i = 0; i < _itemIds.Length; i++)
            {
                _idRows[_itemIds[i]] = i;
            }
        }

        _specs = config.TensorSpecs();
        _tensors = tensors;
        _adaptor = new PackedLinear(tensors["adaptor.weight"], tensors["adaptor.bias"], config.Hidden, config.ContentDimension);
        _position = config.Positions == PositionEncoding.Learned ? tensors["position.weight"] : null;
        if (config.InputNorm)
        {
            _inputNormWeight = tensors["input_norm.weight"];
            _inputNormBias = tensors["input_norm.bias"];
        }

        _layers = new Layer[config.Layers];
        for (var i = 0; i < _layers.Length; i++)
        {
            _layers[i] = new Layer(tensors, $"layers.{i}.", config);
        }

        if (config.FinalNorm)
        {
            _finalNormWeight = tensors["final_norm.weight"];
            _finalNormBias = tensors["final_norm.bias"];
        }

        _projection = new PackedLinear(tensors["projection.weight"], tensors["projection.bias"], config.OutputDimension, config.Hidden);
        _attentionScale = 1f / MathF.Sqrt(config.Hidden / config.Heads);
        Version = version ?? PreferenceModelArtifact.VersionOf(_specs, tensors);
        var copy = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (metadata is not null)
        {
            foreach (var pair in metadata)
            {
                copy[pair.Key] = pair.Value.Clone();
            }
        }

        Metadata = copy;
    }

    /// <summary>The architecture.</summary>
    public PreferenceModelConfig Config { get; }

    /// <summary>d_c, the length of every content embedding passed in.</summary>
    public int ContentDimension => Config.ContentDimension;

    /// <summary>d_out, the length of user and item embeddings.</summary>
    public int OutputDimension => Config.OutputDimension;

    /// <summary>The training window, and the default window of <see cref="UserTowerState"/> and <see cref="UserEmbedding(IReadOnlyList{float[]})"/>.</summary>
    public int MaxLength => Config.MaxLength;

    /// <summary>The manifest's <c>version</c>, or <c>sha256:</c> + 16 hex digits of the weights file when it has none.</summary>
    public string Version { get; }

    /// <summary>
    /// The item tokens of the rows of <c>id_embedding.weight</c> (row i = token i); empty when the model has no id
    /// embeddings (<see cref="PreferenceModelConfig.IdEmbeddings"/> = 0).
    /// </summary>
    public IReadOnlyList<string> ItemIds => _itemIds;

    /// <summary>The id-embedding row of <paramref name="itemId"/>; -1 when null, unknown (a cold item) or the model has no ids.</summary>
    public int IdRow(string? itemId) =>
        itemId is not null && _idRows is not null && _idRows.TryGetValue(itemId, out var row) ? row : -1;

    /// <summary>Manifest fields beyond the architecture (encoder identity, dataset hash, metrics, ...); kept by <see cref="Save"/>.</summary>
    public IReadOnlyDictionary<string, JsonElement> Metadata { get; }

    /// <summary>Loads an artifact folder holding <c>manifest.json</c> and <c>model.safetensors</c>.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="ModelFormatException">A file is malformed or a tensor is missing, extra, mistyped or misshapen.</exception>
    public static PreferenceModel Load(string directory) => PreferenceModelArtifact.Load(directory);

    /// <summary>
    /// Builds a model from named float32 tensors (row-major, PyTorch names and shapes; see
    /// <see cref="PreferenceModelConfig.TensorSpecs"/>). The arrays are copied. This is how a trainer hands over weights.
    /// </summary>
    /// <param name="config">The architecture.</param>
    /// <param name="tensors">Exactly the tensors of <paramref name="config"/>.</param>
    /// <param name="version">The version; null = hash of the weights as <see cref="Save"/> writes them.</param>
    /// <param name="metadata">Extra manifest fields.</param>
    public static PreferenceModel FromTensors(
        PreferenceModelConfig config,
        IReadOnlyDictionary<string, float[]> tensors,
        string? version = null,
        IReadOnlyDictionary<string, JsonElement>? metadata = null) =>
        FromTensors(config, tensors, null, version, metadata);

    /// <summary>
    /// As <see cref="FromTensors(PreferenceModelConfig, IReadOnlyDictionary{string, float[]}, string?, IReadOnlyDictionary{string, JsonElement}?)"/>,
    /// naming the item token of every row of <c>id_embedding.weight</c> (<paramref name="itemIds"/>: exactly
    /// <see cref="PreferenceModelConfig.IdEmbeddings"/> distinct tokens; null = the row numbers as strings).
    /// </summary>
    public static PreferenceModel FromTensors(
        PreferenceModelConfig config,
        IReadOnlyDictionary<string, float[]> tensors,
        IReadOnlyList<string>? itemIds,
        string? version,
        IReadOnlyDictionary<string, JsonElement>? metadata)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tensors);
        config.Validate();
        var copy = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var spec in config.TensorSpecs())
        {
            if (!tensors.TryGetValue(spec.Name, out var values))
            {
                throw new ArgumentException($"Missing tensor '{spec.Name}' [{string.Join(", ", spec.Shape)}].", nameof(tensors));
            }

            if (values.Length != spec.ElementCount)
            {
                throw new ArgumentException(
                    $"Tensor '{spec.Name}' has {values.Length} values; expected {spec.ElementCount} for shape [{string.Join(", ", spec.Shape)}].",
                    nameof(tensors));
            }

            copy[spec.Name] = (float[])values.Clone();
        }

        foreach (var name in tensors.Keys)
        {
            if (!copy.ContainsKey(name))
            {
                throw new ArgumentException($"Unexpected tensor '{name}', not part of the architecture.", nameof(tensors));
            }
        }

        return new PreferenceModel(config, copy, version, metadata, itemIds);
    }

    /// <summary>
    /// A model with seeded random weights (Linear weights and biases uniform in ±1/√fan_in as PyTorch initialises
    /// them; LayerNorm weights 1 ± 0.1 and biases ± 0.1, so tests exercise them; positions ± 0.1).
    /// Same config and seed give the same weights. Version is <c>random-{seed}</c>.
    /// </summary>
    public static PreferenceModel CreateRandom(PreferenceModelConfig config, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var random = new Random(seed);
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var fanIn = 1;
        foreach (var spec in config.TensorSpecs())
        {
            var values = new float[spec.ElementCount];
            float center = 0f, range;
            if (spec.Name.EndsWith("norm1.weight", StringComparison.Ordinal)
                || spec.Name.EndsWith("norm2.weight", StringComparison.Ordinal)
                || spec.Name == "final_norm.weight")
            {
                (center, range) = (1f, 0.1f);
            }
            else if (spec.Name.Contains("norm", StringComparison.Ordinal) || spec.Name == "position.weight")
            {
                range = 0.1f;
            }
            else
            {
                // A weight [out, in] sets the fan-in that its following bias shares.
                if (spec.Shape.Count == 2)
                {
                    fanIn = spec.Shape[1];
                }

                range = 1f / MathF.Sqrt(fanIn);
            }

            for (var i = 0; i < values.Length; i++)
            {
                values[i] = center + (range * ((2f * random.NextSingle()) - 1f));
            }

            tensors[spec.Name] = values;
        }

        return new PreferenceModel(config, tensors, $"random-{seed}", null, null);
    }

    /// <summary>
    /// Writes <c>model.safetensors</c> and <c>manifest.json</c> (with <see cref="Version"/> and <see cref="Metadata"/>)
    /// into <paramref name="directory"/>, creating it. Each file is written to a temporary name and then moved into place.
    /// </summary>
    public void Save(string directory) => PreferenceModelArtifact.Save(this, directory);

    /// <summary>
    /// The same weights with <paramref name="fields"/> set in the manifest (added or replaced; the rest kept), under
    /// <paramref name="version"/> (null = this model's). How a trainer or a test adds e.g. a <c>fusion</c> field.
    /// </summary>
    public PreferenceModel WithMetadata(IReadOnlyDictionary<string, JsonElement> fields, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var metadata = new Dictionary<string, JsonElement>(Metadata, StringComparer.Ordinal);
        foreach (var (key, value) in fields)
        {
            metadata[key] = value;
        }

        // The constructor copies the metadata and only reads the tensors, which are never written after construction.
        return new PreferenceModel(Config, _tensors, version ?? Version, metadata, Config.IdEmbeddings > 0 ? _itemIds : null);
    }

    /// <summary>The weights by name, shared, never written after construction: for <see cref="PreferenceModelArtifact.Save"/>.</summary>
    internal IReadOnlyDictionary<string, float[]> Tensors => _tensors;

    /// <summary>A copy of one tensor's values (row-major).</summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name in this architecture.</exception>
    public float[] GetTensor(string name) =>
        _tensors.TryGetValue(name, out var values)
            ? (float[])values.Clone()
            : throw new KeyNotFoundException($"No tensor '{name}' in this architecture.");

    internal static void RequireLength(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Expected a vector of length {expected}, got {actual}.", name);
        }
    }

    private static string[] ItemIdsFor(PreferenceModelConfig config, IReadOnlyList<string>? itemIds)
    {
        if (itemIds is null)
        {
            var rows = new string[config.IdEmbeddings];
            for (var i = 0; i < rows.Length; i++)
            {
                rows[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return rows;
        }

        if (itemIds.Count != config.IdEmbeddings)
        {
            throw new ArgumentException(
                $"{itemIds.Count} item ids given; expected {config.IdEmbeddings}, one per row of id_embedding.weight.", nameof(itemIds));
        }

        var copy = new string[itemIds.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = !string.IsNullOrEmpty(itemIds[i]) && seen.Add(itemIds[i])
                ? itemIds[i]
                : throw new ArgumentException($"Item id {i} ('{itemIds[i]}') is empty or repeated; every row needs its own token.", nameof(itemIds));
        }

        return copy;
    }
}
