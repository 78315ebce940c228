using System.Runtime.CompilerServices;

namespace Actors.Client.Commands;

/// <summary>
/// The ids the client accepts, and the file of user ids <c>recommend --users</c> reads: one id a line, surrounding
/// white space trimmed, blank lines and lines starting with <c>#</c> skipped, <c>-</c> for standard input.
/// </summary>
internal static class UserIds
{
    /// <summary>
    /// Longest id accepted, in characters: the cluster's own limit (<c>ItemValidation.MaxIdLength</c> in grains/, which
    /// the client must not reference), so an id the cluster would refuse is refused here before anything is sent.
    /// </summary>
    public const int MaxLength = 256;

    /// <summary>The <c>--users</c> value that means standard input.</summary>
    public const string StandardInput = "-";

    /// <summary>Null when <paramref name="id"/> is acceptable, else what is wrong with it (the cluster's rule: non-empty, at most <see cref="MaxLength"/> printable characters).</summary>
    public static string? Check(string? id, string what)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return $"{what} must be a non-empty id.";
        }
        if (id.Length > MaxLength)
        {
            return $"{what} is {id.Length} characters long; at most {MaxLength} are allowed.";
        }
        foreach (var c in id)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                return $"{what} contains a control or surrogate character; ids are printable text.";
            }
        }
        return null;
    }

    /// <summary>
    /// What is wrong with the file <paramref name="path"/> (missing, or the first bad id with its line number), null when
    /// nothing is. Reads the file once, line by line, so a file of a million ids is checked in constant memory before
    /// the first query; standard input cannot be read twice and is not checked here (a bad id there gets an error line).
    /// </summary>
    public static string? CheckFile(string path, string option)
    {
        if (path == StandardInput)
        {
            return null;
        }
        if (!File.Exists(path))
        {
            return $"{option}: file '{path}' does not exist.";
        }
        try
        {
            using var reader = new StreamReader(path);
            var number = 0;
            while (reader.ReadLine() is { } line)
            {
                number++;
                if (Id(line) is { } id && Check(id, $"{option} '{path}' line {number}: the id") is { } problem)
                {
                    return problem;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{option}: cannot read '{path}' ({ex.Message}).";
        }
        return null;
    }

    /// <summary>Opens <paramref name="path"/>, or standard input for <see cref="StandardInput"/>.</summary>
    public static TextReader Open(string path) => path == StandardInput ? Console.In : new StreamReader(path);

    /// <summary>The ids of <paramref name="reader"/> in file order, read as they are consumed.</summary>
    public static async IAsyncEnumerable<string> ReadAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (Id(line) is { } id)
            {
                yield return id;
            }
        }
    }

    /// <summary>The id a line holds, or null for a blank or comment line.</summary>
    private static string? Id(string line)
    {
        var id = line.Trim();
        return id.Length == 0 || id[0] == '#' ? null : id;
    }
}
