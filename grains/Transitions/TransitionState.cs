namespace Actors.Grains.Transitions;

/// <summary>The persisted counts of a transition shard.</summary>
[GenerateSerializer, Alias("Actors.TransitionState")]
public sealed class TransitionState
{
    /// <summary>Source item → successor item → how often it followed; at most <c>Transitions:MaxSuccessorsPerItem</c> successors each.</summary>
    [Id(0)] public Dictionary<string, Dictionary<string, int>> Successors { get; set; } = new(StringComparer.Ordinal);
}
