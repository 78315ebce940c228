using Actors.Grains.Model;

namespace Actors.Grains.Users;

/// <summary>The user grain's embeddings, one per model version asked for: built from the history, kept current, rolled back.</summary>
internal sealed partial class UserGrain
{
    /// <summary>
    /// The user's embedding in <paramref name="slot"/>'s model, current for the visible state: the one held, or one
    /// built now from the visible history. When a batch lands while it is built, the one built is returned (it matches
    /// the state it was built from, which the profile then shows) but not kept.
    /// </summary>
    private async Task<SlotEmbedding> EmbeddingForAsync(ModelSlot slot)
    {
        if (_embeddings.TryGetValue(slot.Slot, out var held) && IsCurrent(held, slot))
        {
            return held;
        }
        var basis = _visible;
        var model = await models.GetAsync(slot);
        var embedding = model.CreateUserEmbedding(options.Value.HistoryLength);
        List<string> inputs = [];
        if (basis.History.Count > 0)
        {
            var input = await TowerInputAsync(basis.History);
            embedding.Rebuild(input.Steps);
            inputs = input.EventIds;
        }
        var built = new SlotEmbedding(slot, model, embedding) { Published = embedding.Current(), Basis = basis, Inputs = inputs };
        if (basis == _visible)
        {
            _embeddings[slot.Slot] = built;
        }
        return built;
    }

    private bool IsCurrent(SlotEmbedding held, ModelSlot slot) => held.Basis == _visible && held.Slot.Version == slot.Version;

    /// <summary>The towers back to the stored history after a failed batch (they may have taken some of the batch's steps).</summary>
    private async Task RollBackEmbeddingAsync(List<SlotEmbedding> targets, UserState stored)
    {
        try
        {
            var history = await TowerInputAsync(stored.History);
            foreach (var target in targets)
            {
                target.Embedding.Rebuild(history.Steps);
                target.Inputs = history.EventIds;
            }
        }
        catch (Exception ex)
        {
            // The published embedding is still the stored history's; the deactivation that follows starts the tower over.
            LogRollbackFailed(ex, UserId);
        }
    }

    /// <summary>
    /// What the tower reads of <paramref name="history"/>: the entries whose type embeds, with their content embeddings,
    /// oldest first; items that no longer exist are left out.
    /// </summary>
    private async Task<TowerInput> TowerInputAsync(List<HistoryEntry> history)
    {
        var embedded = history.FindAll(e => types.Of(e.Type).Embed);
        var contentOf = await contents.GetAsync(GrainFactory, embedded.Select(e => e.ItemId).ToHashSet(StringComparer.Ordinal));
        var input = new TowerInput(new List<(string ItemId, float[] Content)>(embedded.Count), new List<string>(embedded.Count));
        foreach (var entry in embedded)
        {
            if (contentOf[entry.ItemId] is { } content)
            {
                input.Steps.Add((entry.ItemId, content));
                input.EventIds.Add(entry.EventId);
            }
        }
        return input;
    }

    /// <summary>One model version's embedding of this user: the incremental tower, what it published, and the state it reflects.</summary>
    private sealed class SlotEmbedding(ModelSlot slot, ServingModel model, IUserEmbedding embedding)
    {
        public ModelSlot Slot { get; } = slot;

        public ServingModel Model { get; } = model;

        public IUserEmbedding Embedding { get; } = embedding;

        public float[]? Published { get; set; }

        public required UserState Basis { get; set; }

        /// <summary>The event ids of the entries the tower was given since it was last rebuilt, oldest first, at most the history length (the tower's window is no longer).</summary>
        public required List<string> Inputs { get; set; }

        /// <summary>
        /// <see cref="Inputs"/> after <paramref name="stepIds"/> are stepped in, or null when the tower would then still
        /// hold an entry that has left <paramref name="next"/>'s window (the inputs are in history order, so it is enough
        /// that the oldest one kept is still there).
        /// </summary>
        public List<string>? Follow(List<string> stepIds, UserState next, int historyLength)
        {
            var inputs = new List<string>(Inputs.Count + stepIds.Count);
            inputs.AddRange(Inputs);
            inputs.AddRange(stepIds);
            if (inputs.Count > historyLength)
            {
                inputs.RemoveRange(0, inputs.Count - historyLength);
            }
            if (inputs.Count == 0)
            {
                return inputs;
            }
            var oldest = inputs[0];
            foreach (var entry in next.History)
            {
                if (string.Equals(entry.EventId, oldest, StringComparison.Ordinal))
                {
                    return inputs;
                }
            }
            return null;
        }
    }

    /// <summary>The tower's input over a history: the steps, oldest first, and the event ids of their entries.</summary>
    private sealed record TowerInput(List<(string ItemId, float[] Content)> Steps, List<string> EventIds);
}
