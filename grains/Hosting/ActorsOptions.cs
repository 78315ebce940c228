using Microsoft.Extensions.Options;

namespace Actors.Grains.Hosting;

/// <summary>Index shards (section <c>Index</c>).</summary>
public sealed class IndexOptions
{
    public const string Section = "Index";

    /// <summary>
    /// Number of index shard grains the catalog is hash-partitioned over. A query searches every shard, each with its own
    /// graph, so its cost grows with the number of shards; spread placement puts one shard per silo. Default 2: as many
    /// as the silos of a small cluster (set it to the number of silos; more only to split a catalog too large for one).
    /// </summary>
    public int Shards { get; set; } = 2;

    /// <summary>
    /// How long a shard waits for an upsert it was told to expect (<c>IIndexShardMaintenance.ExpectAsync</c>) before it loads
    /// the item from its stored record itself (the caller died between storing and indexing). Longer than a grain call's
    /// response timeout, so a slow upsert in flight is not raced. Default 1 minute.
    /// </summary>
    public TimeSpan ExpectTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often a shard with items it does not hold yet (after a model change, an expectation that timed out, a
    /// migration) loads the next of them from their stored records, and a migrating one asks whether the migration is
    /// done. Default 250 ms.
    /// </summary>
    public TimeSpan PendingInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a shard with unsaved single changes writes its snapshot. Default 2 s.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Changes a shard journals (one small write of item ids per acknowledged change) before it writes a full snapshot
    /// early. Default 1,024.
    /// </summary>
    public int JournalLimit { get; set; } = 1024;

    /// <summary>
    /// Items per record of a shard's snapshot, so that no storage write grows with the shard (with the memory provider
    /// every write is a grain message, whose size Orleans caps). Default 16,384 (about 8 MB at 64 dimensions with texts).
    /// </summary>
    public int SnapshotRecordItems { get; set; } = 16_384;

    /// <summary>
    /// Size at which a shard moves from exact search to an HNSW graph (0: HNSW from the start). Default 20,000: below it
    /// exact search over the shard is faster than the graph and perfect.
    /// </summary>
    /// <summary>
    /// A filtered search whose filter keeps at most this many of a shard's items (or under a tenth of them) scores each of
    /// those exactly instead of searching the graph. Default 20,000.
    /// </summary>
    public int FilterExactLimit { get; set; } = Index.ShardIndex.DefaultFilterExactLimit;

    public int HnswThreshold { get; set; } = 20_000;

    /// <summary>HNSW edges per node (M). Default 16.</summary>
    public int HnswConnectivity { get; set; } = 16;

    /// <summary>HNSW candidate list while inserting (efConstruction). Default 128.</summary>
    public int HnswExpansionAdd { get; set; } = 128;

    /// <summary>
    /// The search beam (ef) of a query over the whole catalog. Each of the <see cref="Shards"/> shards, a hash sample of the
    /// catalog, searches with its share, ef / Shards (and at least <see cref="HnswExpansionPerK"/> × k), so a query
    /// explores about as many candidates, and costs about as much, whatever the shard count. Default 1,536: on the load
    /// harness's 1,000,000-item catalog (dense clusters of near-duplicates, two shards) it gave recall@10 0.966 against
    /// exact search, where 1,280 gave 0.952 and 1,024 gave 0.947–0.955 from one graph build to the next (one run each,
    /// the goal being 0.95); 512 gives 0.90–0.92, 128 gives 0.75–0.84. The wider beam costs about a third more per query.
    /// </summary>
    public int HnswExpansionSearch { get; set; } = 1536;

    /// <summary>k-aware expansion: a search for k items keeps at least this many candidates per item (ef ≥ this × k). Default 4.</summary>
    public int HnswExpansionPerK { get; set; } = 4;

    /// <summary>
    /// How the HNSW graph stores vectors: <c>F32</c>, <c>F16</c> (half the memory) or <c>I8</c> (a quarter). Candidates
    /// are always ranked by their exact float vectors. Default F16: on the 1,000,000-item harness catalog its recall@10
    /// was within ±0.01 of F32 at every beam measured (128 to 1,024), while I8 lost 0.05–0.08 (0.69 against 0.75–0.77 at
    /// ef 128 with one shard); at 100,000 items all three reach 0.95 at ef 128.
    /// </summary>
    public Actors.VectorIndex.VectorQuantization Quantization { get; set; } = Actors.VectorIndex.VectorQuantization.F16;

    /// <summary>The graph parameters above, for one shard's vector index (its share of the search beam).</summary>
    public Actors.VectorIndex.HnswOptions Hnsw() => new()
    {
        Connectivity = HnswConnectivity,
        ExpansionAdd = HnswExpansionAdd,
        ExpansionSearch = Math.Max(1, (HnswExpansionSearch + Shards - 1) / Shards),
        ExpansionPerK = HnswExpansionPerK,
        Quantization = Quantization,
    };
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

    /// <summary>Largest <see cref="HistoryLength"/> accepted.</summary>
    public const int MaxHistoryLength = 10_000;

    /// <summary>Largest <see cref="RememberedEventIds"/> accepted (each user grain keeps them in memory and storage).</summary>
    public const int MaxRememberedEventIds = 1_000_000;

    /// <summary>
    /// Length of the rolling history window the user embedding is computed over, 1..<see cref="MaxHistoryLength"/>.
    /// It may change between restarts: a stored history longer than a new, shorter setting is trimmed (oldest out, its
    /// ids remembered as evicted) when the user grain activates. Default 50.
    /// </summary>
    public int HistoryLength { get; set; } = 50;

    /// <summary>
    /// Event ids remembered beyond the history window to drop redeliveries of events that have already slid out, at
    /// least <see cref="HistoryLength"/> (a redelivery of a batch as long as the window must still be recognised) and at
    /// most <see cref="MaxRememberedEventIds"/>. Default 1000.
    /// </summary>
    public int RememberedEventIds { get; set; } = 1000;
}

/// <summary>Checks <see cref="UserOptions"/> at start-up; each failure names the setting and the range it must be in.</summary>
internal sealed class UserOptionsValidator : IValidateOptions<UserOptions>
{
    public ValidateOptionsResult Validate(string? name, UserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.HistoryLength is < 1 or > UserOptions.MaxHistoryLength)
        {
            failures.Add($"Users:HistoryLength must be in 1..{UserOptions.MaxHistoryLength}; it is {options.HistoryLength}.");
        }
        if (options.RememberedEventIds < options.HistoryLength || options.RememberedEventIds > UserOptions.MaxRememberedEventIds)
        {
            failures.Add(
                $"Users:RememberedEventIds must be at least Users:HistoryLength ({options.HistoryLength}) and at most {UserOptions.MaxRememberedEventIds}; " +
                $"it is {options.RememberedEventIds}. Below the window length, events that slid out are applied again when redelivered.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The popularity fallback for users with no history (section <c>Popularity</c>).</summary>
public sealed class PopularityOptions
{
    public const string Section = "Popularity";

    /// <summary>Half-life of an interaction's weight. Default 7 days.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often a popularity partition with unsaved counts writes them. Default 5 s.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Number of popularity partition grains the items are hash-partitioned over (XxHash32 of the id). Changing it
    /// re-partitions: counts kept under the old partition are no longer read. Default 4.
    /// </summary>
    public int Partitions { get; set; } = 4;

    /// <summary>
    /// How often each silo sends the interactions it counted since the last flush to the partitions (one call per
    /// partition, however hot an item is) and refreshes its snapshot of the most popular items. Default 1 s.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Items kept in each silo's snapshot of the most popular items, which answers the fallback. Default 1000.</summary>
    public int SnapshotSize { get; set; } = 1000;
}

/// <summary>Item grains (section <c>Items</c>).</summary>
public sealed class ItemOptions
{
    public const string Section = "Items";

    /// <summary>Longest item text accepted, in characters. Default 10,000.</summary>
    public int MaxTextLength { get; set; } = 10_000;

    /// <summary>
    /// Content embeddings each silo keeps for the user grains' events (<see cref="Items.ItemContentCache"/>), most
    /// recently used first. Default 200,000 (≈ 0.3 GB at 384 dimensions).
    /// </summary>
    public int ContentCacheSize { get; set; } = 200_000;

    /// <summary>
    /// How long a cached content embedding is used before its item is asked again. A text edited on another silo is
    /// seen by this silo's events at most this late (the item's own silo drops its entry at once). Default 1 minute.
    /// </summary>
    public TimeSpan ContentCacheTtl { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Item → next-item counts fused into recommendations (section <c>Transitions</c>).</summary>
public sealed class TransitionOptions
{
    public const string Section = "Transitions";

    /// <summary>
    /// Number of transition shard grains the source items are hash-partitioned over (XxHash32 of the id, as the index
    /// does). Changing it re-partitions: counts kept under the old partition are no longer read. Default 16.
    /// </summary>
    public int Shards { get; set; } = 16;

    /// <summary>Successors kept per source item; a new one beyond it evicts the one with the lowest count. Default 100.</summary>
    public int MaxSuccessorsPerItem { get; set; } = 100;

    /// <summary>How often a shard with unsaved counts writes them to grain storage (and on deactivation). Default 1 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often each silo sends the transitions its user grains counted to the shards (one call per shard), instead
    /// of a call per event batch: also how late a transition starts to count in retrieval. Default 100 ms.
    /// </summary>
    public TimeSpan SiloFlushInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}
