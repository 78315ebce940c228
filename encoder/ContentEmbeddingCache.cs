using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Actors.Encoder;

/// <summary>
/// Content embeddings of a list of texts, computed once with a <see cref="TextEncoder"/> and kept on disk, keyed by
/// the encoder's <see cref="TextEncoder.ModelVersion"/> and the texts themselves: a change of either computes anew.
/// Used by training and evaluation so that both see exactly the embeddings the silo computes.
/// File layout: int32 count, int32 dimension, then count × dimension float32 (little-endian).
/// </summary>
public static class ContentEmbeddingCache
{
    /// <summary>The default cache folder: <c>embeddings/</c> beside the extracted models.</summary>
    public static string DefaultDirectory => Path.Combine(EmbeddedModels.DefaultCacheDirectory, "..", "embeddings");

    /// <summary>
    /// The embeddings of <paramref name="texts"/> (row i for text i), read from <paramref name="directory"/> when present,
    /// else encoded in batches of <paramref name="batchSize"/> (reporting the number done) and written there.
    /// </summary>
    public static float[][] GetOrCompute(
        TextEncoder encoder,
        IReadOnlyList<string> texts,
        string? directory = null,
        int batchSize = 64,
        IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var folder = Path.GetFullPath(directory ?? DefaultDirectory);
        var path = Path.Combine(folder, $"{Key(encoder.ModelVersion, texts)}.f32");
        if (TryRead(path, texts.Count, encoder.Dimension) is { } cached)
        {
            progress?.Report(texts.Count);
            return cached;
        }

        // Sorting by length keeps each batch's padding small; results are put back in input order.
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i].Length).ToArray();
        var result = new float[texts.Count][];
        for (var start = 0; start < order.Length; start += batchSize)
        {
            var batch = order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray();
            var embeddings = encoder.Encode(batch.Select(i => texts[i]).ToArray());
            for (var j = 0; j < batch.Length; j++)
            {
                result[batch[j]] = embeddings[j];
            }
            progress?.Report(start + batch.Length);
        }
        Write(path, result, encoder.Dimension);
        return result;
    }

    private static string Key(string modelVersion, IReadOnlyList<string> texts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(modelVersion));
        foreach (var text in texts)
        {
            hash.AppendData([0]);
            hash.AppendData(Encoding.UTF8.GetBytes(text));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..24];
    }

    private static float[][]? TryRead(string path, int count, int dimension)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.BaseStream.Length != 8 + (long)count * dimension * sizeof(float)
            || reader.ReadInt32() != count || reader.ReadInt32() != dimension)
        {
            return null;
        }
        var rows = new float[count][];
        for (var i = 0; i < count; i++)
        {
            rows[i] = new float[dimension];
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(rows[i].AsSpan()));
        }
        return rows;
    }

    private static void Write(string path, float[][] rows, int dimension)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(rows.Length);
            writer.Write(dimension);
            foreach (var row in rows)
            {
                writer.Write(MemoryMarshal.AsBytes(row.AsSpan()));
            }
        }
        File.Move(temporary, path, overwrite: true);
    }
}
