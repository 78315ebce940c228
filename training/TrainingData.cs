using Actors.Dataset;

namespace Actors.Training;

/// <summary>
/// What a run trains on: the catalog (item tokens and content embeddings, row i = item index i), each user's
/// training sequence (item indices, oldest first) and the validation rows used for early stopping.
/// Test rows are deliberately not part of it: they never reach training or model selection.
/// </summary>
public sealed record TrainingData(
    string Name,
    IReadOnlyList<string> ItemIds,
    float[][] Content,
    int[][] Sequences,
    IReadOnlyList<Interaction> Valid,
    string DatasetHash,
    string Encoder);
