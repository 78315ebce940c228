using Actors.Model;

namespace Actors.Evaluation;

/// <summary>The artifacts an evaluation runs, and the scorers it could not run with the reason.</summary>
/// <param name="Models">The <c>--model</c> artifact (if any) first, then the baselines' artifacts.</param>
/// <param name="Skipped">Scorer name → why it was not run.</param>
public sealed record ArtifactSet(IReadOnlyList<ModelArtifact> Models, IReadOnlyDictionary<string, string> Skipped)
{
    /// <summary>The <c>--model</c> artifact, or null when none was given.</summary>
    public ModelArtifact? Learn => Models.FirstOrDefault(m => m.Kind == ScorerKind.Learn);
}

/// <summary>
/// Finds the artifacts of an evaluation: <c>--model</c>, and the item tower (c) and SASRec baselines either as given
/// or as the first sibling folder of <c>--model</c> whose manifest says what it is (<c>kind</c> and
/// <c>itemTower</c>; see <see cref="ArtifactKinds"/>). Only manifests are read to tell folders apart, never weights.
/// </summary>
public static class ArtifactDiscovery
{
    /// <summary>Loads <paramref name="model"/> and, unless <paramref name="noBaselines"/>, the two baseline artifacts.</summary>
    /// <param name="model"><c>--model</c>; null = only the baselines run.</param>
    /// <param name="baselineModel"><c>--baseline-model</c>; null = a sibling of <paramref name="model"/> with kind learn and itemTower content.</param>
    /// <param name="sasRec"><c>--sasrec</c>; null = a sibling of <paramref name="model"/> with kind sasrec.</param>
    /// <param name="noBaselines"><c>--no-baselines</c>.</param>
    /// <exception cref="ArgumentException">An artifact cannot be loaded, or a given one is not of the kind its option needs (naming the option).</exception>
    public static ArtifactSet Discover(string? model, string? baselineModel, string? sasRec, bool noBaselines)
    {
        var models = new List<ModelArtifact>();
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        if (model is not null)
        {
            models.Add(ModelArtifact.Load("learn", ScorerKind.Learn, "--model", model, found: false));
        }
        else
        {
            skipped["learn"] = "no --model given";
        }

        if (noBaselines)
        {
            return new ArtifactSet(models, skipped);
        }

        var itemTowerPath = baselineModel ?? FindSibling(model, IsItemTowerContent);
        if (itemTowerPath is not null)
        {
            var artifact = ModelArtifact.Load("item-tower-c", ScorerKind.ItemTowerContent, "--baseline-model", itemTowerPath, found: baselineModel is null);
            if (artifact.Model.Config.ItemTower != ItemTowerKind.Content)
            {
                throw new ArgumentException($"--baseline-model: '{itemTowerPath}' has itemTower 'shared'; the item tower (c) baseline needs itemTower 'content'.");
            }

            models.Add(artifact);
        }
        else
        {
            skipped["item-tower-c"] = "no --baseline-model given and no sibling of --model has itemTower \"content\" (train one with 'training -- --item-tower content')";
        }

        var sasRecPath = sasRec ?? FindSibling(model, (kind, _) => kind == ArtifactKind.SasRec);
        if (sasRecPath is not null)
        {
            var artifact = ModelArtifact.Load("sasrec", ScorerKind.SasRec, "--sasrec", sasRecPath, found: sasRec is null);
            var kind = ArtifactKinds.Of(artifact.Model);
            if (kind != ArtifactKind.SasRec)
            {
                throw new ArgumentException(
                    $"--sasrec: '{sasRecPath}' has {ArtifactKinds.ManifestKey} '{ArtifactKinds.Name(kind)}'; the SASRec baseline needs {ArtifactKinds.ManifestKey} 'sasrec' (written by 'training -- --model sasrec').");
            }

            models.Add(artifact);
        }
        else
        {
            skipped["sasrec"] = "no --sasrec given and no sibling of --model holds a SASRec artifact (train one with 'training -- --model sasrec')";
        }

        return new ArtifactSet(models, skipped);
    }

    /// <summary>The item tower (c) baseline: a LEARN artifact whose item tower is the content embedding itself.</summary>
    private static bool IsItemTowerContent(ArtifactKind kind, PreferenceModelConfig config) =>
        kind == ArtifactKind.Learn && config.ItemTower == ItemTowerKind.Content;

    /// <summary>
    /// The first (by name) other artifact folder beside <paramref name="modelPath"/> whose manifest <paramref name="matches"/>,
    /// spelt relative to the same parent as <paramref name="modelPath"/> was given. Folders whose manifest cannot be
    /// read are not candidates (they are not what was asked for, and loading them is not this search's business).
    /// </summary>
    private static string? FindSibling(string? modelPath, Func<ArtifactKind, PreferenceModelConfig, bool> matches)
    {
        if (modelPath is null)
        {
            return null;
        }

        var self = Path.GetFullPath(modelPath).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(self);
        if (parent is null || !Directory.Exists(parent))
        {
            return null;
        }

        var givenParent = Path.GetDirectoryName(modelPath.TrimEnd(Path.DirectorySeparatorChar)) ?? "";
        foreach (var folder in Directory.GetDirectories(parent).Order(StringComparer.Ordinal))
        {
            if (folder != self && File.Exists(Path.Combine(folder, PreferenceModel.ManifestFileName)) && Matches(folder, matches))
            {
                return Path.Combine(givenParent, Path.GetFileName(folder));
            }
        }

        return null;
    }

    private static bool Matches(string folder, Func<ArtifactKind, PreferenceModelConfig, bool> matches)
    {
        try
        {
            var (kind, config) = ArtifactKinds.ReadManifest(folder);
            return matches(kind, config);
        }
        catch (Exception ex) when (ex is ModelFormatException or IOException)
        {
            return false;
        }
    }
}
