using System.Text.Json.Serialization;

namespace Actors.Silo.Api.Contracts;

/// <summary>
/// The body of <c>PUT /items/{itemId}</c>: the text and the attributes, all optional but one of <see cref="Text"/> and
/// <see cref="Title"/> (without a text, the encoder reads "title. category path. brand.").
/// </summary>
public sealed record ItemRequest(
    string? Text = null,
    string? Title = null,
    string[]? Category = null,
    string? Brand = null,
    bool? Available = null,
    double? Price = null,
    string[]? Tags = null);

/// <summary>
/// One event of <c>POST /events</c> (the body is one of these or an array of them). An event without a
/// <c>timestamp</c> (or with null) is stamped on arrival; one without a <c>type</c> (or with null) is of the default
/// type (<c>Events:DefaultType</c>).
/// </summary>
public sealed record EventRequest(
    string EventId,
    string UserId,
    string ItemId,
    [property: JsonConverter(typeof(TimestampConverter))] DateTimeOffset? Timestamp = null,
    string? Type = null);
