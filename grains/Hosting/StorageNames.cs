namespace Actors.Grains.Hosting;

/// <summary>Names of the grain storage providers the grains use; the host decides what backs them.</summary>
public static class StorageNames
{
    /// <summary>Grain state of items, users, shards and popularity.</summary>
    public const string Actors = "actors";

    /// <summary>The stream pub-sub store Orleans looks up by this name.</summary>
    public const string PubSub = "PubSubStore";
}
