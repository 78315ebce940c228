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

    /// <summary>Longest title, brand, category segment or tag accepted, in characters.</summary>
    public const int MaxAttributeLength = 500;

    /// <summary>Most category segments or tags an item may carry.</summary>
    public const int MaxAttributeValues = 64;

    /// <summary>Null when <paramref name="attributes"/> are acceptable, else the field at fault (<c>title</c>, <c>category[2]</c>...) and what is wrong.</summary>
    public static (string Field, string Problem)? CheckAttributes(ItemAttributes? attributes)
    {
        if (attributes is null)
        {
            return null;
        }
        return Named("title", CheckValue(attributes.Title, "title", optional: true))
            ?? Named("brand", CheckValue(attributes.Brand, "brand", optional: true))
            ?? CheckValues(attributes.Category, "category")
            ?? CheckValues(attributes.Tags, "tags")
            ?? Named("price", attributes.Price is { } price && (!double.IsFinite(price) || price < 0) ? "price must be a finite number of at least 0." : null);
    }

    public static void ThrowIfInvalidAttributes(ItemAttributes? attributes)
    {
        if (CheckAttributes(attributes) is { } problem)
        {
            throw new ArgumentException(problem.Problem, nameof(attributes));
        }
    }

    private static (string Field, string Problem)? Named(string field, string? problem) => problem is null ? null : (field, problem);

    /// <summary>Whether two sets of attributes say the same (arrays compared by value; null is no attributes).</summary>
    public static bool SameAttributes(ItemAttributes? a, ItemAttributes? b)
    {
        a ??= ItemAttributes.None;
        b ??= ItemAttributes.None;
        return a.Title == b.Title && a.Brand == b.Brand && a.Available == b.Available && a.Price == b.Price
            && (a.Category ?? []).AsSpan().SequenceEqual(b.Category ?? []) && (a.Tags ?? []).AsSpan().SequenceEqual(b.Tags ?? []);
    }

    private static (string Field, string Problem)? CheckValues(string[]? values, string what)
    {
        if (values is null)
        {
            return null;
        }
        if (values.Length > MaxAttributeValues)
        {
            return (what, $"{what} has {values.Length} values; at most {MaxAttributeValues} are allowed.");
        }
        for (var i = 0; i < values.Length; i++)
        {
            if (CheckValue(values[i], $"{what}[{i}]", optional: false) is { } problem)
            {
                return ($"{what}[{i}]", problem);
            }
        }
        return null;
    }

    private static string? CheckValue(string? value, string what, bool optional)
    {
        if (value is null && optional)
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"{what} must be a non-empty string.";
        }
        if (value.Length > MaxAttributeLength)
        {
            return $"{what} is {value.Length} characters long; at most {MaxAttributeLength} are allowed.";
        }
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return $"{what} contains a control character.";
            }
        }
        return null;
    }
}
