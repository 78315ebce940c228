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
/// <param name="Data">Which preprocessing of Amazon Scientific the number is on.</param>
/// <param name="RecallAt10">Recall@10, or null when not published.</param>
/// <param name="NdcgAt10">NDCG@10, or null when not published.</param>
public sealed record PublishedResult(string Method, string Source, string Data, double? RecallAt10, double? NdcgAt10);

/// <summary>
/// The published numbers this project compares with (<c>shared/docs/LEARN.md</c> and issue 3). Only VQ-Rec and
/// MISSRec are on this data set's split (UniSRec preprocessing, test); LEARN's own table and ablation are on
/// Recformer's preprocessing of the same Amazon category (different users, items and split), so they are context,
/// not a like-for-like comparison.
/// </summary>
public static class PublishedResults
{
    /// <summary>The UniSRec preprocessing shipped in <c>data/Scientific</c>.</summary>
    public const string ThisSplit = "UniSRec split (this data)";

    /// <summary>Recformer's preprocessing, used by LEARN's paper.</summary>
    public const string RecformerSplit = "Recformer split (11,041 users, 5,327 items)";

    /// <summary>The target on this split, test, seen items not masked.</summary>
    public const double TargetRecallAt10 = 0.140;

    /// <summary>The target on this split, test, seen items not masked.</summary>
    public const double TargetNdcgAt10 = 0.080;

    /// <summary>Published numbers on this split.</summary>
    public static IReadOnlyList<PublishedResult> Anchors { get; } =
    [
        new("VQ-Rec", "Hou et al., WWW 2023", ThisSplit, 0.1211, 0.0643),
        new("MISSRec", "Wang et al., ACM MM 2023 (text + images, pretrained)", ThisSplit, 0.1360, 0.0753),
    ];

    /// <summary>LEARN's paper (AAAI 2025), Table and ablation on Scientific.</summary>
    public static IReadOnlyList<PublishedResult> LearnPaper { get; } =
    [
        new("SASRec", "LEARN paper, Table", RecformerSplit, 0.1305, 0.0797),
        new("UniSRec", "LEARN paper, Table", RecformerSplit, 0.1255, 0.0862),
        new("Recformer", "LEARN paper, Table", RecformerSplit, 0.1448, 0.1027),
        new("LEARN", "LEARN paper, Table", RecformerSplit, 0.1594, 0.1060),
        new("LEARN w/o Align (mean content user, content item)", "LEARN paper, ablation", RecformerSplit, 0.0813, null),
        new("LEARN item tower (c)", "LEARN paper, ablation", RecformerSplit, 0.1389, null),
    ];

    /// <summary>A short form of <see cref="ReferenceFor"/> for narrow console tables.</summary>
    public static string ShortReferenceFor(ScorerKind kind) => kind switch
    {
        ScorerKind.Learn => "target 0.140 / 0.080",
        ScorerKind.Popularity => "–",
        ScorerKind.ContentOnly => "0.0813 / – (R)",
        ScorerKind.ItemTowerContent => "0.1389 / – (R)",
        ScorerKind.SasRec => "0.1305 / 0.0797 (R)",
        ScorerKind.LearnModelOnly or ScorerKind.Transitions or ScorerKind.ContentTransitions => "–",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown scorer kind."),
    };

    /// <summary>The published number placed beside a scorer of <paramref name="kind"/> in tables.</summary>
    public static string ReferenceFor(ScorerKind kind) => kind switch
    {
        ScorerKind.Learn => "LEARN paper 0.1594 / 0.1060 (Recformer split); on this split MISSRec 0.1360 / 0.0753, VQ-Rec 0.1211 / 0.0643; target ≥ 0.140 / 0.080",
        ScorerKind.Popularity => "none published on this split",
        ScorerKind.ContentOnly => "LEARN w/o Align 0.0813 / – (Recformer split)",
        ScorerKind.ItemTowerContent => "LEARN item tower (c) 0.1389 / – (Recformer split)",
        ScorerKind.SasRec => "SASRec 0.1305 / 0.0797 in LEARN's table (Recformer split)",
        ScorerKind.LearnModelOnly or ScorerKind.Transitions or ScorerKind.ContentTransitions => "none published",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown scorer kind."),
    };
}
