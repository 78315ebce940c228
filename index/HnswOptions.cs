namespace Actors.VectorIndex;

/// <summary>How the HNSW graph stores its vectors. Searches rescore their candidates with the exact float vectors.</summary>
public enum VectorQuantization
{
    /// <summary>32-bit floats: 4 bytes a dimension.</summary>
    F32,

    /// <summary>16-bit floats: half the memory, and faster distances where the CPU converts halves natively.</summary>
    F16,

    /// <summary>8-bit integers (each vector scaled to [-127, 127]; cosine, so for unit vectors): a quarter of the memory.</summary>
    I8,
}

/// <summary>Parameters of the HNSW graph (USearch). Defaults give recall@10 ≥ 0.95 against exact search on embeddings.</summary>
public sealed record HnswOptions
{
    /// <summary>Edges per node (M). Default 16.</summary>
    public int Connectivity { get; init; } = 16;

    /// <summary>Candidate list size while inserting (efConstruction). Default 128.</summary>
    public int ExpansionAdd { get; init; } = 128;

    /// <summary>Candidate list size while searching (ef), at least. Default 128.</summary>
    public int ExpansionSearch { get; init; } = 128;

    /// <summary>
    /// k-aware expansion: a search for k keys keeps at least this many candidates per key wanted (ef ≥ this × k), so large
    /// k do not lose recall. Default 4.
    /// </summary>
    public int ExpansionPerK { get; init; } = 4;

    /// <summary>How the graph stores vectors (the index keeps the exact floats beside it for scores). Default F32.</summary>
    public VectorQuantization Quantization { get; init; } = VectorQuantization.F32;

    /// <summary>The candidates a search for <paramref name="k"/> keys asks the graph for, before excluded keys are added.</summary>
    public int CandidatesFor(int k) => Math.Max(ExpansionSearch, ExpansionPerK * k);
}
