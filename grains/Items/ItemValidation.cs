namespace Actors.Grains.Items;

/// <summary>The rules an item id and text must follow, shared by the grain and the HTTP API.</summary>
public static class ItemValidation
{
    /// <summary>Longest item id accepted, in characters.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Null when <paramref name="id"/> is acceptable, else what is wrong with it.</summary>
    public static string? CheckId(string? id, string what)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return $"{what} must be a non-empty string.";
        }
        if (id.Length > MaxIdLength)
        {
            return $"{what} is {id.Length} characters long; at most {MaxIdLength} are allowed.";
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

    /// <summary>Null when <paramref name="text"/> is acceptable, else what is wrong with it.</summary>
    public static string? CheckText(string? text, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "text must be a non-empty string.";
        }
        if (text.Length > maxLength)
        {
            return $"text is {text.Length} characters long; at most {maxLength} are allowed.";
        }
        foreach (var c in text)
        {
            if (c == '\0')
            {
                return "text contains a NUL character.";
            }
        }
        return null;
    }

    public static void ThrowIfInvalidText(string? text, int maxLength)
    {
        if (CheckText(text, maxLength) is { } problem)
        {
            throw new ArgumentException(problem, nameof(text));
        }
    }
}
