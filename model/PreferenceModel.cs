using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Actors.Model;

/// <summary>
/// LEARN's preference-alignment module (adaptor → causal transformer encoder → projection → L2 norm)
/// and its two towers. Immutable and thread-safe once created: every method may be called from any
/// number of threads at once. Per-user incremental state lives in <see cref="UserTowerState"/>.
/// The artifact contract (tensor names, shapes, manifest) is in <c>model/README.md</c>.
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

    private PreferenceModel(
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
        Version = version ?? HashVersion(SerializeWeights());
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
    public static PreferenceModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var manifestPath = Path.Combine(directory, ManifestFileName);
        var weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(manifestPath))
        {
            throw new FileNotFoundException($"Model folder '{directory}' has no {ManifestFileName}.", manifestPath);
        }

        if (!File.Exists(weightsPath))
        {
            throw new FileNotFoundException($"Model folder '{directory}' has no {WeightsFileName}.", weightsPath);
        }

        var (config, version, extra, itemIds) = ModelManifest.Read(manifestPath);
        var bytes = File.ReadAllBytes(weightsPath);
        var file = SafeTensorsFile.Parse(bytes, weightsPath);
        var specs = config.TensorSpecs();
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            if (!file.Contains(spec.Name))
            {
                throw new ModelFormatException(
                    $"{weightsPath}: missing tensor '{spec.Name}' [{string.Join(", ", spec.Shape)}] required by the manifest's architecture.");
            }

            tensors[spec.Name] = file.ReadFloat32(spec.Name, spec.Shape);
        }

        foreach (var info in file.Tensors)
        {
            if (!tensors.ContainsKey(info.Name))
            {
                throw new ModelFormatException(
                    $"{weightsPath}: unexpected tensor '{info.Name}', not part of the manifest's architecture (check positions, finalNorm, layers).");
            }
        }

        return new PreferenceModel(config, tensors, version ?? HashVersion(bytes), extra, itemIds);
    }

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
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, WeightsFileName), SerializeWeights());
        WriteAtomically(Path.Combine(directory, ManifestFileName), ModelManifest.Serialize(Config, Version, Metadata, _itemIds));
    }

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

    /// <summary>A copy of one tensor's values (row-major).</summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name in this architecture.</exception>
    public float[] GetTensor(string name) =>
        _tensors.TryGetValue(name, out var values)
            ? (float[])values.Clone()
            : throw new KeyNotFoundException($"No tensor '{name}' in this architecture.");

    /// <summary>The item tower: an L2-normalised embedding of length <see cref="OutputDimension"/>.</summary>
    public float[] ItemEmbedding(ReadOnlySpan<float> content)
    {
        var embedding = new float[OutputDimension];
        ItemEmbedding(content, embedding);
        return embedding;
    }

    /// <summary>The item tower, writing into <paramref name="destination"/> (length <see cref="OutputDimension"/>); allocation-free.</summary>
    public void ItemEmbedding(ReadOnlySpan<float> content, Span<float> destination) => ItemEmbedding(content, null, destination);

    /// <summary>
    /// The item tower for an item known by its token: its id embedding (when the model has one for it) is added to the
    /// adaptor output. An unknown token, or null, gives the content-only embedding.
    /// </summary>
    public float[] ItemEmbedding(ReadOnlySpan<float> content, string? itemId)
    {
        var embedding = new float[OutputDimension];
        ItemEmbedding(content, itemId, embedding);
        return embedding;
    }

    /// <summary>As <see cref="ItemEmbedding(ReadOnlySpan{float}, string?)"/>, writing into <paramref name="destination"/>; allocation-free.</summary>
    public void ItemEmbedding(ReadOnlySpan<float> content, string? itemId, Span<float> destination)
    {
        RequireLength(content.Length, ContentDimension, nameof(content));
        RequireLength(destination.Length, OutputDimension, nameof(destination));
        if (Config.ItemTower == ItemTowerKind.Content)
        {
            content.CopyTo(destination);
            TowerMath.L2Normalize(destination);
            return;
        }

        if (Config.ItemTower == ItemTowerKind.Adaptor)
        {
            var rented = ArrayPool<float>.Shared.Rent(Config.Hidden);
            try
            {
                var adapted = rented.AsSpan(0, Config.Hidden);
                Adapt(content, IdRow(itemId), adapted);
                Project(adapted, 1, destination);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(rented);
            }

            return;
        }

        // A sequence of length one: the key/value caches hold a single row per layer.
        var h = Config.Hidden;
        var keys = ArrayPool<float>.Shared.Rent(h * Config.Layers);
        var values = ArrayPool<float>.Shared.Rent(h * Config.Layers);
        var pooled = ArrayPool<float>.Shared.Rent(h + ScratchLength(1, 1));
        try
        {
            var x = pooled.AsSpan(0, h);
            Adapt(content, IdRow(itemId), x);
            var slot = new CacheSlot(keys, values, 1, 0);
            Forward(x, new ReadOnlySpan<CacheSlot>(in slot), pooled.AsSpan(h));
            Project(x, 1, destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(pooled);
            ArrayPool<float>.Shared.Return(values);
            ArrayPool<float>.Shared.Return(keys);
        }
    }

    /// <summary>
    /// The user tower by full recomputation over the last <see cref="MaxLength"/> items of <paramref name="history"/>
    /// (oldest first): the output at the last position, L2-normalised.
    /// </summary>
    /// <exception cref="ArgumentException">Empty history or an item of the wrong length.</exception>
    public float[] UserEmbedding(IReadOnlyList<float[]> history) => UserEmbedding(history, null);

    /// <summary>
    /// As <see cref="UserEmbedding(IReadOnlyList{float[]})"/> with the items' tokens (<paramref name="itemIds"/>[i] for
    /// <paramref name="history"/>[i]; null entries or a null list = no id term).
    /// </summary>
    public float[] UserEmbedding(IReadOnlyList<float[]> history, IReadOnlyList<string?>? itemIds)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
        {
            throw new ArgumentException("The history is empty; a user embedding needs at least one item.", nameof(history));
        }

        // A window no longer than the history: the same positions, smaller caches.
        var state = new UserTowerState(this, Math.Min(MaxLength, history.Count), 0);
        state.Rebuild(history, itemIds);
        return state.Embedding.ToArray();
    }

    /// <summary>
    /// A new, empty incremental user state (see <see cref="UserTowerState"/>).
    /// </summary>
    /// <param name="maxLength">The rolling window; null = <see cref="MaxLength"/>.</param>
    /// <param name="slack">
    /// Extra positions kept before the window is cut back to <paramref name="maxLength"/> (0 = an exact rolling window).
    /// With slack k the window holds between maxLength and maxLength + k items, and the O(n²) recomputation happens
    /// once every k + 1 appends instead of on every append once full.
    /// </param>
    public UserTowerState CreateUserState(int? maxLength = null, int slack = 0) =>
        new(this, maxLength ?? MaxLength, slack);

    internal static void RequireLength(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Expected a vector of length {expected}, got {actual}.", name);
        }
    }

    private byte[] SerializeWeights()
    {
        var tensors = new Float32Tensor[_specs.Count];
        for (var i = 0; i < tensors.Length; i++)
        {
            var spec = _specs[i];
            tensors[i] = new Float32Tensor(spec.Name, spec.Shape, _tensors[spec.Name]);
        }

        return SafeTensorsFile.Serialize(tensors, new Dictionary<string, string> { ["format"] = "pt" });
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

    private static string HashVersion(byte[] weights) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(weights))[..16];

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
