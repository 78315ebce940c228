using Microsoft.Extensions.Options;

namespace Actors.Grains.Events;

/// <summary>
/// The kinds of interaction events (section <c>Events</c>): each type's weight and whether it enters the history and the
/// user embedding. Validated at start-up (<see cref="EventOptionsValidator"/>).
/// </summary>
public sealed class EventOptions
{
    public const string Section = "Events";

    /// <summary>Largest weight a type may have: weights are relative, and a transition counts its weight in whole counts.</summary>
    public const double MaxWeight = 1000;

    /// <summary>Longest event type name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>
    /// Type name → settings. Names are lowercase ASCII letters, digits, '-', '_' and '.', starting with a letter or a digit
    /// (configuration keys do not tell case apart, so names do not either). When none are configured: <c>view</c>
    /// (weight 1), <c>click</c> (weight 2) and <c>purchase</c> (weight 5), all in the history and embedded. Configured
    /// types replace these three, so a configuration that adds one repeats the ones it keeps.
    /// </summary>
    public Dictionary<string, EventTypeOptions> Types { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The type of an event that names none, and of stored history entries from before types. Default <c>view</c>.</summary>
    public string DefaultType { get; set; } = "view";

    /// <summary>The three built-in types, put in when the configuration names no type.</summary>
    internal static void FillDefaults(EventOptions options)
    {
        if (options.Types.Count == 0)
        {
            options.Types["view"] = new EventTypeOptions { Weight = 1 };
            options.Types["click"] = new EventTypeOptions { Weight = 2 };
            options.Types["purchase"] = new EventTypeOptions { Weight = 5 };
        }
    }
}

/// <summary>One event type (section <c>Events:Types:{name}</c>).</summary>
public sealed class EventTypeOptions
{
    /// <summary>
    /// How much one event of this type counts in popularity and in item → next-item transitions, 0..<see cref="EventOptions.MaxWeight"/>
    /// (0: not at all). Default 1.
    /// </summary>
    public double Weight { get; set; } = 1;

    /// <summary>
    /// Whether the event enters the user's history window (false: it is applied, deduplicated and counted with its weight,
    /// but the history, the seen items and the embedding do not change). Default true.
    /// </summary>
    public bool InHistory { get; set; } = true;

    /// <summary>
    /// Whether the history entries of this type feed the user tower (false: in the history and among the seen items, but
    /// not in the embedding). Only matters with <see cref="InHistory"/>. Default true.
    /// </summary>
    public bool Embed { get; set; } = true;
}

/// <summary>Refuses a bad type name, a negative, too large or non-finite weight, and a default type that is not configured.</summary>
internal sealed class EventOptionsValidator : IValidateOptions<EventOptions>
{
    public ValidateOptionsResult Validate(string? name, EventOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (type, settings) in options.Types)
        {
            var key = $"{EventOptions.Section}:Types:{type}";
            if (!EventTypes.IsValidName(type))
            {
                failures.Add($"{key}: an event type name must be 1..{EventOptions.MaxNameLength} lowercase ASCII letters, digits, '-', '_' or '.', starting with a letter or a digit.");
            }
            if (settings is null)
            {
                failures.Add($"{key} has no settings.");
            }
            else if (!double.IsFinite(settings.Weight) || settings.Weight < 0 || settings.Weight > EventOptions.MaxWeight)
            {
                failures.Add($"{key}:Weight must be a finite number in 0..{EventOptions.MaxWeight}; it is {settings.Weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            }
        }
        if (string.IsNullOrEmpty(options.DefaultType) || !options.Types.ContainsKey(options.DefaultType))
        {
            failures.Add($"{EventOptions.Section}:DefaultType '{options.DefaultType}' is not one of {EventOptions.Section}:Types ({string.Join(", ", options.Types.Keys)}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
