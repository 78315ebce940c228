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

    public static ValidationProblem? Validate(ItemRequest item, int maxTextLength)
    {
        ArgumentNullException.ThrowIfNull(item);
        return ItemValidation.CheckText(item.Text, maxTextLength) is { } problem ? ValidationErrors.One("item.text", problem) : null;
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
