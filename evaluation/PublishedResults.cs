namespace Actors.Evaluation;

/// <summary>What a scorer is, which decides the published number it is compared with.</summary>
public enum ScorerKind
{
    /// <summary>The LEARN model under evaluation (<c>--model</c>).</summary>
    Learn,

    /// <summary>Training-set popularity.</summary>
    Popularity,

    /// <summary>Mean of content embeddings as user, content embedding as item (LEARN "w/o Align").</summary>
    ContentOnly,

    /// <summary>LEARN with item tower (c): the content embedding as the item embedding.</summary>
    ItemTowerContent,

    /// <summary>ID-based SASRec trained by the same trainer.</summary>
    SasRec,

    /// <summary>The LEARN model's cosine alone, without the counts it is served with.</summary>
    LearnModelOnly,

    /// <summary>Item → next-item counts over the last items of the history, no model at all.</summary>
    Transitions,

    /// <summary>The content baseline's cosine fused with the same counts.</summary>
    ContentTransitions,
}

/// <summary>A published result: Recall@10 and NDCG@10 where the source gives them.</summary>
/// <param name="Method">Method name as published.</param>
/// <param name="Source">Paper that reports it.</param>
/// <param name="Data">Which preprocessing of the data set the number is on.</param>
/// <param name="RecallAt10">Recall@10, or null when not published.</param>
/// <param name="NdcgAt10">NDCG@10, or null when not published.</param>
public sealed record PublishedResult(string Method, string Source, string Data, double? RecallAt10, double? NdcgAt10);

/// <summary>A fixed goal on the test split, seen items not masked.</summary>
/// <param name="RecallAt10">Recall@10 to reach.</param>
/// <param name="NdcgAt10">NDCG@10 to reach.</param>
public sealed record PublishedTarget(double RecallAt10, double NdcgAt10);

/// <summary>
/// What is published for one data set: numbers on its own split (<see cref="Anchors"/>), numbers on another
/// preprocessing of the same data (<see cref="Context"/>), a fixed target, and the reference placed beside each scorer.
/// <see cref="IsEmpty"/> for a data set nothing is published for.
/// </summary>
/// <param name="Dataset">The data set's name.</param>
/// <param name="Anchors">Published numbers on this data set's split (test, not masked).</param>
/// <param name="Context">Published numbers on another preprocessing: context, not like-for-like.</param>
/// <param name="Target">The fixed target on this split, or null.</param>
/// <param name="Note">What the published numbers are on, for the report; empty when nothing is published.</param>
/// <param name="References">Reference text per scorer kind: long form for reports, short form for the console.</param>
public sealed record PublishedBenchmark(
    string Dataset,
    IReadOnlyList<PublishedResult> Anchors,
    IReadOnlyList<PublishedResult> Context,
    PublishedTarget? Target,
    string Note,
    IReadOnlyDictionary<ScorerKind, (string Long, string Short)> References)
{
    /// <summary>Nothing is published for this data set: no rows, no target, no reference column.</summary>
    public bool IsEmpty => Anchors.Count == 0 && Context.Count == 0 && Target is null;

    /// <summary>The published number placed beside a scorer of <paramref name="kind"/> in reports.</summary>
    public string ReferenceFor(ScorerKind kind) => References.TryGetValue(kind, out var text) ? text.Long : "none published";

    /// <summary>A short form of <see cref="ReferenceFor"/> for narrow console tables.</summary>
    public string ShortReferenceFor(ScorerKind kind) => References.TryGetValue(kind, out var text) ? text.Short : "–";
}

/// <summary>
/// The published numbers this project compares with (<c>shared/docs/LEARN.md</c> and issue 3), keyed by data set.
/// Everything published is about Amazon Scientific: only VQ-Rec and MISSRec are on this repository's split of it
/// (UniSRec preprocessing, test); LEARN's own table and ablation are on Recformer's preprocessing of the same
/// category (different users, items and split), so they are context. Other data sets have nothing published here.
/// </summary>
public static class PublishedResults
{
    /// <summary>The name of the Amazon Scientific data set (<c>data/Scientific</c>, UniSRec layout).</summary>
    public const string Scientific = "Scientific";

    /// <summary>The UniSRec preprocessing shipped in <c>data/Scientific</c>.</summary>
    public const string ThisSplit = "UniSRec split (this data)";

    /// <summary>Recformer's preprocessing, used by LEARN's paper.</summary>
    public const string RecformerSplit = "Recformer split (11,041 users, 5,327 items)";

    private static readonly PublishedBenchmark ScientificBenchmark = new(
        Scientific,
        [
            new("VQ-Rec", "Hou et al., WWW 2023", ThisSplit, 0.1211, 0.0643),
            new("MISSRec", "Wang et al., ACM MM 2023 (text + images, pretrained)", ThisSplit, 0.1360, 0.0753),
        ],
        [
            new("SASRec", "LEARN paper, Table", RecformerSplit, 0.1305, 0.0797),
            new("UniSRec", "LEARN paper, Table", RecformerSplit, 0.1255, 0.0862),
            new("Recformer", "LEARN paper, Table", RecformerSplit, 0.1448, 0.1027),
            new("LEARN", "LEARN paper, Table", RecformerSplit, 0.1594, 0.1060),
            new("LEARN w/o Align (mean content user, content item)", "LEARN paper, ablation", RecformerSplit, 0.0813, null),
            new("LEARN item tower (c)", "LEARN paper, ablation", RecformerSplit, 0.1389, null),
        ],
        new PublishedTarget(0.140, 0.080),
        "Only the first two rows are on this data set's split; LEARN's paper uses Recformer's preprocessing of the same Amazon category "
            + "(more users and items, a different split), so its rows are context, not a like-for-like comparison.",
        new Dictionary<ScorerKind, (string Long, string Short)>
        {
            [ScorerKind.Learn] = (
                "LEARN paper 0.1594 / 0.1060 (Recformer split); on this split MISSRec 0.1360 / 0.0753, VQ-Rec 0.1211 / 0.0643; target ≥ 0.140 / 0.080",
                "target 0.140 / 0.080"),
            [ScorerKind.Popularity] = ("none published on this split", "–"),
            [ScorerKind.ContentOnly] = ("LEARN w/o Align 0.0813 / – (Recformer split)", "0.0813 / – (R)"),
            [ScorerKind.ItemTowerContent] = ("LEARN item tower (c) 0.1389 / – (Recformer split)", "0.1389 / – (R)"),
            [ScorerKind.SasRec] = ("SASRec 0.1305 / 0.0797 in LEARN's table (Recformer split)", "0.1305 / 0.0797 (R)"),
        });

    /// <summary>
    /// What is published for the data set named <paramref name="datasetName"/> (<c>UniSRecDataset.Name</c>):
    /// Amazon Scientific's numbers and target for <see cref="Scientific"/>, an empty benchmark for any other.
    /// </summary>
    public static PublishedBenchmark For(string datasetName)
    {
        ArgumentNullException.ThrowIfNull(datasetName);
        return string.Equals(datasetName, Scientific, StringComparison.OrdinalIgnoreCase)
            ? ScientificBenchmark
            : new PublishedBenchmark(datasetName, [], [], null, "", new Dictionary<ScorerKind, (string Long, string Short)>());
    }
}
