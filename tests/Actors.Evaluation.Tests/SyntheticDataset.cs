using System.Globalization;
using System.Text;
using Actors.Dataset;

namespace Actors.Evaluation.Tests;

/// <summary>A tiny data set in the UniSRec layout, written to a fresh temp folder and deleted on dispose.</summary>
internal sealed class SyntheticDataset : IDisposable
{
    private SyntheticDataset(string folder, int[][] sequences, int items)
    {
        Folder = folder;
        Sequences = sequences;
        ItemCount = items;
        Data = UniSRecDataset.Load(folder);
    }

    public string Folder { get; }

    /// <summary>Each user's full sequence (train items, then the valid target, then the test target).</summary>
    public int[][] Sequences { get; }

    public int ItemCount { get; }

    public UniSRecDataset Data { get; }

    /// <summary>
    /// <paramref name="users"/> users with 4..9 interactions over <paramref name="items"/> items; when
    /// <paramref name="heldOutItems"/> &gt; 0 the last items are used only as valid and test targets.
    /// </summary>
    public static SyntheticDataset Create(int users, int items, int seed, int heldOutItems = 0)
    {
        var random = new Random(seed);
        var sequences = new int[users][];
        for (var u = 0; u < users; u++)
        {
            var length = random.Next(4, 10);
            sequences[u] = new int[length];
            for (var i = 0; i < length; i++)
            {
                var trainingItems = items - heldOutItems;
                sequences[u][i] = i >= length - 2 && heldOutItems > 0
                    ? trainingItems + random.Next(heldOutItems)
                    : random.Next(trainingItems);
            }
        }

        var folder = Path.Combine(Path.GetTempPath(), "actors-eval-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var text = new StringBuilder("item_id:token\ttext:token_seq\n");
        var itemIndex = new StringBuilder();
        for (var i = 0; i < items; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"I{i:D4}\tItem number {i}. \n");
            itemIndex.Append(CultureInfo.InvariantCulture, $"I{i:D4}\t{i}\n");
        }

        var userIndex = new StringBuilder();
        var train = new StringBuilder("user_id:token\titem_id_list:token_seq\titem_id:token\n");
        var valid = new StringBuilder(train.ToString());
        var test = new StringBuilder(train.ToString());
        for (var u = 0; u < users; u++)
        {
            userIndex.Append(CultureInfo.InvariantCulture, $"U{u}\t{u}\n");
            var s = sequences[u];
            var n = s.Length;
            for (var k = n - 3; k >= 1; k--)
            {
                Row(train, u, s[..k], s[k]);
            }

            Row(valid, u, s[..(n - 2)], s[n - 2]);
            Row(test, u, s[..(n - 1)], s[n - 1]);
        }

        File.WriteAllText(Path.Combine(folder, "Tiny.text"), text.ToString());
        File.WriteAllText(Path.Combine(folder, "Tiny.item2index"), itemIndex.ToString());
        File.WriteAllText(Path.Combine(folder, "Tiny.user2index"), userIndex.ToString());
        File.WriteAllText(Path.Combine(folder, "Tiny.train.inter"), train.ToString());
        File.WriteAllText(Path.Combine(folder, "Tiny.valid.inter"), valid.ToString());
        File.WriteAllText(Path.Combine(folder, "Tiny.test.inter"), test.ToString());
        return new SyntheticDataset(folder, sequences, items);
    }

    /// <summary>Random unit vectors, one per item.</summary>
    public float[][] RandomContent(int dimension, int seed)
    {
        var random = new Random(seed);
        var content = new float[ItemCount][];
        for (var i = 0; i < content.Length; i++)
        {
            content[i] = new float[dimension];
            double norm = 0;
            for (var d = 0; d < dimension; d++)
            {
                content[i][d] = (float)((random.NextDouble() * 2) - 1);
                norm += content[i][d] * content[i][d];
            }

            for (var d = 0; d < dimension; d++)
            {
                content[i][d] /= (float)Math.Sqrt(norm);
            }
        }

        return content;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static void Row(StringBuilder file, int user, int[] history, int target) =>
        file.Append(CultureInfo.InvariantCulture, $"{user}\t{string.Join(' ', history.TakeLast(50))}\t{target}\n");
}
