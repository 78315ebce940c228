using System.Globalization;
using System.Security.Cryptography;

namespace Actors.Dataset;

/// <summary>
/// A data set in the layout UniSRec writes (RecBole atomic files): <c>&lt;Name&gt;.train.inter</c>,
/// <c>.valid.inter</c>, <c>.test.inter</c>, <c>&lt;Name&gt;.text</c>, <c>&lt;Name&gt;.item2index</c> and an
/// optional <c>&lt;Name&gt;.user2index</c>. Item ids are the item tokens of <c>item2index</c>; user ids are
/// the tokens of <c>user2index</c> when present, else the user index as a string.
/// <see cref="Load"/> also reads a MovieLens 100K folder (<c>u.data</c>, <c>u.item</c>, no <c>*.train.inter</c>) and
/// splits it into the same rows; see <c>MovieLensReader</c> and <c>dataset/README.md</c>.
/// Immutable after loading, so safe to share between threads.
/// </summary>
public sealed class UniSRecDataset
{
    private readonly Dictionary<string, int> _itemIndexById;
    private readonly int[][]? _fullSequences;

    // Internal so that MovieLensReader, which builds the same rows from another layout, can construct one.
    internal UniSRecDataset(
        string name,
        string directory,
        CatalogItem[] items,
        string[] userIds,
        Interaction[] train,
        Interaction[] valid,
        Interaction[] test,
        string contentHash,
        int[][]? fullSequences = null)
    {
        _fullSequences = fullSequences;
        Name = name;
        Directory = directory;
        Items = items;
        UserIds = userIds;
        Train = train;
        Valid = valid;
        Test = test;
        ContentHash = contentHash;
        _itemIndexById = new Dictionary<string, int>(items.Length, StringComparer.Ordinal);
        foreach (var item in items)
        {
            _itemIndexById[item.Id] = item.Index;
        }
    }

    /// <summary>The data set's name: the common prefix of its files (e.g. <c>Scientific</c>), or for MovieLens the folder's name (<c>ml-100k</c>).</summary>
    public string Name { get; }

    /// <summary>The folder the files were read from.</summary>
    public string Directory { get; }

    /// <summary>Items by index (index i is at position i).</summary>
    public IReadOnlyList<CatalogItem> Items { get; }

    /// <summary>User ids by user index.</summary>
    public IReadOnlyList<string> UserIds { get; }

    /// <summary>Training rows: every prefix of each user's training sequence, as written by UniSRec.</summary>
    public IReadOnlyList<Interaction> Train { get; }

    /// <summary>One row per user: history → second-to-last item.</summary>
    public IReadOnlyList<Interaction> Valid { get; }

    /// <summary>One row per user: history → last item.</summary>
    public IReadOnlyList<Interaction> Test { get; }

    /// <summary>SHA-256 (hex, first 16 characters) over the files read, to identify the data a model was trained on.</summary>
    public string ContentHash { get; }

    /// <summary>Looks an item index up by its id; <c>-1</c> when unknown.</summary>
    public int IndexOfItem(string itemId) => _itemIndexById.GetValueOrDefault(itemId, -1);

    /// <summary>
    /// Each user's training sequence (oldest first), rebuilt from the longest training row plus its target.
    /// Users without training rows get an empty sequence. Indexed by user index.
    /// UniSRec's files cut histories at 50 items, so there a user with more than 51 training items gets only the last
    /// 51: the first row of greatest length, which in UniSRec's row order (each user's prefixes longest first) is the
    /// most recent one. A layout that has the whole stream (MovieLens) gives the whole training sequence.
    /// </summary>
    public int[][] TrainingSequences()
    {
        if (_fullSequences is not null)
        {
            return Array.ConvertAll(_fullSequences, s => (int[])s.Clone());
        }

        var sequences = new int[UserIds.Count][];
        foreach (var row in Train)
        {
            var current = sequences[row.User];
            if (current is null || current.Length < row.History.Length + 1)
            {
                var sequence = new int[row.History.Length + 1];
                row.History.CopyTo(sequence, 0);
                sequence[^1] = row.Target;
                sequences[row.User] = sequence;
            }
        }
        for (var i = 0; i < sequences.Length; i++)
        {
            sequences[i] ??= [];
        }
        return sequences;
    }

    /// <summary>
    /// The first <paramref name="maxUsers"/> users with their rows, and only the items those rows name (re-indexed in
    /// catalog order): a small, self-consistent sample for demos and tests. The whole set when it has no more users.
    /// </summary>
    public UniSRecDataset FirstUsers(int maxUsers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxUsers);
        if (maxUsers >= UserIds.Count)
        {
            return this;
        }
        var used = new bool[Items.Count];
        foreach (var rows in (IReadOnlyList<Interaction>[])[Train, Valid, Test])
        {
            foreach (var row in rows)
            {
                if (row.User < maxUsers)
                {
                    used[row.Target] = true;
                    foreach (var item in row.History)
                    {
                        used[item] = true;
                    }
                }
            }
        }
        var newIndex = new int[Items.Count];
        var items = new List<CatalogItem>();
        for (var i = 0; i < Items.Count; i++)
        {
            newIndex[i] = used[i] ? items.Count : -1;
            if (used[i])
            {
                items.Add(Items[i] with { Index = items.Count });
            }
        }
        Interaction[] Keep(IReadOnlyList<Interaction> rows) =>
            rows.Where(r => r.User < maxUsers)
                .Select(r => new Interaction(r.User, Array.ConvertAll(r.History, h => newIndex[h]), newIndex[r.Target]))
                .ToArray();
        var full = _fullSequences?.Take(maxUsers).Select(s => Array.ConvertAll(s, h => newIndex[h])).ToArray();
        return new UniSRecDataset(Name, Directory, [.. items], UserIds.Take(maxUsers).ToArray(), Keep(Train), Keep(Valid), Keep(Test), $"{ContentHash}-u{maxUsers}", full);
    }

    /// <summary>
    /// Finds the data set's name in <paramref name="directory"/>: the prefix of its single <c>*.text</c> file, or the
    /// folder's name for a MovieLens folder.
    /// </summary>
    public static string DetectName(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Data set folder '{directory}' does not exist.");
        }
        if (MovieLensReader.IsMovieLens(directory))
        {
            return MovieLensReader.NameOf(directory);
        }
        var texts = System.IO.Directory.GetFiles(directory, "*.text");
        return texts.Length switch
        {
            1 => Path.GetFileNameWithoutExtension(texts[0]),
            0 => throw new DatasetFormatException($"Data set folder '{directory}' has no '<Name>.text' file."),
            _ => throw new DatasetFormatException($"Data set folder '{directory}' has {texts.Length} '.text' files; expected exactly one."),
        };
    }

    /// <summary>
    /// Loads the data set in <paramref name="directory"/>, in the UniSRec layout or, when the folder has <c>u.data</c>
    /// and <c>u.item</c> and no <c>*.train.inter</c>, the MovieLens 100K layout. The name is detected when not given.
    /// </summary>
    public static UniSRecDataset Load(string directory, string? name = null)
    {
        if (MovieLensReader.IsMovieLens(directory))
        {
            return MovieLensReader.Load(directory, name ?? MovieLensReader.NameOf(directory));
        }
        name ??= DetectName(directory);
        string PathOf(string suffix) => Path.Combine(directory, $"{name}.{suffix}");

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        var itemIds = ReadIndexFile(PathOf("item2index"), hash, required: true)!;
        var texts = ReadTexts(PathOf("text"), hash);
        var items = new CatalogItem[itemIds.Length];
        for (var i = 0; i < itemIds.Length; i++)
        {
            if (!texts.TryGetValue(itemIds[i], out var text))
            {
                throw new DatasetFormatException($"Item '{itemIds[i]}' (index {i}) of {name}.item2index has no text in {name}.text.");
            }
            items[i] = new CatalogItem(i, itemIds[i], text);
        }

        var train = ReadInteractions(PathOf("train.inter"), items.Length, hash);
        var valid = ReadInteractions(PathOf("valid.inter"), items.Length, hash);
        var test = ReadInteractions(PathOf("test.inter"), items.Length, hash);

        var userIds = ReadIndexFile(PathOf("user2index"), hash, required: false);
        if (userIds is null)
        {
            var users = 0;
            foreach (var rows in (Interaction[][])[train, valid, test])
            {
                foreach (var row in rows)
                {
                    users = Math.Max(users, row.User + 1);
                }
            }
            userIds = new string[users];
            for (var u = 0; u < users; u++)
            {
                userIds[u] = u.ToString(CultureInfo.InvariantCulture);
            }
        }
        foreach (var rows in (Interaction[][])[train, valid, test])
        {
            foreach (var row in rows)
            {
                if (row.User >= userIds.Length)
                {
                    throw new DatasetFormatException($"User index {row.User} is outside {name}.user2index (which has {userIds.Length} users).");
                }
            }
        }

        var contentHash = Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        return new UniSRecDataset(name, directory, items, userIds, train, valid, test, contentHash);
    }

    private static string[]? ReadIndexFile(string path, IncrementalHash hash, bool required)
    {
        if (!File.Exists(path))
        {
            return required ? throw new DatasetFormatException($"Required file '{path}' is missing.") : null;
        }
        var lines = ReadLines(path, hash);
        var ids = new string[lines.Count];
        var seen = new bool[lines.Count];
        for (var n = 0; n < lines.Count; n++)
        {
            var parts = lines[n].Split('\t');
            if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                throw new DatasetFormatException($"{path}:{n + 1}: expected '<token>\\t<index>'.");
            }
            if (index >= lines.Count || seen[index])
            {
                throw new DatasetFormatException($"{path}:{n + 1}: index {index} is out of range or repeated; indices must be 0..{lines.Count - 1}, each once.");
            }
            seen[index] = true;
            ids[index] = parts[0];
        }
        return ids;
    }

    private static Dictionary<string, string> ReadTexts(string path, IncrementalHash hash)
    {
        if (!File.Exists(path))
        {
            throw new DatasetFormatException($"Required file '{path}' is missing.");
        }
        var lines = ReadLines(path, hash);
        var texts = new Dictionary<string, string>(lines.Count, StringComparer.Ordinal);
        for (var n = 1; n < lines.Count; n++)
        {
            var tab = lines[n].IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0)
            {
                throw new DatasetFormatException($"{path}:{n + 1}: expected '<item token>\\t<text>'.");
            }
            texts[lines[n][..tab]] = lines[n][(tab + 1)..].Trim();
        }
        return texts;
    }

    private static Interaction[] ReadInteractions(string path, int itemCount, IncrementalHash hash)
    {
        if (!File.Exists(path))
        {
            throw new DatasetFormatException($"Required file '{path}' is missing.");
        }
        var lines = ReadLines(path, hash);
        var rows = new Interaction[Math.Max(0, lines.Count - 1)];
        for (var n = 1; n < lines.Count; n++)
        {
            var parts = lines[n].Split('\t');
            if (parts.Length != 3)
            {
                throw new DatasetFormatException($"{path}:{n + 1}: expected 3 tab-separated columns (user, history, target), found {parts.Length}.");
            }
            var user = ParseIndex(parts[0], int.MaxValue, path, n);
            var tokens = parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var history = new int[tokens.Length];
            for (var i = 0; i < tokens.Length; i++)
            {
                history[i] = ParseIndex(tokens[i], itemCount, path, n);
            }
            rows[n - 1] = new Interaction(user, history, ParseIndex(parts[2], itemCount, path, n));
        }
        return rows;
    }

    private static int ParseIndex(string text, int bound, string path, int line) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value < bound
            ? value
            : throw new DatasetFormatException($"{path}:{line + 1}: '{text}' is not an index in 0..{bound - 1}.");

    private static List<string> ReadLines(string path, IncrementalHash hash)
    {
        var bytes = File.ReadAllBytes(path);
        hash.AppendData(bytes);
        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                lines.Add(line);
            }
        }
        return lines;
    }
}
