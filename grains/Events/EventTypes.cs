using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Events;

/// <summary>
/// The configured event types (<see cref="EventOptions"/>), resolved once per silo: what the HTTP API checks an event's
/// <c>type</c> against, and what the user grain reads a type's weight and flags from. Immutable and thread-safe.
/// </summary>
public sealed class EventTypes
{
    private readonly FrozenDictionary<string, EventTypeOptions> _types;

    public EventTypes(IOptions<EventOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _types = value.Types.ToFrozenDictionary(StringComparer.Ordinal);
        Names = [.. value.Types.Keys];
        DefaultType = value.DefaultType;
        Default = _types[DefaultType];
    }

    /// <summary>The configured type names, in configuration order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The type of an event that names none (<c>Events:DefaultType</c>).</summary>
    public string DefaultType { get; }

    /// <summary>The settings of <see cref="DefaultType"/>.</summary>
    public EventTypeOptions Default { get; }

    /// <summary>The type an event names as it is stored: <paramref name="type"/>, <see cref="DefaultType"/> for null, or null when no such type is configured.</summary>
    public string? Resolve(string? type) => type is null ? DefaultType : _types.ContainsKey(type) ? type : null;

    /// <summary>
    /// The settings of a stored type: null (entries from before types) reads as <see cref="DefaultType"/>, and so does a
    /// type since removed from the configuration (its entries are kept, and count as the default type does).
    /// </summary>
    public EventTypeOptions Of(string? type) => type is not null && _types.TryGetValue(type, out var settings) ? settings : Default;

    /// <summary>The name a stored entry counts under: its type, or <see cref="DefaultType"/> for entries from before types.</summary>
    public string NameOf(string? type) => type ?? DefaultType;

    /// <summary>Whether <paramref name="name"/> is a valid type name: 1..64 of a-z, 0-9, '-', '_', '.', the first a letter or a digit.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > EventOptions.MaxNameLength || !char.IsAsciiLetterLower(name[0]) && !char.IsAsciiDigit(name[0]))
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }
}
