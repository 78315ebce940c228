using System.Globalization;
using Actors.Dataset;
using Actors.Model;

namespace Actors.Evaluation;

/// <summary>
/// A row of the tables: a cosine ranker (null = none) and the fusion it is served with (null = the cosine alone),
/// made into the ranker of a split once that split's counts are known.
/// </summary>
/// <param name="Name">The row's name.</param>
/// <param name="Ranker">The cosine ranker; null for the counts alone.</param>
/// <param name="Fusion">How the cosine is fused with the counts; null = not at all.</param>
/// <param name="Kind">What it is, which picks its published reference.</param>
/// <param name="Description">What was evaluated, for the report and the JSON.</param>
public sealed record Scorer(string Name, IRanker? Ranker, FusionSettings? Fusion, ScorerKind Kind, string Description)
{
    /// <summary>The ranker of a split whose item → next-item counts are <paramref name="counts"/>.</summary>
    public IRanker For(int itemCount, TransitionCounts<int> counts) =>
        Fusion is { IsFused: true } || Ranker is null
            ? new FusedRanker(Name, Ranker, itemCount, counts, Fusion ?? FusionSettings.ModelOnly)
            : Ranker;
}

/// <summary>
/// Assembles the scorers of an evaluation, in table order: the <c>--model</c> artifact (as served, and its cosine
/// alone when it is served fused), popularity, content-only, transitions, content+transitions, then the baselines'
/// artifacts. The count baselines choose their window, decay and weight on the validation split, as the trainer does
/// for the model.
/// </summary>
public static class Scorers
{
    /// <summary>The scorers over <paramref name="content"/> (row i = item i of <paramref name="data"/>).</summary>
    /// <param name="data">The data set.</param>
    /// <param name="content">Content embeddings of its items.</param>
    /// <param name="artifacts">The artifacts found by <see cref="ArtifactDiscovery"/>.</param>
    /// <param name="withBaselines">False for <c>--no-baselines</c>: the <c>--model</c> artifact alone.</param>
    /// <param name="threads">Worker threads of the validation searches.</param>
    /// <param name="built">Called after each scorer (or artifact) is built, for a progress bar.</param>
    public static IReadOnlyList<Scorer> Build(UniSRecDataset data, float[][] content, ArtifactSet artifacts, bool withBaselines, int threads, Action? built = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(artifacts);
        built ??= () => { };
        var itemIds = data.Items.Select(item => item.Id).ToArray();
        var scorers = new List<Scorer>();
        foreach (var artifact in artifacts.Models.Where(a => a.Kind == ScorerKind.Learn))
        {
            var ranker = new PreferenceModelRanker(artifact.Name, artifact.Model, content, itemIds);
            var fusion = FusionSettings.Of(artifact.Model);
            scorers.Add(new Scorer(artifact.Name, ranker, fusion, artifact.Kind, artifact.Describe() + FusionText(fusion, "the artifact's manifest")));
            if (fusion.IsFused && withBaselines)
            {
                scorers.Add(new Scorer($"{artifact.Name}-model-only", ranker, null, ScorerKind.LearnModelOnly, "the same model's cosine alone, without the counts and the seen penalty it is served with"));
            }

            built();
        }

        if (!withBaselines)
        {
            return scorers;
        }

        scorers.Add(new Scorer(
            "popularity",
            PopularityRanker.FromTraining(data),
            null,
            ScorerKind.Popularity,
            "items scored by their occurrences in the users' training sequences (valid and test targets never counted)"));
        built();
        var contentRanker = new ContentOnlyRanker(content);
        scorers.Add(new Scorer(
            contentRanker.Name,
            contentRanker,
            null,
            ScorerKind.ContentOnly,
            "user = normalised mean of the history's content embeddings, item = content embedding (LEARN w/o Align; what the grains serve without a model)"));
        built();

        var validRows = RankingEvaluator.Rows(data, EvaluationSplit.Valid);
        var validCounts = FusedRanker.CountsOf(RankingEvaluator.SequencesBefore(data, EvaluationSplit.Valid));
        var options = new EvaluationOptions { Parallelism = threads };
        var countsOnly = FusionSearch.Best(FusionSearch.Run(
            null, data.Items.Count, validRows, validCounts, [.. FusionSearch.DefaultGrid(1).Where(g => g.Lambda == 1)], options)).Settings;
        scorers.Add(new Scorer(
            "transitions",
            null,
            countsOnly,
            ScorerKind.Transitions,
            "item → next-item counts over the history's last items, no model (a transition counter)" + FusionText(countsOnly, "validation")));
        built();
        var blend = FusionSearch.Best(FusionSearch.Run(
            contentRanker, data.Items.Count, validRows, validCounts, FusionSearch.DefaultGrid(0.05), options)).Settings;
        scorers.Add(new Scorer(
            "content+transitions",
            contentRanker,
            blend,
            ScorerKind.ContentTransitions,
            "the content baseline's cosine fused with the same counts" + FusionText(blend, "validation")));
        built();
        foreach (var artifact in artifacts.Models.Where(a => a.Kind != ScorerKind.Learn))
        {
            var ranker = new PreferenceModelRanker(artifact.Name, artifact.Model, content, itemIds);
            scorers.Add(new Scorer(artifact.Name, ranker, null, artifact.Kind, artifact.Describe()));
            built();
        }

        return scorers;
    }

    private static string FusionText(FusionSettings fusion, string chosenOn) => fusion.IsFused
        ? string.Create(CultureInfo.InvariantCulture, $"; fused with item → next-item counts: λ {fusion.Lambda}, window {fusion.Window}, decay {fusion.Decay}, τ {fusion.Temperature}, seen penalty μ {fusion.SeenPenalty} (chosen on {chosenOn})")
        : "";
}
