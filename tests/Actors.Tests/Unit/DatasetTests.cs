using Actors.Dataset;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Unit;

public sealed class DatasetTests
{
    private static readonly UniSRecDataset Scientific = UniSRecDataset.Load(RepositoryPaths.Scientific);

    [Fact]
    public void The_bundled_Scientific_set_has_the_published_counts()
    {
        Assert.Equal("Scientific", Scientific.Name);
        Assert.Equal(4385, Scientific.Items.Count);
        Assert.Equal(8442, Scientific.UserIds.Count);
        Assert.Equal(34101, Scientific.Train.Count);
        Assert.Equal(8442, Scientific.Valid.Count);
        Assert.Equal(8442, Scientific.Test.Count);
        // 59,427 interactions = 34,101 train rows + one first item per user + valid and test targets.
        Assert.Equal(59427, Scientific.Train.Count + 3 * 8442);
        // Each user's rebuilt sequence has one item more than their rows, unless UniSRec cut the history at 50.
        var rows = Scientific.Train.GroupBy(r => r.User).ToDictionary(g => g.Key, g => g.Count());
        var sequences = Scientific.TrainingSequences();
        Assert.All(Enumerable.Range(0, 8442), u => Assert.True(sequences[u].Length == rows[u] + 1 || sequences[u].Length == 51));
        Assert.Equal(3, Enumerable.Range(0, 8442).Count(u => sequences[u].Length != rows[u] + 1));
    }

    [Fact]
    public void Ids_are_the_tokens_of_the_index_files()
    {
        Assert.Equal("B00TNNWMXI", Scientific.Items[0].Id);
        Assert.Equal("ABW8NXS7SV55K", Scientific.UserIds[0]);
        Assert.Equal(0, Scientific.IndexOfItem("B00TNNWMXI"));
        Assert.Equal(-1, Scientific.IndexOfItem("not-an-item"));
        var sanding = Scientific.Items[Scientific.IndexOfItem("B0000223SI")];
        Assert.StartsWith("PORTER-CABLE 740000801 4 1/2-Inch x 10yd 80 Grit", sanding.Text, StringComparison.Ordinal);
        Assert.False(sanding.Text.EndsWith(' '));
    }

    [Fact]
    public void Training_sequences_are_the_longest_train_row_plus_its_target_and_lead_to_the_valid_row()
    {
        var sequences = Scientific.TrainingSequences();
        Assert.Equal(Enumerable.Range(0, 12), sequences[0]);
        foreach (var valid in Scientific.Valid)
        {
            var train = sequences[valid.User];
            Assert.Equal(train.TakeLast(50), valid.History);
        }
        foreach (var test in Scientific.Test)
        {
            var valid = Scientific.Valid[test.User];
            Assert.Equal(valid.History.Append(valid.Target).TakeLast(50), test.History);
        }
    }

    [Fact]
    public void User_ids_fall_back_to_the_index_without_user2index()
    {
        using var folder = TempDataset.Create(withUsers: false);
        var dataset = UniSRecDataset.Load(folder.Path);
        Assert.Equal(["0", "1"], dataset.UserIds);
        Assert.Equal("Tiny", dataset.Name);
    }

    [Fact]
    public void The_content_hash_changes_with_the_data()
    {
        using var a = TempDataset.Create(withUsers: true);
        using var b = TempDataset.Create(withUsers: true, secondText: "Another text");
        Assert.NotEqual(UniSRecDataset.Load(a.Path).ContentHash, UniSRecDataset.Load(b.Path).ContentHash);
        Assert.Equal(UniSRecDataset.Load(a.Path).ContentHash, UniSRecDataset.Load(a.Path).ContentHash);
    }

    [Theory]
    [InlineData("Tiny.train.inter", "user_id:token\titem_id_list:token_seq\titem_id:token\n0\t0 1\n", "Tiny.train.inter:2")]
    [InlineData("Tiny.train.inter", "user_id:token\titem_id_list:token_seq\titem_id:token\n0\t0 9\t1\n", "'9' is not an index")]
    [InlineData("Tiny.item2index", "A\t0\nB\t0\n", "repeated")]
    [InlineData("Tiny.text", "item_id:token\ttext:token_seq\nA\tFirst.\n", "has no text")]
    public void Malformed_files_are_reported_with_file_and_problem(string file, string content, string expected)
    {
        using var folder = TempDataset.Create(withUsers: true);
        File.WriteAllText(System.IO.Path.Combine(folder.Path, file), content);
        var error = Assert.Throws<DatasetFormatException>(() => UniSRecDataset.Load(folder.Path));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_folder_or_file_is_reported()
    {
        Assert.Throws<DirectoryNotFoundException>(() => UniSRecDataset.Load("/no/such/folder"));
        using var folder = TempDataset.Create(withUsers: true);
        File.Delete(System.IO.Path.Combine(folder.Path, "Tiny.valid.inter"));
        var error = Assert.Throws<DatasetFormatException>(() => UniSRecDataset.Load(folder.Path));
        Assert.Contains("Tiny.valid.inter", error.Message, StringComparison.Ordinal);
    }

    private sealed class TempDataset : IDisposable
    {
        private TempDataset(string path) => Path = path;

        public string Path { get; }

        public static TempDataset Create(bool withUsers, string secondText = "Second item.")
        {
            var path = Directory.CreateTempSubdirectory("actors-dataset-").FullName;
            const string Header = "user_id:token\titem_id_list:token_seq\titem_id:token\n";
            File.WriteAllText(System.IO.Path.Combine(path, "Tiny.item2index"), "A\t0\nB\t1\nC\t2\n");
            File.WriteAllText(System.IO.Path.Combine(path, "Tiny.text"), $"item_id:token\ttext:token_seq\nA\tFirst item. \nB\t{secondText} \nC\tThird item. \n");
            File.WriteAllText(System.IO.Path.Combine(path, "Tiny.train.inter"), Header + "0\t0\t1\n1\t2\t0\n");
            File.WriteAllText(System.IO.Path.Combine(path, "Tiny.valid.inter"), Header + "0\t0 1\t2\n1\t2 0\t1\n");
            File.WriteAllText(System.IO.Path.Combine(path, "Tiny.test.inter"), Header + "0\t0 1 2\t0\n1\t2 0 1\t2\n");
            if (withUsers)
            {
                File.WriteAllText(System.IO.Path.Combine(path, "Tiny.user2index"), "U0\t0\nU1\t1\n");
            }
            return new TempDataset(path);
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
