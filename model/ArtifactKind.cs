using System.Text.Json;

namespace Actors.Model;

/// <summary>
/// What trained an artifact, as its manifest's <c>kind</c> field says: the evaluator finds an artifact's baselines by
/// it. Serving does not depend on it (every kind is served through the same towers); the item-tower variants are told
/// apart by <see cref="PreferenceModelConfig.ItemTower"/>, not by a kind.
/// </summary>
public enum ArtifactKind
{
    /// <summary>LEARN's preference-alignment towers over content embeddings (<c>"learn"</c>).</summary>
    Learn,

    /// <summary>The ID-based SASRec baseline: item-id embeddings, the adaptor frozen at zero (<c>"sasrec"</c>).</summary>
    SasRec,
}

/// <summary>Reads and names <see cref="ArtifactKind"/> in manifests.</summary>
public static class ArtifactKinds
{
    /// <summary>The manifest field that holds the kind.</summary>
    public const string ManifestKey = "kind";

    /// <summary>
    /// The field the trainer wrote the same fact into before <c>kind</c> existed (a top-level <c>model</c>:
    /// <c>"learn"</c> or <c>"sasrec"</c>); read only when <c>kind</c> is absent, so artifacts trained earlier keep
    /// being found.
    /// </summary>
    public const string LegacyManifestKey = "model";

    /// <summary>The manifest's name of <paramref name="kind"/>.</summary>
    public static string Name(ArtifactKind kind) => kind switch
    {
        ArtifactKind.Learn => "learn",
        ArtifactKind.SasRec => "sasrec",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown artifact kind."),
    };

    /// <summary>
    /// The kind and architecture that the manifest in <paramref name="directory"/> states, without reading the weights:
    /// how the evaluator tells artifact folders apart.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no manifest.</exception>
    /// <exception cref="ModelFormatException">The manifest is malformed (including an unknown <c>kind</c>).</exception>
    public static (ArtifactKind Kind, PreferenceModelConfig Config) ReadManifest(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var path = Path.Combine(directory, PreferenceModel.ManifestFileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model folder '{directory}' has no {PreferenceModel.ManifestFileName}.", path);
        }

        var (config, _, extra, _) = ModelManifest.Read(path);
        return (Read(extra, path), config);
    }

    /// <summary>The kind of <paramref name="model"/> (see <see cref="Read"/>).</summary>
    /// <exception cref="ModelFormatException">The manifest's <c>kind</c> is not a known kind.</exception>
    public static ArtifactKind Of(PreferenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Read(model.Metadata, $"Model '{model.Version}'");
    }

    /// <summary>
    /// The kind that manifest fields beyond the architecture (<paramref name="metadata"/>) state: <c>kind</c>; without
    /// it the trainer's older <c>model</c> field when that names a kind; without either <see cref="ArtifactKind.Learn"/>.
    /// Reading a manifest that states nothing as LEARN is safe because serving ignores the kind and the evaluator
    /// only uses it to find a SASRec baseline beside the model: an artifact that does not say it is one is not
    /// taken for one (and <c>--sasrec</c> names its artifact explicitly, where a wrong kind is an error).
    /// </summary>
    /// <param name="metadata">The manifest's extra fields (<see cref="PreferenceModel.Metadata"/>).</param>
    /// <param name="source">What to name in an error (a path or a model version).</param>
    /// <exception cref="ModelFormatException"><c>kind</c> is present but not <c>"learn"</c> or <c>"sasrec"</c>.</exception>
    public static ArtifactKind Read(IReadOnlyDictionary<string, JsonElement> metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.TryGetValue(ManifestKey, out var kind))
        {
            return Parse(kind) ?? throw new ModelFormatException(
                $"{source}: manifest field '{ManifestKey}' is {kind.GetRawText()}; expected \"learn\" or \"sasrec\".");
        }

        return metadata.TryGetValue(LegacyManifestKey, out var legacy) && Parse(legacy) is { } stated ? stated : ArtifactKind.Learn;
    }

    private static ArtifactKind? Parse(JsonElement element) =>
        element.ValueKind != JsonValueKind.String
            ? null
            : element.GetString() switch
            {
                "learn" => ArtifactKind.Learn,
                "sasrec" => ArtifactKind.SasRec,
                _ => null,
            };
}
