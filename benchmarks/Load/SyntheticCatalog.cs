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
/// </summary>
internal sealed class SyntheticCatalog
{
    private readonly float[] _contents;

    private SyntheticCatalog(string[] ids, string[] texts, float[] contents, int dimension)
    {
        Ids = ids;
        Texts = texts;
        _contents = contents;
        Dimension = dimension;
    }

    public string[] Ids { get; }

    public string[] Texts { get; }

    public int Dimension { get; }

    public int Count => Ids.Length;

    /// <summary>A copy of item <paramref name="i"/>'s content embedding.</summary>
    public float[] Content(int i) => _contents.AsSpan(i * Dimension, Dimension).ToArray();

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
        return new SyntheticCatalog(ids, texts, flat, dimension);
    }

    /// <summary>Every item embedding (the serving model's item tower over each content) in an exact index, for recall.</summary>
    public ExactVectorIndex ItemEmbeddings(ServingModel serving)
    {
        ExactVectorIndex? index = null;
        for (var i = 0; i < Count; i++)
        {
            var item = serving.ItemEmbedding(Ids[i], Content(i));
            index ??= new ExactVectorIndex(item.Length, Count);
            index.Upsert(Ids[i], item);
        }
        return index!;
    }
}
