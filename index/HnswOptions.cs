namespace Actors.VectorIndex;

/// <summary>Parameters of the HNSW graph (USearch). Defaults give recall@10 ≥ 0.95 against exact search on embeddings.</summary>
public sealed record HnswOptions
{
    /// <summary>Edges per node (M). Default 16.</summary>
    public int Connectivity { get; init; } = 16;

    /// <summary>Candidate list size while inserting (efConstruction). Default 128.</summary>
    public int ExpansionAdd { get; init; } = 128;

    /// <summary>Candidate list size while searching (ef). Default 128.</summary>
    public int ExpansionSearch { get; init; } = 128;

    /// <summary>Store vectors as half-precision floats in the graph: half the memory at nearly the same recall. Default false.</summary>
    public bool HalfPrecision { get; init; }
}
