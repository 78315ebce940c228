using System.Text.Json;
using System.Text.Json.Serialization;

namespace Actors.Model;

/// <summary>
/// Reads and writes <c>manifest.json</c>, the architecture and identity of an artifact. The manifest's text is not
/// hashed: the served version is its <c>version</c> field (or a hash of the weights file without one), so fields beyond
/// the architecture (<c>kind</c>, <c>fusion</c>, metrics) can be added without changing it.
/// </summary>
internal static class ModelManifest
{
    public const string Format = "learn-pal/1";

    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static (PreferenceModelConfig Config, string? Version, Dictionary<string, JsonElement> Extra, string[]? ItemIds) Read(string path)
    {
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(File.ReadAllBytes(path), SerializerOptions);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: manifest is not valid JSON of the expected shape ({e.Message}).", e);
        }

        if (document is null)
        {
            throw new ModelFormatException($"{path}: manifest is 'null'; expected an object.");
        }

        if (document.Format != Format)
        {
            throw new ModelFormatException($"{path}: manifest format is '{document.Format ?? "(missing)"}'; expected '{Format}'.");
        }

        var config = new PreferenceModelConfig
        {
            ContentDimension = Require(path, document.ContentDim, "contentDim"),
            Hidden = Require(path, document.Hidden, "hidden"),
            Layers = Require(path, document.Layers, "layers"),
            Heads = Require(path, document.Heads, "heads"),
            FeedForward = Require(path, document.FeedForward, "feedForward"),
            OutputDimension = Require(path, document.OutputDim, "outputDim"),
            NormFirst = document.NormFirst ?? false,
            FinalNorm = document.FinalNorm ?? false,
            MaxLength = Require(path, document.MaxLength, "maxLength"),
            Positions = document.Positions switch
            {
                null or "none" => PositionEncoding.None,
                "learned" => PositionEncoding.Learned,
                var other => throw new ModelFormatException($"{path}: positions is '{other}'; expected 'none' or 'learned'."),
            },
            ItemTower = document.ItemTower switch
            {
                null or "shared" => ItemTowerKind.Shared,
                "content" => ItemTowerKind.Content,
                "adaptor" => ItemTowerKind.Adaptor,
                var other => throw new ModelFormatException($"{path}: itemTower is '{other}'; expected 'shared', 'content' or 'adaptor'."),
            },
            InputNorm = document.InputNorm ?? false,
            IdEmbeddings = document.ItemIds?.Length ?? 0,
        };
        if (document.ItemIds is { } ids)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in ids)
            {
                if (string.IsNullOrEmpty(id) || !seen.Add(id))
                {
                    throw new ModelFormatException($"{path}: itemIds holds an empty or repeated token '{id}'; each row of id_embedding needs its own item token.");
                }
            }
        }

        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException($"{path}: manifest describes an invalid architecture: {e.Message}", e);
        }

        var extra = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (document.Extra is not null)
        {
            foreach (var pair in document.Extra)
            {
                extra[pair.Key] = pair.Value.Clone();
            }
        }

        // An unknown kind fails at load, naming the file, not later when the evaluator looks for baselines.
        ArtifactKinds.Read(extra, path);

        return (config, string.IsNullOrEmpty(document.Version) ? null : document.Version, extra, document.ItemIds);
    }

    public static byte[] Serialize(PreferenceModelConfig config, string version, IReadOnlyDictionary<string, JsonElement> extra, IReadOnlyList<string> itemIds)
    {
        var document = new Document
        {
            Format = Format,
            ContentDim = config.ContentDimension,
            Hidden = config.Hidden,
            Layers = config.Layers,
            Heads = config.Heads,
            FeedForward = config.FeedForward,
            OutputDim = config.OutputDimension,
            NormFirst = config.NormFirst,
            FinalNorm = config.FinalNorm,
            Positions = config.Positions == PositionEncoding.Learned ? "learned" : "none",
            MaxLength = config.MaxLength,
            ItemTower = ItemTowerName(config.ItemTower),
            InputNorm = config.InputNorm ? true : null,
            Version = version,
            ItemIds = itemIds.Count == 0 ? null : [.. itemIds],
            Extra = extra.Count == 0 ? null : new Dictionary<string, JsonElement>(extra, StringComparer.Ordinal),
        };
        return JsonSerializer.SerializeToUtf8Bytes(document, SerializerOptions);
    }

    /// <summary>The manifest's name of an item tower kind.</summary>
    public static string ItemTowerName(ItemTowerKind kind) => kind switch
    {
        ItemTowerKind.Shared => "shared",
        ItemTowerKind.Content => "content",
        ItemTowerKind.Adaptor => "adaptor",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown item tower."),
    };

    private static int Require(string path, int? value, string name) =>
        value ?? throw new ModelFormatException($"{path}: manifest lacks the required field '{name}'.");

    private sealed class Document
    {
        [JsonPropertyName("format")]
        public string? Format { get; set; }

        [JsonPropertyName("contentDim")]
        public int? ContentDim { get; set; }

        [JsonPropertyName("hidden")]
        public int? Hidden { get; set; }

        [JsonPropertyName("layers")]
        public int? Layers { get; set; }

        [JsonPropertyName("heads")]
        public int? Heads { get; set; }

        [JsonPropertyName("feedForward")]
        public int? FeedForward { get; set; }

        [JsonPropertyName("outputDim")]
        public int? OutputDim { get; set; }

        [JsonPropertyName("normFirst")]
        public bool? NormFirst { get; set; }

        [JsonPropertyName("finalNorm")]
        public bool? FinalNorm { get; set; }

        [JsonPropertyName("positions")]
        public string? Positions { get; set; }

        [JsonPropertyName("maxLength")]
        public int? MaxLength { get; set; }

        [JsonPropertyName("itemTower")]
        public string? ItemTower { get; set; }

        [JsonPropertyName("inputNorm")]
        public bool? InputNorm { get; set; }

        [JsonPropertyName("version")]
        public string? Version { get; set; }

        [JsonPropertyName("itemIds")]
        public string[]? ItemIds { get; set; }

        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Extra { get; set; }
    }
}
