namespace Actors;

/// <summary>Names shared by the producers and consumers of the event stream.</summary>
public static class StreamNames
{
    /// <summary>The stream provider that carries interaction events.</summary>
    public const string Provider = "events";

    /// <summary>The stream namespace; the stream key is the user id.</summary>
    public const string Interactions = "interactions";
}
