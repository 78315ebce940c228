namespace Actors.Grains.Hosting;

/// <summary>Index shards (section <c>Index</c>).</summary>
public sealed class IndexOptions
{
    public const string Section = "Index";

    /// <summary>Number of index shard grains the catalog is hash-partitioned over. Default 4.</summary>
    public int Shards { get; set; } = 4;

    /// <summary>How often a shard with unsaved changes writes its snapshot. Default 2 s.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Federated retrieval (section <c>Retrieval</c>).</summary>
public sealed class RetrievalOptions
{
    public const string Section = "Retrieval";

    /// <summary>
    /// How long the fan-out waits for the index shards; shards that have not answered by then are left out and the
    /// answer is flagged partial. Default 2 s.
    /// </summary>
    public TimeSpan ShardDeadline { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>User grains (section <c>Users</c>).</summary>
public sealed class UserOptions
{
    public const string Section = "Users";

    /// <summary>Length of the rolling history window the user embedding is computed over. Default 50.</summary>
    public int HistoryLength { get; set; } = 50;

    /// <summary>
    /// Event ids remembered beyond the history window to drop redeliveries of events that have already slid out.
    /// Default 1000.
    /// </summary>
    public int RememberedEventIds { get; set; } = 1000;
}

/// <summary>The popularity fallback for users with no history (section <c>Popularity</c>).</summary>
public sealed class PopularityOptions
{
    public const string Section = "Popularity";

    /// <summary>Half-life of an interaction's weight. Default 7 days.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often unsaved popularity counts are written. Default 5 s.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Item grains (section <c>Items</c>).</summary>
public sealed class ItemOptions
{
    public const string Section = "Items";

    /// <summary>Longest item text accepted, in characters. Default 10,000.</summary>
    public int MaxTextLength { get; set; } = 10_000;
}
