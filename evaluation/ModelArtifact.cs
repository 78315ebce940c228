using System.Globalization;
using System.Text.Json;
using Actors.Model;

namespace Actors.Evaluation;

/// <summary>A loaded model artifact and how it was chosen: named on the command line or found beside <c>--model</c>.</summary>
/// <param name="Name">Its scorer's name (<c>learn</c>, <c>item-tower-c</c>, <c>sasrec</c>).</param>
/// <param name="Kind">Which row of the tables it is.</param>
/// <param name="Option">The option that names it (<c>--model</c>, <c>--baseline-model</c>, <c>--sasrec</c>).</param>
/// <param name="Path">The folder, spelt as given (or relative to the same parent as <c>--model</c> when found).</param>
/// <param name="Found">Whether it was found beside <c>--model</c> rather than given.</param>
/// <param name="Model">The loaded model.</param>
public sealed record ModelArtifact(string Name, ScorerKind Kind, string Option, string Path, bool Found, PreferenceModel Model)
{
    /// <summary>Loads the artifact in <paramref name="path"/>; a malformed or missing one is an error naming <paramref name="option"/>.</summary>
    /// <exception cref="ArgumentException">The artifact cannot be loaded.</exception>
    public static ModelArtifact Load(string name, ScorerKind kind, string option, string path, bool found)
    {
        try
        {
            return new ModelArtifact(name, kind, option, path, found, PreferenceModel.Load(path));
        }
        catch (Exception ex) when (ex is ModelFormatException or FileNotFoundException)
        {
            throw new ArgumentException($"{option}: {ex.Message}", ex);
        }
    }

    /// <summary>What was evaluated, for the tables' "what was evaluated" list and the JSON: path, version, architecture.</summary>
    public string Describe()
    {
        var config = Model.Config;
        var how = Found ? $"found beside --model; {Option} overrides" : Option;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"`{Path}` ({how}), version `{Model.Version}`: hidden {config.Hidden}, {config.Layers} layers, {config.Heads} heads, ff {config.FeedForward}, "
            + $"out {config.OutputDimension}, positions {config.Positions.ToString().ToLowerInvariant()}, item tower {config.ItemTower.ToString().ToLowerInvariant()}, "
            + $"{config.IdEmbeddings} id embeddings, window {config.MaxLength}");
    }

    /// <summary>The manifest fields the report shows (path, version, then the rest by name, each cut at 300 characters).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facts()
    {
        var facts = new List<KeyValuePair<string, string>> { new("path", Path), new("version", Model.Version) };
        foreach (var (key, value) in Model.Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            facts.Add(new(key, text.Length > 300 ? text[..300] + "…" : text));
        }

        return facts;
    }
}
