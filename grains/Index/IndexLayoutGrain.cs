using Actors.Grains.Hosting;
using Actors.VectorIndex;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Index;

/// <summary>
/// Records, durably, the shard count the items are partitioned with, and re-partitions when <c>Index:Shards</c> changed
/// between runs: it is activated by the first shard that starts, finds the recorded count different from the configured
/// one, and asks every shard that may hold items (the larger of the two counts, and of any earlier unfinished
/// migration) for the items that belong elsewhere now, hands each batch to its new owner (which adds only what it does
/// not hold: an item upserted since went to its new owner already and is newer), has the old shard forget them, and
/// finally writes each old shard's snapshot. Every step is idempotent, so a crash resumes by running it again; until the
/// last shard is done every shard answers partial, and the silo search grains merge hits by item id, so an item held by
/// two shards for a moment is returned once. A cluster whose layout was never recorded (older versions) is taken to be
/// partitioned with the configured count.
/// </summary>
internal sealed partial class IndexLayoutGrain(
    [PersistentState("index-layout", StorageNames.Actors)] IPersistentState<IndexLayoutState> state,
    IOptions<IndexOptions> options,
    ILogger<IndexLayoutGrain> logger) : Grain, IIndexLayoutGrain
{
    // Items moved per call: a few MB at the shipped model's dimension, well under Orleans' message size limit.
    private const int MoveBatch = 4096;

    private IGrainTimer? _migration;

    private int Configured => options.Value.Shards;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!state.RecordExists || state.State.Shards <= 0)
        {
            state.State.Shards = Configured;
            state.State.Span = Configured;
            await state.WriteStateAsync(cancellationToken);
        }
        else if (state.State.Shards != Configured)
        {
            var previous = state.State.Shards;
            state.State.Span = Math.Max(state.State.Span, Math.Max(previous, Configured));
            state.State.Shards = Configured;
            state.State.Migrating = true;
            await state.WriteStateAsync(cancellationToken);
            LogMigrating(previous, Configured, state.State.Span);
        }
        if (!Settled)
        {
            _migration = this.RegisterGrainTimer(MigrateAsync, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        }
    }

    public Task<bool> IsSettledAsync() => Task.FromResult(Settled);

    private bool Settled => !state.State.Migrating && state.State.Shards == Configured;

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var shards = Configured;
        for (var source = 0; source < state.State.Span; source++)
        {
            var from = GrainFactory.GetGrain<IIndexShardMaintenance>(source);
            var moved = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var misplaced = await from.ExtractMisplacedAsync(MoveBatch);
                var batch = misplaced.Items;
                if (batch.ItemIds.Length == 0 && misplaced.PendingIds.Length == 0)
                {
                    break;
                }
                var rows = new Dictionary<int, List<int>>();
                for (var i = 0; i < batch.ItemIds.Length; i++)
                {
                    Rows(rows, Partitioner.ShardOf(batch.ItemIds[i], shards)).Add(i);
                }
                var pending = misplaced.PendingIds.GroupBy(id => Partitioner.ShardOf(id, shards)).ToDictionary(g => g.Key, g => g.ToArray());
                foreach (var target in pending.Keys)
                {
                    Rows(rows, target);
                }
                await Task.WhenAll(rows.Select(pair => GrainFactory.GetGrain<IIndexShardMaintenance>(pair.Key).AdoptAsync(
                    Slice(batch, pair.Value), pending.GetValueOrDefault(pair.Key, []), cancellationToken)));
                await from.DropMovedAsync([.. batch.ItemIds, .. misplaced.PendingIds]);
                moved += batch.ItemIds.Length + misplaced.PendingIds.Length;
            }
            await from.CompleteMigrationAsync();
            LogShardMigrated(source, moved);
        }
        state.State.Span = shards;
        state.State.Migrating = false;
        await state.WriteStateAsync(cancellationToken);
        LogSettled(shards);
        _migration?.Dispose();
        _migration = null;
    }

    private static List<int> Rows(Dictionary<int, List<int>> rows, int shard)
    {
        if (!rows.TryGetValue(shard, out var list))
        {
            rows[shard] = list = [];
        }
        return list;
    }

    private static IndexBatch Slice(IndexBatch batch, List<int> rows)
    {
        var dimension = batch.Dimension;
        var embeddings = new float[rows.Count * dimension];
        for (var j = 0; j < rows.Count; j++)
        {
            batch.Embeddings.AsSpan(rows[j] * dimension, dimension).CopyTo(embeddings.AsSpan(j * dimension));
        }
        return new IndexBatch([.. rows.Select(i => batch.ItemIds[i])], embeddings, dimension, [.. rows.Select(i => batch.Texts[i])], batch.ModelVersion,
            batch.Attributes is null ? null : [.. rows.Select(i => batch.Attributes[i])]);
    }
}

/// <summary>The persisted layout of the index (<see cref="IndexLayoutGrain"/>).</summary>
[GenerateSerializer, Alias("Actors.IndexLayoutState")]
public sealed class IndexLayoutState
{
    /// <summary>The shard count items are partitioned with (0: never recorded).</summary>
    [Id(0)] public int Shards { get; set; }

    /// <summary>The shards that may hold items: above <see cref="Shards"/> while a migration from a larger count is unfinished.</summary>
    [Id(1)] public int Span { get; set; }

    /// <summary>True from a change of the shard count until every shard of <see cref="Span"/> has moved its misplaced items.</summary>
    [Id(2)] public bool Migrating { get; set; }
}
