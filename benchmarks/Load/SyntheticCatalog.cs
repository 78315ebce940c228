using System.Globalization;
using System.Numerics.Tensors;
using Actors.Benchmarks.Micro;
using Actors.Dataset;
using Actors.Grains.Model;
using Actors.VectorIndex;

namespace Actors.Benchmarks.Load;

/// <summary>
/// A catalog larger than the sample whose content embeddings look like real ones: the 4,385 real Scientific items
/// first, then synthetic items each drawn around a real item's content embedding (mixed a little with a second real
/// item, plus small Gaussian noise, renormalised), with that item's text. Contents are kept in one flat array.
/// Every item carries shop attributes for the filtered queries: a category "Science &gt; Dept d" of ten, available nine
/// times in ten, a price, and the tag "rare" on one item in 200.
/// </summary>
internal sealed class SyntheticCatalog
{
    private readonly float[] _contents;

    /// <summary>Departments of the synthetic category path; one filter keeps one of them.</summary>
    public const int Departments = 10;

    /// <summary>The tag one item in <see cref="RareEvery"/> carries: a filter on it keeps 0.5 % of the catalog.</summary>
    public const string RareTag = "rare";

    public const int RareEvery = 200;

    private SyntheticCatalog(string[] ids, string[] texts, float[] contents, int dimension, ItemAttributes[] attributes)
    {
        Ids = ids;
        Texts = texts;
        Attributes = attributes;
        _contents = contents;
        Dimension = dimension;
    }

    public string[] Ids { get; }

    public string[] Texts { get; }

    public ItemAttributes[] Attributes { get; }

    public int Dimension { get; }

    public int Count => Ids.Length;

    /// <summary>A copy of item <paramref name="i"/>'s content embedding.</summary>
    public float[] Content(int i) => _contents.AsSpan(i * Dimension, Dimension).ToArray();

    /// <summary>Every item as the importer takes it: id and text, and a view (no copy) of its content embedding.</summary>
    public (IReadOnlyList<CatalogItem> Items, IReadOnlyList<ReadOnlyMemory<float>> Contents, IReadOnlyList<ItemAttributes?> Attributes) ForImport()
    {
        var items = new CatalogItem[Count];
        var contents = new ReadOnlyMemory<float>[Count];
        for (var i = 0; i < Count; i++)
        {
            items[i] = new CatalogItem(i, Ids[i], Texts[i]);
            contents[i] = _contents.AsMemory(i * Dimension, Dimension);
        }
        return (items, contents, Attributes);
    }

    /// <summary>Every item embedding (the serving model's item tower over each content), row-major in catalog order.</summary>
    public float[] ItemVectors(ServingModel serving, out int dimension)
    {
        var first = serving.ItemEmbedding(Ids[0], Content(0));
        var width = first.Length;
        var rows = new float[(long)Count * width];
        Parallel.For(0, Count, i => serving.ItemEmbedding(Ids[i], Content(i)).CopyTo(rows, i * width));
        dimension = width;
        return rows;
    }

    public static SyntheticCatalog Create(UniSRecDataset dataset, float[][] contents, int count, int seed)
    {
        var dimension = contents[0].Length;
        var real = contents.Length;
        count = Math.Max(count, real);
        var ids = new string[count];
        var texts = new string[count];
        var flat = new float[(long)count * dimension];
        for (var i = 0; i < real; i++)
        {
            ids[i] = dataset.Items[i].Id;
            texts[i] = dataset.Items[i].Text;
            contents[i].CopyTo(flat, i * dimension);
        }

        // Noise of norm ≈ 0.25 and a 15 % pull towards a second item: neighbours of a real item stay near it (cosine ≈ 0.9)
        // without collapsing onto it, so the catalog keeps the real data's clusters at a larger scale.
        var noise = 0.25f / MathF.Sqrt(dimension);
        Parallel.For(0, (count - real + 4095) / 4096, block =>
        {
            var random = new Random(seed + block);
            var start = real + (block * 4096);
            var end = Math.Min(count, start + 4096);
            for (var i = start; i < end; i++)
            {
                var source = random.Next(real);
                var other = contents[random.Next(real)];
                var v = flat.AsSpan(i * dimension, dimension);
                for (var d = 0; d < dimension; d++)
                {
                    v[d] = (0.85f * contents[source][d]) + (0.15f * other[d]) + (noise * SyntheticVectors.Gaussian(random));
                }
                TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
                ids[i] = string.Create(CultureInfo.InvariantCulture, $"syn-{i:D7}");
                texts[i] = dataset.Items[source].Text;
            }
        });
        return new SyntheticCatalog(ids, texts, flat, dimension, ShopAttributes(count, seed));
    }

    /// <summary>The attributes of items 0..count-1, seeded: department, availability, price and the rare tag drawn independently.</summary>
    private static ItemAttributes[] ShopAttributes(int count, int seed)
    {
        var random = new Random(seed + 7919);
        var departments = Enumerable.Range(0, Departments).Select(d => new[] { "Science", string.Create(CultureInfo.InvariantCulture, $"Dept {d}") }).ToArray();
        string[] rare = [RareTag];
        var attributes = new ItemAttributes[count];
        for (var i = 0; i < count; i++)
        {
            attributes[i] = new ItemAttributes(
                Category: departments[random.Next(Departments)],
                Available: random.Next(10) != 0,
                Price: Math.Round(1 + (random.NextDouble() * 499), 2),
                Tags: random.Next(RareEvery) == 0 ? rare : null);
        }
        return attributes;
    }

    /// <summary>Item embeddings (<see cref="ItemVectors"/>) in an exact index, for recall.</summary>
    public ExactVectorIndex ExactIndex(float[] itemVectors, int dimension)
    {
        var index = new ExactVectorIndex(dimension, Count);
        index.UpsertMany(Ids, itemVectors);
        return index;
    }
}
