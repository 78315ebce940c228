namespace Actors.Model;

/// <summary>PLACEHOLDER until the batched kernel lands: appends one by one.</summary>
public sealed class UserTowerBatch(PreferenceModel model, int maxBatch)
{
    public PreferenceModel Model => model;

    public int MaxBatch => maxBatch;

    public void Append(IReadOnlyList<UserTowerState> states, IReadOnlyList<float[]> contents, IReadOnlyList<string?> itemIds)
    {
        for (var i = 0; i < states.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(states.Count, maxBatch);
            _ = model;
            states[i].Append(contents[i], itemIds[i]);
        }
    }
}
