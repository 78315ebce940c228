using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Actors.Dataset;

/// <summary>
/// Reads the GroupLens MovieLens 100K layout (<c>u.data</c>, <c>u.item</c>) into a <see cref="UniSRecDataset"/> with
/// the rows UniSRec would have written for it, so that training and evaluation see both layouts alike.
/// <list type="bullet">
/// <item>Every rating in <c>u.data</c> is an interaction (implicit feedback, as SASRec and RecBole use ML-100K).</item>
/// <item>Items are every row of <c>u.item</c>, indexed by ascending movie id (for ml-100k, index = id − 1); item ids
/// are the movie ids as strings. User ids are the user ids as strings, indexed by ascending user id.</item>
/// <item>Each user's sequence is their ratings sorted by timestamp, then by movie id ascending (u.data has many equal
/// timestamps per user, and its file order is arbitrary).</item>
/// <item>Leave-one-out: the last item is the test target, the second-to-last the valid target, the rest the training
/// sequence. Train rows are every prefix, written per user longest first as UniSRec writes them; all histories keep
/// their last 50 items. Users with fewer than 3 ratings get no valid or test row; their ratings all train.</item>
/// </list>
/// The rows' histories are cut at 50 like UniSRec's; <see cref="UniSRecDataset.TrainingSequences"/> returns each user's
/// whole training sequence (everything before the valid target), which u.data has.
/// </summary>
internal static partial class MovieLensReader
{
    /// <summary>The ratings file: <c>user \t item \t rating \t unix time</c>, no header.</summary>
    public const string RatingsFile = "u.data";

    /// <summary>The movies file: ISO-8859-1, 24 <c>|</c>-separated fields, no header.</summary>
    public const string ItemsFile = "u.item";

    private const int MaxHistory = 50;
    private const int ItemFieldCount = 24;
    private const int FirstGenreField = 5;

    // u.genre, in flag order.
    private static readonly string[] Genres =
    [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ];

    /// <summary>True when <paramref name="directory"/> has <c>u.data</c> and <c>u.item</c> and no <c>*.train.inter</c>.</summary>
    public static bool IsMovieLens(string directory) =>
        System.IO.Directory.Exists(directory)
        && File.Exists(Path.Combine(directory, RatingsFile))
        && File.Exists(Path.Combine(directory, ItemsFile))
        && System.IO.Directory.GetFiles(directory, "*.train.inter").Length == 0;

    /// <summary>The data set's name: the folder's name (e.g. <c>ml-100k</c>).</summary>
    public static string NameOf(string directory) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));

    public static UniSRecDataset Load(string directory, string name)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var items = ReadItems(Path.Combine(directory, ItemsFile), hash, out var indexOfMovie);
        var ratings = ReadRatings(Path.Combine(directory, RatingsFile), hash, indexOfMovie);

        var userIds = new string[ratings.Count];
        var train = new List<Interaction>();
        var valid = new List<Interaction>(ratings.Count);
        var test = new List<Interaction>(ratings.Count);
        var sequences = new int[ratings.Count][];
        var user = 0;
        foreach (var (userId, events) in ratings.OrderBy(pair => pair.Key))
        {
            userIds[user] = userId.ToString(CultureInfo.InvariantCulture);
            // Items are indexed by ascending movie id, so the index breaks ties in movie-id order.
            events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Item.CompareTo(b.Item));
            var sequence = events.ConvertAll(e => e.Item).ToArray();
            var trainLength = sequence.Length >= 3 ? sequence.Length - 2 : sequence.Length;
            sequences[user] = sequence[..trainLength];
            // Longest prefix first, as UniSRec writes its rows: TrainingSequences keeps the first longest row it meets,
            // which then is the most recent one (the one that leads to the valid row), not the oldest 51 items.
            for (var k = trainLength - 1; k >= 1; k--)
            {
                train.Add(new Interaction(user, LastItems(sequence, k), sequence[k]));
            }
            if (sequence.Length >= 3)
            {
                valid.Add(new Interaction(user, LastItems(sequence, trainLength), sequence[trainLength]));
                test.Add(new Interaction(user, LastItems(sequence, trainLength + 1), sequence[trainLength + 1]));
            }
            user++;
        }

        var contentHash = Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        return new UniSRecDataset(name, directory, items, userIds, [.. train], [.. valid], [.. test], contentHash, sequences);
    }

    /// <summary>The at most <see cref="MaxHistory"/> items before position <paramref name="end"/>.</summary>
    private static int[] LastItems(int[] sequence, int end) => sequence[Math.Max(0, end - MaxHistory)..end];

    private static CatalogItem[] ReadItems(string path, IncrementalHash hash, out Dictionary<int, int> indexOfMovie)
    {
        var movies = new SortedDictionary<int, string>();
        foreach (var (line, number) in ReadLines(path, hash))
        {
            var fields = line.Split('|');
            if (fields.Length != ItemFieldCount)
            {
                throw new DatasetFormatException($"{path}:{number}: expected {ItemFieldCount} '|'-separated fields (id, title, dates, URL, 19 genre flags), found {fields.Length}.");
            }
            var movie = ParseId(fields[0], "movie id", path, number);
            if (movies.ContainsKey(movie))
            {
                throw new DatasetFormatException($"{path}:{number}: movie id {movie} appears twice.");
            }
            movies[movie] = ItemText(fields, path, number);
        }

        var items = new CatalogItem[movies.Count];
        indexOfMovie = new Dictionary<int, int>(movies.Count);
        foreach (var (movie, text) in movies)
        {
            indexOfMovie[movie] = indexOfMovie.Count;
            items[indexOfMovie.Count - 1] = new CatalogItem(indexOfMovie.Count - 1, movie.ToString(CultureInfo.InvariantCulture), text);
        }
        return items;
    }

    /// <summary><c>"&lt;title&gt;. &lt;year&gt;. &lt;genres&gt;."</c>, e.g. <c>"Toy Story. 1995. Animation, Children's, Comedy."</c></summary>
    private static string ItemText(string[] fields, string path, int number)
    {
        var title = fields[1].Trim();
        if (title.Length == 0)
        {
            throw new DatasetFormatException($"{path}:{number}: the title (field 2) is empty.");
        }
        var parts = new List<string>(3);
        // Only a trailing "(yyyy)" is the year; a title without one (e.g. "unknown", or "... (1995) (V)") stays whole.
        var year = TrailingYear().Match(title);
        if (year.Success)
        {
            parts.Add(year.Groups["title"].Value);
            parts.Add(year.Groups["year"].Value);
        }
        else
        {
            parts.Add(title);
        }

        var genres = new List<string>(Genres.Length);
        for (var g = 0; g < Genres.Length; g++)
        {
            var flag = fields[FirstGenreField + g];
            if (flag is not ("0" or "1"))
            {
                throw new DatasetFormatException($"{path}:{number}: genre flag {g} ({Genres[g]}, field {FirstGenreField + g + 1}) is '{flag}'; expected 0 or 1.");
            }
            if (flag == "1")
            {
                genres.Add(Genres[g]);
            }
        }
        if (genres.Count > 1)
        {
            genres.Remove(Genres[0]);
        }
        if (genres.Count > 0)
        {
            parts.Add(string.Join(", ", genres));
        }
        return string.Join(". ", parts) + ".";
    }

    private static Dictionary<int, List<(long Time, int Item)>> ReadRatings(string path, IncrementalHash hash, Dictionary<int, int> indexOfMovie)
    {
        var ratings = new Dictionary<int, List<(long Time, int Item)>>();
        foreach (var (line, number) in ReadLines(path, hash))
        {
            var fields = line.Split('\t');
            if (fields.Length != 4)
            {
                throw new DatasetFormatException($"{path}:{number}: expected 4 tab-separated fields (user, item, rating, timestamp), found {fields.Length}.");
            }
            var user = ParseId(fields[0], "user id", path, number);
            var movie = ParseId(fields[1], "item id", path, number);
            _ = ParseId(fields[2], "rating", path, number);
            if (!long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var time))
            {
                throw new DatasetFormatException($"{path}:{number}: timestamp '{fields[3]}' is not a non-negative integer.");
            }
            if (!indexOfMovie.TryGetValue(movie, out var item))
            {
                throw new DatasetFormatException($"{path}:{number}: item {movie} is not in {ItemsFile}.");
            }
            if (!ratings.TryGetValue(user, out var events))
            {
                ratings[user] = events = [];
            }
            events.Add((time, item));
        }
        return ratings;
    }

    private static int ParseId(string text, string what, string path, int number) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new DatasetFormatException($"{path}:{number}: {what} '{text}' is not a non-negative integer.");

    /// <summary>The non-blank lines of a latin-1 file with their 1-based line numbers; the bytes go into the hash.</summary>
    private static List<(string Line, int Number)> ReadLines(string path, IncrementalHash hash)
    {
        if (!File.Exists(path))
        {
            throw new DatasetFormatException($"Required file '{path}' is missing.");
        }
        var bytes = File.ReadAllBytes(path);
        hash.AppendData(bytes);
        // GroupLens wrote u.item in ISO-8859-1; decoding it as UTF-8 would garble "Misérables". u.data is ASCII.
        using var reader = new StringReader(Encoding.Latin1.GetString(bytes));
        var lines = new List<(string, int)>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                lines.Add((line, number));
            }
        }
        return lines;
    }

    [GeneratedRegex(@"^(?<title>.*\S)\s*\((?<year>\d{4})\)$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingYear();
}
