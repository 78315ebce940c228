using System.Globalization;
using System.Text;
using Actors.Dataset;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Unit;

/// <summary>
/// The MovieLens 100K layout: the real ml-100k read in place from <c>../shared/data/ml-100k</c> (its licence forbids
/// copying it here), and small synthetic <c>u.data</c>/<c>u.item</c> files for the parser's rules and edge cases.
/// </summary>
public sealed class MovieLensDatasetTests
{
    // Lazy: a missing ml-100k folder fails the tests that need it with DirectoryNotFoundException, naming the folder,
    // and leaves the synthetic tests running.
    private static readonly Lazy<UniSRecDataset> Real = new(() => UniSRecDataset.Load(RepositoryPaths.MovieLens100K));

    [Fact]
    public void The_real_ml_100k_has_its_published_counts()
    {
        var data = Real.Value;
        Assert.Equal("ml-100k", data.Name);
        Assert.Equal(1682, data.Items.Count);
        Assert.Equal(943, data.UserIds.Count);
        Assert.Equal(943, data.Valid.Count);
        Assert.Equal(943, data.Test.Count);
        // Every user has exactly one valid and one test row.
        Assert.Equal(Enumerable.Range(0, 943), data.Valid.Select(r => r.User).Order());
        Assert.Equal(Enumerable.Range(0, 943), data.Test.Select(r => r.User).Order());
        // 100,000 ratings = the training sequences (train rows + each user's first item) + valid and test targets.
        Assert.Equal(100_000, data.Train.Count + data.UserIds.Count + 2 * data.UserIds.Count);
        Assert.All(data.Train.Concat(data.Valid).Concat(data.Test), row => Assert.InRange(row.History.Length, 1, 50));
    }

    [Fact]
    public void The_real_ml_100k_ids_and_texts_come_from_u_item()
    {
        var data = Real.Value;
        Assert.Equal("1", data.Items[0].Id);
        Assert.Equal("1682", data.Items[^1].Id);
        Assert.Equal(0, data.IndexOfItem("1"));
        Assert.Equal("1", data.UserIds[0]);
        Assert.Equal("943", data.UserIds[^1]);
        Assert.Equal("Toy Story. 1995. Animation, Children's, Comedy.", data.Items[data.IndexOfItem("1")].Text);
        // u.item is latin-1: read as UTF-8, the é would be a replacement character.
        var miserables = data.Items[data.IndexOfItem("543")].Text;
        Assert.Contains("Misérables", miserables, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', miserables);
        // Id 267 has the title "unknown" and only the unknown genre: no year to strip, and the genre stays.
        Assert.Equal("unknown. unknown.", data.Items[data.IndexOfItem("267")].Text);
    }

    [Fact]
    public void The_real_ml_100k_rows_are_the_leave_one_out_split_of_each_users_time_ordered_ratings()
    {
        var data = Real.Value;
        // An independent reading of u.data: user → movie ids by (timestamp, movie id).
        var expected = File.ReadLines(Path.Combine(RepositoryPaths.MovieLens100K, "u.data"))
            .Select(line => line.Split('\t').Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray())
            .GroupBy(f => f[0])
            .OrderBy(g => g.Key)
            .Select(g => g.OrderBy(f => f[3]).ThenBy(f => f[1]).Select(f => data.IndexOfItem(f[1].ToString(CultureInfo.InvariantCulture))).ToArray())
            .ToArray();
        Assert.Equal(943, expected.Length);
        var trainByUser = data.Train.ToLookup(r => r.User);
        var sequences = data.TrainingSequences();
        for (var u = 0; u < expected.Length; u++)
        {
            var s = expected[u];
            var train = s[..^2];
            Assert.Equal(s[^1], data.Test[u].Target);
            Assert.Equal(s[..^1].TakeLast(50), data.Test[u].History);
            Assert.Equal(s[^2], data.Valid[u].Target);
            Assert.Equal(train.TakeLast(50), data.Valid[u].History);
            var rows = trainByUser[u].ToArray();
            Assert.Equal(train.Length - 1, rows.Length);
            for (var i = 0; i < rows.Length; i++)
            {
                var k = train.Length - 1 - i; // longest prefix first, as UniSRec writes them
                Assert.Equal(train[k], rows[i].Target);
                Assert.Equal(train[..k].TakeLast(50), rows[i].History);
            }
            // u.data has the whole stream, so the training sequence is everything before the valid target, uncut.
            Assert.Equal(train, sequences[u]);
        }
        // 539 of the 943 users have more than 51 training items, so rows cut at 50 would not rebuild them.
        Assert.Equal(539, expected.Count(s => s.Length - 2 > 51));
    }

    [Fact]
    public void Sequences_are_ordered_by_time_then_movie_id_and_items_by_ascending_movie_id()
    {
        using var folder = TempMovieLens.Create(
            [Item(30, "Gamma (1990)", 1), Item(4, "Alpha (1991)", 2), Item(12, "Beta (1992)", 3), Item(7, "Delta (1993)", 4)],
            // User 20 is listed before user 3; user 3's ratings are out of order and tie at time 100.
            ["20\t4\t5\t50", "3\t30\t3\t100", "3\t12\t4\t100", "3\t7\t1\t90", "3\t4\t2\t200", "20\t30\t1\t60", "20\t12\t2\t40", "3\t4\t5\t100"]);
        var data = UniSRecDataset.Load(folder.Path);

        Assert.Equal("ml-tiny", data.Name);
        Assert.Equal(["4", "7", "12", "30"], data.Items.Select(i => i.Id));
        Assert.Equal([0, 1, 2, 3], data.Items.Select(i => i.Index));
        Assert.Equal(["3", "20"], data.UserIds);

        // User 3 (index 0): 7@90, then the tie at 100 by movie id 4, 12, 30, then 4@200 (a repeat is an interaction).
        int[] user3 = [Ix("7"), Ix("4"), Ix("12"), Ix("30"), Ix("4")];
        AssertRow(user3[..4], user3[4], Row(data.Test, 0));
        AssertRow(user3[..3], user3[3], Row(data.Valid, 0));
        var train = data.Train.Where(r => r.User == 0).ToArray();
        Assert.Equal(2, train.Length);
        AssertRow(user3[..2], user3[2], train[0]);
        AssertRow(user3[..1], user3[1], train[1]);
        // User 20 (index 1): 12@40, 4@50, 30@60 → training sequence [12], no train rows.
        AssertRow([Ix("12"), Ix("4")], Ix("30"), Row(data.Test, 1));
        AssertRow([Ix("12")], Ix("4"), Row(data.Valid, 1));
        Assert.DoesNotContain(data.Train, r => r.User == 1);
        // The training sequence is whole, a single item included, though it makes no training row.
        Assert.Equal(new int[][] { user3[..3], [Ix("12")] }, data.TrainingSequences());

        int Ix(string id) => data.IndexOfItem(id);
    }

    [Fact]
    public void Long_histories_are_cut_at_50_in_rows_but_training_sequences_are_whole()
    {
        // One user with 60 ratings of 60 movies, one a second apart, listed newest first: training sequence = 58 items.
        using var folder = TempMovieLens.Create(
            [.. Enumerable.Range(1, 60).Select(m => Item(m, $"Movie {m} (2000)", 8))],
            [.. Enumerable.Range(1, 60).Reverse().Select(m => $"1\t{m}\t4\t{1000 + m}")]);
        var data = UniSRecDataset.Load(folder.Path);
        var sequence = Enumerable.Range(0, 60).ToArray();

        Assert.Equal(57, data.Train.Count);
        Assert.Equal(Enumerable.Range(1, 57).Reverse(), data.Train.Select(r => r.Target));
        Assert.Equal(sequence[8..58], data.Valid[0].History);
        Assert.Equal(sequence[9..59], data.Test[0].History);
        Assert.Equal(59, data.Test[0].Target);
        Assert.All(data.Train, r => Assert.Equal(sequence[Math.Max(0, r.Target - 50)..r.Target], r.History));
        Assert.Equal(sequence[..58], data.TrainingSequences()[0]);
    }

    [Fact]
    public void Users_with_fewer_than_three_ratings_only_train()
    {
        using var folder = TempMovieLens.Create(
            [Item(1, "One (2001)", 1), Item(2, "Two (2002)", 1), Item(3, "Three (2003)", 1)],
            ["1\t1\t4\t10", "1\t2\t4\t20", "2\t3\t4\t10", "3\t1\t1\t5", "3\t2\t1\t6", "3\t3\t1\t7"]);
        var data = UniSRecDataset.Load(folder.Path);

        Assert.Equal(["1", "2", "3"], data.UserIds);
        Assert.Equal([2], data.Valid.Select(r => r.User));
        Assert.Equal([2], data.Test.Select(r => r.User));
        var row = Assert.Single(data.Train);
        Assert.Equal(0, row.User);
        AssertRow([0], 1, row);
        Assert.Equal(new int[][] { [0, 1], [2], [0] }, data.TrainingSequences());
    }

    // Invented titles (nothing from u.item), one per rule; the last is written in latin-1.
    [Theory]
    [InlineData("Paper Boats (1995)", new[] { 3, 4, 5 }, "Paper Boats. 1995. Animation, Children's, Comedy.")]
    [InlineData("Trailing Space: A Study (1995) ", new[] { 7 }, "Trailing Space: A Study. 1995. Documentary.")]
    [InlineData("unknown", new[] { 0 }, "unknown. unknown.")]
    [InlineData("Flagged Twice (1971)", new[] { 0, 8 }, "Flagged Twice. 1971. Drama.")]
    [InlineData("Some Video (1995) (V)", new[] { 3, 18 }, "Some Video (1995) (V). Animation, Western.")]
    [InlineData("No Year", new[] { 10, 16 }, "No Year. Film-Noir, Thriller.")]
    [InlineData("Untagged (1999)", new int[0], "Untagged. 1999.")]
    [InlineData("Café Noël, Le (1995)", new[] { 8 }, "Café Noël, Le. 1995. Drama.")]
    public void Item_text_is_title_year_and_genres(string title, int[] genres, string expected)
    {
        using var folder = TempMovieLens.Create([Item(1, title, genres), Item(2, "Other (2000)", 1)], ["1\t1\t3\t1", "1\t2\t3\t2", "1\t1\t3\t3"]);
        Assert.Equal(expected, UniSRecDataset.Load(folder.Path).Items[0].Text);
    }

    [Theory]
    [InlineData("u.data", "1\t1\t3\t10\n1\t2\t3\n", "u.data:2: expected 4 tab-separated fields")]
    [InlineData("u.data", "1\t1\t3\t10\n\nx\t2\t3\t11\n", "u.data:3: user id 'x'")]
    [InlineData("u.data", "1\t1\t3\t10\n1\t-2\t3\t11\n", "u.data:2: item id '-2'")]
    [InlineData("u.data", "1\t1\t3\t10\n1\t2\t3\t11\n1\t99\t3\t12\n", "u.data:3: item 99 is not in u.item")]
    [InlineData("u.data", "1\t1\t3\t1.5\n", "u.data:1: timestamp '1.5'")]
    [InlineData("u.item", "1|One (2001)|||url|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1\n2|Two (2002)|||url|0\n", "u.item:2: expected 24 '|'-separated fields")]
    [InlineData("u.item", "one|One (2001)|||url|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1\n", "u.item:1: movie id 'one'")]
    [InlineData("u.item", "1|One (2001)|||url|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|2\n", "u.item:1: genre flag 18 (Western, field 24) is '2'")]
    [InlineData("u.item", "1|One (2001)|||url|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1\n1|Two (2002)|||url|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1\n", "u.item:2: movie id 1 appears twice")]
    public void Malformed_lines_are_reported_with_file_and_line(string file, string content, string expected)
    {
        using var folder = TempMovieLens.Create([Item(1, "One (2001)", 1), Item(2, "Two (2002)", 1)], ["1\t1\t3\t10"]);
        File.WriteAllText(System.IO.Path.Combine(folder.Path, file), content, Encoding.Latin1);
        var error = Assert.Throws<DatasetFormatException>(() => UniSRecDataset.Load(folder.Path));
        Assert.Contains(System.IO.Path.Combine(folder.Path, expected), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_with_train_inter_files_stays_a_UniSRec_folder()
    {
        using var folder = TempMovieLens.Create([Item(1, "One (2001)", 1)], ["1\t1\t3\t10"]);
        Assert.Equal("ml-tiny", UniSRecDataset.DetectName(folder.Path));
        const string Header = "user_id:token\titem_id_list:token_seq\titem_id:token\n";
        File.WriteAllText(System.IO.Path.Combine(folder.Path, "Tiny.item2index"), "A\t0\nB\t1\n");
        File.WriteAllText(System.IO.Path.Combine(folder.Path, "Tiny.text"), "item_id:token\ttext:token_seq\nA\tFirst.\nB\tSecond.\n");
        File.WriteAllText(System.IO.Path.Combine(folder.Path, "Tiny.train.inter"), Header + "0\t0\t1\n");
        File.WriteAllText(System.IO.Path.Combine(folder.Path, "Tiny.valid.inter"), Header + "0\t0 1\t0\n");
        File.WriteAllText(System.IO.Path.Combine(folder.Path, "Tiny.test.inter"), Header + "0\t0 1 0\t1\n");

        var data = UniSRecDataset.Load(folder.Path);
        Assert.Equal("Tiny", data.Name);
        Assert.Equal(["A", "B"], data.Items.Select(i => i.Id));
        Assert.Equal("Tiny", UniSRecDataset.DetectName(folder.Path));
    }

    [Fact]
    public void The_content_hash_covers_u_data_and_u_item()
    {
        CatalogItemLine[] items = [Item(1, "One (2001)", 1), Item(2, "Two (2002)", 1)];
        string[] ratings = ["1\t1\t3\t10", "1\t2\t3\t20", "1\t1\t3\t30"];
        using var a = TempMovieLens.Create(items, ratings);
        using var sameData = TempMovieLens.Create(items, ratings);
        using var otherRating = TempMovieLens.Create(items, [.. ratings[..2], "1\t1\t4\t30"]);
        using var otherTitle = TempMovieLens.Create([items[0], Item(2, "Two Too (2002)", 1)], ratings);

        var hash = UniSRecDataset.Load(a.Path).ContentHash;
        Assert.Matches("^[0-9a-f]{16}$", hash);
        Assert.Equal(hash, UniSRecDataset.Load(sameData.Path).ContentHash);
        Assert.NotEqual(hash, UniSRecDataset.Load(otherRating.Path).ContentHash);
        Assert.NotEqual(hash, UniSRecDataset.Load(otherTitle.Path).ContentHash);
    }

    private static Interaction Row(IReadOnlyList<Interaction> rows, int user) => Assert.Single(rows, r => r.User == user);

    // Interaction is a record over an array, so its Equals compares the history by reference.
    private static void AssertRow(int[] history, int target, Interaction row)
    {
        Assert.Equal(history, row.History);
        Assert.Equal(target, row.Target);
    }

    /// <summary>A u.item line with the given genre flags (u.genre indices) set.</summary>
    private static CatalogItemLine Item(int id, string title, params int[] genres)
    {
        var flags = new char[19];
        Array.Fill(flags, '0');
        foreach (var g in genres)
        {
            flags[g] = '1';
        }
        return new CatalogItemLine($"{id}|{title}|01-Jan-2000||http://example.invalid/{id}|{string.Join('|', flags)}");
    }

    private sealed record CatalogItemLine(string Line);

    private sealed class TempMovieLens : IDisposable
    {
        private readonly string _root;

        private TempMovieLens(string root, string path)
        {
            _root = root;
            Path = path;
        }

        public string Path { get; }

        public static TempMovieLens Create(IEnumerable<CatalogItemLine> items, IEnumerable<string> ratings)
        {
            var root = Directory.CreateTempSubdirectory("actors-movielens-").FullName;
            var path = Directory.CreateDirectory(System.IO.Path.Combine(root, "ml-tiny")).FullName;
            File.WriteAllText(System.IO.Path.Combine(path, "u.item"), string.Concat(items.Select(i => i.Line + "\n")), Encoding.Latin1);
            File.WriteAllText(System.IO.Path.Combine(path, "u.data"), string.Concat(ratings.Select(r => r + "\n")), Encoding.Latin1);
            return new TempMovieLens(root, path);
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }
}
