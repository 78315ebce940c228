using System.Globalization;
using Actors.Grains.Events;
using Actors.Grains.Items;
using Actors.Silo.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Actors.Silo.Api;

/// <summary>
/// The rules a request's types cannot state (id syntax, lengths, ranges, the clock skew), one validator per request,
/// each answering null or a 400 keyed by the field's path. They run before any grain call, so a refused request
/// stores nothing.
/// </summary>
internal static class RequestValidation
{
    /// <summary>The <c>k</c> of a request that names none.</summary>
    public const int DefaultK = 10;

    public static ValidationProblem? ValidateId(string? id, string field) =>
        ItemValidation.CheckId(id, field) is { } problem ? ValidationErrors.One(field, problem) : null;

    /// <summary><paramref name="k"/> as sent (a string, so that "1.5" or "ten" get this message, not a binding failure).</summary>
    public static ValidationProblem? ValidateK(string? k, int max, out int count)
    {
        count = DefaultK;
        if (k is null)
        {
            return null;
        }
        if (!int.TryParse(k, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out count) || count < 1 || count > max)
        {
            return ValidationErrors.One("k", $"k must be an integer in 1..{max}; got '{ApiProblems.Quote(k)}'.");
        }
        return null;
    }

    /// <summary>A true/false query parameter <paramref name="field"/>, <paramref name="defaultValue"/> when absent.</summary>
    public static ValidationProblem? ValidateFlag(string? value, string field, bool defaultValue, out bool flag)
    {
        flag = defaultValue;
        return value is null || bool.TryParse(value, out flag)
            ? null
            : ValidationErrors.One(field, $"{field} must be true or false; got '{ApiProblems.Quote(value)}'.");
    }

    /// <summary>A text (or a title to build it from) within the limits, and attributes each within theirs.</summary>
    public static ValidationProblem? Validate(ItemRequest item, int maxTextLength)
    {
        ArgumentNullException.ThrowIfNull(item);
        var attributes = ToAttributes(item);
        if (ItemValidation.CheckAttributes(attributes) is { } bad)
        {
            return ValidationErrors.One($"item.{bad.Field}", bad.Problem);
        }
        var text = item.Text ?? ItemText.From(attributes);
        if (text is null)
        {
            return ValidationErrors.One("item.text", "text must be a non-empty string (or give a title, and the text is built from the title, category and brand).");
        }
        return ItemValidation.CheckText(text, maxTextLength) is { } problem ? ValidationErrors.One("item.text", problem) : null;
    }

    /// <summary>The attributes of a request (<see cref="ItemAttributes.None"/> when it gives none).</summary>
    public static ItemAttributes ToAttributes(ItemRequest item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item is { Title: null, Category: null, Brand: null, Available: null, Price: null, Tags: null }
            ? ItemAttributes.None
            : new ItemAttributes(item.Title, item.Category, item.Brand, item.Available ?? true, item.Price, item.Tags);
    }

    /// <summary>
    /// The filter of a recommendations or similar-items query: <c>category</c> (a path prefix, segments separated by
    /// <c>&gt;</c>), <c>available</c> (true: available items only), <c>minPrice</c>, <c>maxPrice</c>, <c>tag</c> (repeated:
    /// every one), <c>exclude</c> (repeated or comma-separated item ids). Null when the query filters nothing.
    /// </summary>
    public static ValidationProblem? ValidateFilter(string? category, string? available, string? minPrice, string? maxPrice, string[]? tag, string[]? exclude, out ItemFilter? filter)
    {
        filter = null;
        var errors = new ValidationErrors();
        string[]? prefix = null;
        if (category is not null)
        {
            prefix = [.. category.Split('>').Select(c => c.Trim())];
            if (prefix.Any(string.IsNullOrEmpty) || prefix.Length > ItemValidation.MaxAttributeValues)
            {
                errors.Add("category", $"category must be a path of 1..{ItemValidation.MaxAttributeValues} non-empty segments separated by '>'; got '{ApiProblems.Quote(category)}'.");
            }
        }
        var availableOnly = false;
        if (available is not null && !bool.TryParse(available, out availableOnly))
        {
            errors.Add("available", $"available must be true or false; got '{ApiProblems.Quote(available)}'.");
        }
        var min = Price(minPrice, "minPrice", errors);
        var max = Price(maxPrice, "maxPrice", errors);
        if (min > max)
        {
            errors.Add("maxPrice", $"maxPrice ({max}) is below minPrice ({min}).");
        }
        var tags = tag is { Length: > 0 } ? tag : null;
        for (var i = 0; i < (tags?.Length ?? 0); i++)
        {
            if (string.IsNullOrWhiteSpace(tags![i]) || tags[i].Length > ItemValidation.MaxAttributeLength)
            {
                errors.Add($"tag[{i}]", $"tag must be a non-empty string of at most {ItemValidation.MaxAttributeLength} characters.");
            }
        }
        var excluded = exclude?.SelectMany(e => e.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();
        if (excluded is { Length: > MaxExcluded })
        {
            errors.Add("exclude", $"exclude names {excluded.Length} items; at most {MaxExcluded} are allowed.");
        }
        foreach (var id in excluded ?? [])
        {
            if (ItemValidation.CheckId(id, "exclude") is { } problem)
            {
                errors.Add("exclude", problem);
                break;
            }
        }
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var result = new ItemFilter(prefix, availableOnly, min, max, tags, excluded is { Length: > 0 } ? excluded : null);
        filter = result is { CategoryPrefix: null, AvailableOnly: false, MinPrice: null, MaxPrice: null, Tags: null, Exclude: null } ? null : result;
        return null;
    }

    /// <summary>
    /// The event types whose items a user's recommendations leave out (<c>excludeTypes</c>, repeated or comma-separated;
    /// <c>none</c>: none): null when not given, every item of the history then.
    /// </summary>
    public static string[]? ExcludeTypes(string[]? excludeTypes)
    {
        if (excludeTypes is not { Length: > 0 })
        {
            return null;
        }
        var types = excludeTypes.SelectMany(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Distinct(StringComparer.Ordinal).ToArray();
        return types is ["none"] ? [] : types;
    }

    /// <summary>Most item ids one query's <c>exclude</c> may name.</summary>
    public const int MaxExcluded = 1000;

    private static double? Price(string? value, string field, ValidationErrors errors)
    {
        if (value is null)
        {
            return null;
        }
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var price) || !double.IsFinite(price) || price < 0)
        {
            errors.Add(field, $"{field} must be a number of at least 0; got '{ApiProblems.Quote(value)}'.");
            return null;
        }
        return price;
    }

    /// <summary>
    /// Every event of the batch, each problem under its path (<c>events[3].timestamp</c>). A timestamp must lie between
    /// <see cref="ApiOptions.EarliestTimestamp"/> and <paramref name="now"/> + <see cref="ApiOptions.MaxClockSkew"/>; a
    /// type must be one of <paramref name="types"/>.
    /// </summary>
    public static ValidationProblem? Validate(EventBatch batch, DateTimeOffset now, ApiOptions limits, EventTypes types)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(types);
        if (batch.Events.Count == 0)
        {
            return ValidationErrors.One("events", "The array holds no events.");
        }
        if (batch.Events.Count > limits.MaxEventsPerRequest)
        {
            return ValidationErrors.One("events", $"The array holds {batch.Events.Count} events; at most {limits.MaxEventsPerRequest} are accepted per request.");
        }
        var errors = new ValidationErrors();
        for (var i = 0; i < batch.Events.Count && !errors.IsFull; i++)
        {
            Check(batch.Events[i], batch.PathOf(i), now, limits, types, errors);
        }
        return errors.IsEmpty ? null : errors.ToProblem();
    }

    private static void Check(EventRequest e, string path, DateTimeOffset now, ApiOptions limits, EventTypes types, ValidationErrors errors)
    {
        errors.AddIfAny($"{path}.eventId", ItemValidation.CheckId(e.EventId, $"{path}.eventId"))
            .AddIfAny($"{path}.userId", ItemValidation.CheckId(e.UserId, $"{path}.userId"))
            .AddIfAny($"{path}.itemId", ItemValidation.CheckId(e.ItemId, $"{path}.itemId"));
        if (types.Resolve(e.Type) is null)
        {
            errors.Add($"{path}.type",
                $"{path}.type '{ApiProblems.Quote(e.Type!)}' is not an event type; the types are {string.Join(", ", types.Names)} (Events:Types), or none for {types.DefaultType}.");
        }
        if (e.Timestamp is not { } timestamp)
        {
            return;
        }
        var field = $"{path}.timestamp";
        // Compared as instants: the offset (up to ±14:00) is the producer's, the bounds are UTC.
        if (timestamp.UtcDateTime > now.UtcDateTime + limits.MaxClockSkew)
        {
            errors.Add(field,
                $"{field} {Iso(timestamp)} is more than {limits.MaxClockSkew} ahead of the server's clock " +
                $"({Iso(now)}; Api:MaxClockSkew); send the time the interaction happened, or none for now.");
        }
        else if (timestamp < limits.EarliestTimestamp)
        {
            errors.Add(field, $"{field} {Iso(timestamp)} is before {Iso(limits.EarliestTimestamp)} (Api:EarliestTimestamp).");
        }
    }

    /// <summary>The events to publish, stamped <paramref name="now"/> where they carry no timestamp (a missing type stays missing: the user grain reads it as the default type).</summary>
    public static InteractionEvent[] ToEvents(EventBatch batch, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch.Events.Select(e => new InteractionEvent(e.EventId, e.UserId, e.ItemId, e.Timestamp ?? now, e.Type)).ToArray();
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
