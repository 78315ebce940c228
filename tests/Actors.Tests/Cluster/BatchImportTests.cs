using System.Numerics.Tensors;
using Actors.Dataset;
using Actors.Encoder;
using Actors.Grains.Index;
using Actors.Grains.Items;
using Actors.Ingest;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Cluster;

/// <summary>
/// The batch import of items with precomputed content embeddings on a real cluster: everything stored and searchable,
/// importing twice is importing once, an interrupted import completes on a rerun with no item indexed before it is
/// stored, bad input is refused before anything is stored, and shards restore imported batches after reactivation.
/// </summary>
[Collection(ImportClusterCollectionDefinition.Name)]
public sealed class BatchImportTests(ImportClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    /// <summary>
    /// <paramref name="count"/> new items around the seeded ones: each text is a seeded text with a suffix, each content a
    /// seeded content embedding plus a little noise (renormalised), so they look like real embeddings of this encoder.
    /// </summary>
    private async Task<(CatalogItem[] Items, ReadOnlyMemory<float>[] Contents, string EncoderVersion)> CatalogAsync(int count, int seed)
    {
        var seeded = await Task.WhenAll(fixture.Seeded.Select(i => Client.GetGrain<IItemGrain>(i.Id).GetEmbeddingsAsync()));
        var random = new Random(seed);
        var prefix = Fresh("imported");
        var items = new CatalogItem[count];
        var contents = new ReadOnlyMemory<float>[count];
        for (var i = 0; i < count; i++)
        {
            var source = random.Next(seeded.Length);
            var content = seeded[source]!.Content.Select(v => v + (0.02f * (float)(random.NextDouble() - 0.5))).ToArray();
            TensorPrimitives.Divide(content, TensorPrimitives.Norm(content), content);
            items[i] = new CatalogItem(i, $"{prefix}-{i:D5}", $"{fixture.Seeded[source].Text} (copy {i})");
            contents[i] = content;
        }
        return (items, contents, seeded[0]!.EncoderVersion);
    }

    /// <summary>Every id the shards hold, with repeats if a shard held one twice or two shards held the same one.</summary>
    private async Task<string[]> IndexedIdsAsync() =>
        [.. (await Task.WhenAll(Enumerable.Range(0, ImportClusterFixture.Shards).Select(s => Client.GetGrain<IIndexShardMaintenance>(s).ListItemIdsAsync()))).SelectMany(ids => ids)];

    private Task<int> CountAsync() => Client.GetGrain<IRetrievalGrain>(0).CountItemsAsync();

    [Fact]
    public async Task A_batch_import_stores_and_indexes_every_item_and_they_are_searchable()
    {
        var (items, contents, version) = await CatalogAsync(2_500, seed: 1);
        // An exact copy of item 0 under another id: it must be item 0's nearest neighbour.
        items[^1] = items[^1] with { Text = items[0].Text + " (twin)" };
        contents[^1] = contents[0].ToArray();
        var countBefore = await CountAsync();

        var result = await new CatalogImporter(Client) { BatchSize = 1_000 }.ImportPrecomputedAsync(items, contents, version);

        Assert.Equal(new ItemImportResult(items.Length, 0, 0, items.Length), result);
        Assert.Equal(countBefore + items.Length, await CountAsync());
        var indexed = (await IndexedIdsAsync()).Where(id => id.StartsWith(items[0].Id[..^6], StringComparison.Ordinal)).ToArray();
        Assert.Equal(items.Select(i => i.Id).Order(), indexed.Order());
        foreach (var i in new[] { 0, 1, 999, 1_000, 2_498 })
        {
            var grain = Client.GetGrain<IItemGrain>(items[i].Id);
            Assert.Equal(items[i].Text, (await grain.GetAsync())?.Text);
            Assert.Equal(contents[i].ToArray(), (await grain.GetEmbeddingsAsync())!.Content);
        }
        var similar = await Client.GetGrain<IRetrievalGrain>(0).SimilarAsync(items[0].Id, 5);
        Assert.Equal(items[^1].Id, similar!.Items[0].ItemId);
        Assert.Equal(1f, similar.Items[0].Score, 1e-5f);
        Assert.Equal(items[^1].Text, similar.Items[0].Text);
    }

    [Fact]
    public async Task Imported_attributes_are_stored_filter_answers_and_a_changed_one_goes_through_the_item_grain()
    {
        var (items, contents, version) = await CatalogAsync(600, seed: 7);
        var attributes = items.Select(i => (ItemAttributes?)(i.Index % 3 == 0
            ? new ItemAttributes(Category: ["Lab", i.Index % 2 == 0 ? "Glass" : "Steel"], Price: i.Index, Tags: i.Index % 60 == 0 ? ["sale"] : null)
            : null)).ToArray();
        var importer = new CatalogImporter(Client) { BatchSize = 250 };

        Assert.Equal(new ItemImportResult(items.Length, 0, 0, items.Length), await importer.ImportPrecomputedAsync(items, contents, attributes, version));
        Assert.Equivalent(attributes[6], (await Client.GetGrain<IItemGrain>(items[6].Id).GetAsync())!.Attributes, strict: true);
        Assert.Equal(ItemAttributes.None, (await Client.GetGrain<IItemGrain>(items[1].Id).GetAsync())!.Attributes);
        var sale = new ItemFilter(CategoryPrefix: ["Lab"], Tags: ["sale"]);
        var similar = await Client.GetGrain<IRetrievalGrain>(0).SimilarAsync(items[1].Id, 100, sale);
        Assert.Equal(
            items.Where(i => attributes[i.Index] is { Tags: ["sale"] }).Select(i => i.Id).Order(),
            similar!.Items.Select(i => i.ItemId).Where(id => id.StartsWith(items[0].Id[..^6], StringComparison.Ordinal)).Order());

        // The same attributes again: nothing to do. Another price for one item: that item through its grain.
        Assert.Equal(new ItemImportResult(0, items.Length, 0, 0), await importer.ImportPrecomputedAsync(items, contents, attributes, version));
        attributes[0] = attributes[0]! with { Price = 999 };
        var changed = await importer.ImportPrecomputedAsync(items, contents, attributes, version);
        Assert.Equal((items.Length - 1, 1), (changed.Unchanged, changed.Updated));
        Assert.Equal(999, (await Client.GetGrain<IItemGrain>(items[0].Id).GetAsync())!.Attributes?.Price);
    }

    [Fact]
    public async Task A_bad_attribute_anywhere_refuses_the_whole_import_naming_the_item_and_the_field()
    {
        var (items, contents, version) = await CatalogAsync(300, seed: 8);
        var attributes = new ItemAttributes?[items.Length];
        attributes[250] = new ItemAttributes(Price: -1);
        var countBefore = await CountAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new CatalogImporter(Client) { BatchSize = 100 }.ImportPrecomputedAsync(items, contents, attributes, version));

        Assert.Contains($"Item 250 ('{items[250].Id}'), price", error.Message, StringComparison.Ordinal);
        Assert.Equal(countBefore, await CountAsync());
        Assert.Null(await Client.GetGrain<IItemGrain>(items[0].Id).GetAsync());
    }

    [Fact]
    public async Task Importing_the_same_items_twice_changes_nothing()
    {
        var (items, contents, version) = await CatalogAsync(700, seed: 2);
        var importer = new CatalogImporter(Client) { BatchSize = 300 };
        await importer.ImportPrecomputedAsync(items, contents, version);
        var countAfterFirst = await CountAsync();
        var embeddingsAfterFirst = await Client.GetGrain<IItemGrain>(items[3].Id).GetEmbeddingsAsync();

        var second = await importer.ImportPrecomputedAsync(items, contents, version);

        Assert.Equal(new ItemImportResult(0, items.Length, 0, 0), second);
        Assert.Equal(countAfterFirst, await CountAsync());
        Assert.Equal(embeddingsAfterFirst!.Item, (await Client.GetGrain<IItemGrain>(items[3].Id).GetEmbeddingsAsync())!.Item);
    }

    [Fact]
    public async Task An_import_interrupted_half_way_completes_on_a_rerun_with_every_item_once_and_none_indexed_unstored()
    {
        var (items, contents, version) = await CatalogAsync(3_000, seed: 3);
        var prefix = items[0].Id[..^6];
        using var interrupt = new CancellationTokenSource();
        var progress = new CancelAtFirstReport(interrupt);
        var importer = new CatalogImporter(Client) { BatchSize = 250, MaxParallelBatches = 2 };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => importer.ImportPrecomputedAsync(items, contents, version, progress, interrupt.Token));

        var indexedBefore = (await IndexedIdsAsync()).Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        Assert.InRange(indexedBefore.Length, 250, items.Length - 1);
        var stored = await Task.WhenAll(indexedBefore.Select(id => Client.GetGrain<IItemGrain>(id).GetAsync()));
        Assert.All(stored, Assert.NotNull);

        var rerun = await importer.ImportPrecomputedAsync(items, contents, version);

        var indexed = (await IndexedIdsAsync()).Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        Assert.Equal(items.Select(i => i.Id).Order(), indexed.Order());
        // (A batch cancelled in flight may still finish on its silo while the rerun runs; its items then count as updated.)
        Assert.Equal(items.Length, rerun.Stored + rerun.Unchanged + rerun.Updated);
        Assert.True(rerun.Unchanged + rerun.Updated >= indexedBefore.Length);
        Assert.All(await Task.WhenAll(items.Select(i => Client.GetGrain<IItemGrain>(i.Id).GetAsync())), Assert.NotNull);
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("dimension")]
    [InlineData("encoder")]
    [InlineData("duplicate")]
    [InlineData("long-text")]
    [InlineData("control-id")]
    public async Task A_bad_import_is_refused_before_anything_is_stored(string flaw)
    {
        var (items, contents, version) = await CatalogAsync(1_200, seed: 4);
        var last = items.Length - 1;
        switch (flaw)
        {
            case "nan":
                var broken = contents[last].ToArray();
                broken[17] = float.NaN;
                contents[last] = broken;
                break;
            case "dimension":
                contents[last] = contents[last][..100];
                break;
            case "encoder":
                version += "-other";
                break;
            case "duplicate":
                items[last] = items[last] with { Id = items[0].Id };
                break;
            case "long-text":
                items[last] = items[last] with { Text = new string('x', 2_001) };
                break;
            case "control-id":
                items[last] = items[last] with { Id = items[last].Id + "\u0007" };
                break;
        }
        var countBefore = await CountAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new CatalogImporter(Client) { BatchSize = 500 }.ImportPrecomputedAsync(items, contents, version));

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.Equal(countBefore, await CountAsync());
        Assert.All(await Task.WhenAll(items.Take(50).Select(i => Client.GetGrain<IItemGrain>(i.Id).GetAsync())), Assert.Null);
    }

    [Fact]
    public async Task A_bad_batch_sent_straight_to_the_import_grain_stores_none_of_it()
    {
        var (items, contents, version) = await CatalogAsync(40, seed: 5);
        var texts = items.Select(i => i.Text).ToArray();
        texts[^1] = "   ";
        var batch = new ItemImportBatch([.. items.Select(i => i.Id)], texts, [.. contents.SelectMany(c => c.ToArray())], version);

        await Assert.ThrowsAsync<ArgumentException>(() => Client.GetGrain<IItemImportGrain>(0).ImportAsync(batch));

        Assert.All(await Task.WhenAll(items.Select(i => Client.GetGrain<IItemGrain>(i.Id).GetAsync())), Assert.Null);
        Assert.Empty((await IndexedIdsAsync()).Intersect(items.Select(i => i.Id)));
    }

    [Fact]
    public async Task Items_already_stored_or_looked_up_before_go_through_their_grains_and_end_imported()
    {
        var (items, contents, version) = await CatalogAsync(30, seed: 6);
        contents[3] = contents[0].ToArray();
        // One item stored beforehand with another text, one item grain active (looked up, absent) before the import.
        await Client.GetGrain<IItemMaintenance>(items[0].Id).ImportAsync("an older text", contents[0].ToArray(), version);
        Assert.Null(await Client.GetGrain<IItemGrain>(items[1].Id).GetAsync());

        var result = await new CatalogImporter(Client).ImportPrecomputedAsync(items, contents, version);

        Assert.Equal(1, result.Updated);
        Assert.Equal(items.Length - 1, result.Stored);
        Assert.Equal(items[0].Text, (await Client.GetGrain<IItemGrain>(items[0].Id).GetAsync())?.Text);
        // The grain activated before its record was written reads it when asked again.
        Assert.Equal(items[1].Text, (await Client.GetGrain<IItemGrain>(items[1].Id).GetAsync())?.Text);
        // Item 3 is item 0's twin: item 0 is its nearest neighbour, indexed with the new text.
        var similar = await Client.GetGrain<IRetrievalGrain>(0).SimilarAsync(items[3].Id, 1);
        Assert.Equal((items[0].Id, items[0].Text), (similar!.Items[0].ItemId, similar.Items[0].Text));
    }

    [Fact]
    public async Task Reactivated_shards_restore_imported_items_from_batch_records_and_snapshots_without_reencoding()
    {
        var (items, contents, version) = await CatalogAsync(1_500, seed: 7);
        await new CatalogImporter(Client) { BatchSize = 400 }.ImportPrecomputedAsync(items, contents, version);
        var query = contents[11].ToArray();
        var sample = items.Where((_, i) => i % 30 == 0).Select(i => i.Id).ToArray();
        long Encoded() => fixture.Cluster.Silos.Sum(s => fixture.Cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<BatchingTextEncoder>().TextsEncoded);
        async Task<(string, float, string)[]> HeldAsync()
        {
            var answers = await Task.WhenAll(fixture.Cluster.Silos.Select(silo =>
                Client.GetGrain<ISiloSearchGrain>(Grains.Placement.SiloKeyedPlacement.KeyOf(silo.SiloAddress)).SearchAsync(query, 1, [], sample)));
            return [.. answers.SelectMany(a => a.Scored).Select(h => (h.ItemId, h.Score, h.Text)).Order()];
        }
        var idsBefore = (await IndexedIdsAsync()).Order().ToArray();
        var heldBefore = await HeldAsync();
        var encodedBefore = Encoded();

        foreach (var shard in Enumerable.Range(0, ImportClusterFixture.Shards))
        {
            await fixture.Cluster.DeactivateAsync(Client.GetGrain<IIndexShardGrain>(shard));
        }

        Assert.Equal(idsBefore, (await IndexedIdsAsync()).Order());
        Assert.Equal(sample.Length, heldBefore.Length);
        Assert.Equal(heldBefore, await HeldAsync());
        Assert.All(heldBefore, h => Assert.EndsWith(")", h.Item3));
        Assert.Equal(encodedBefore, Encoded());
    }

    /// <summary>Cancels the import as soon as the first batch is done (synchronously, on the reporting thread).</summary>
    private sealed class CancelAtFirstReport(CancellationTokenSource interrupt) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => interrupt.Cancel();
    }
}
