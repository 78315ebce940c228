namespace Actors.Grains.Users;

/// <summary>The user grain's part in experiments: the last answer served in one, and the events that follow it.</summary>
internal sealed partial class UserGrain
{
    public Task NoteServedAsync(string experiment, string version, string[] itemIds)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(itemIds);
        experimentMetrics.Served(experiment, version);
        _served = new ServedAnswer(experiment, version, new HashSet<string>(itemIds, StringComparer.Ordinal), Environment.TickCount64);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The experiment's count of events after an answer: each applied event within the hit window of the last answer
    /// served to this user in the running experiment is one event for that answer's arm, and a hit when the answer held its item.
    /// </summary>
    private void CountExperimentEvents(List<InteractionEvent> applied)
    {
        if (_served is not { } served || models.Routing.Experiment is not { } experiment || experiment.Name != served.Experiment
            || Environment.TickCount64 - served.At > experiment.HitWindow.TotalMilliseconds)
        {
            return;
        }
        foreach (var evt in applied)
        {
            experimentMetrics.Event(served.Experiment, served.Version, served.Items.Contains(evt.ItemId));
        }
    }

    /// <summary>An answer served in an experiment: which experiment and arm, its items, and when (Environment.TickCount64).</summary>
    private sealed record ServedAnswer(string Experiment, string Version, HashSet<string> Items, long At);
}
