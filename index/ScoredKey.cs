namespace Actors.VectorIndex;

/// <summary>A key with its similarity to a query (dot product; cosine for unit vectors).</summary>
public readonly record struct ScoredKey(string Key, float Score);
