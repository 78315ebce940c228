namespace Actors.Grains.Index;

/// <summary>
/// Items for one index shard at once: row <c>i</c> of <see cref="Embeddings"/> (row-major, <see cref="Dimension"/> values
/// a row), <see cref="Texts"/>[i] and <see cref="Attributes"/>[i] (null: none) belong to <see cref="ItemIds"/>[i], all
/// computed with <see cref="ModelVersion"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.IndexBatch")]
internal sealed record IndexBatch(
    [property: Id(0)] string[] ItemIds,
    [property: Id(1)] float[] Embeddings,
    [property: Id(2)] int Dimension,
    [property: Id(3)] string?[] Texts,
    [property: Id(4)] string ModelVersion,
    [property: Id(5)] ItemAttributes?[]? Attributes = null);

/// <summary>
/// Items of a shard that belong to another shard under the configured shard count (index migration): loaded ones with
/// their embeddings (<see cref="Items"/>, empty ids when none), and ids of ones not loaded yet (<see cref="PendingIds"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.MisplacedItems")]
internal sealed record MisplacedItems(
    [property: Id(0)] IndexBatch Items,
    [property: Id(1)] string[] PendingIds);
