namespace Actors.Grains.Experiments;

/// <summary>A/B experiments between model versions (section <c>Experiments</c>).</summary>
internal sealed class ExperimentOptions
{
    public const string Section = "Experiments";

    /// <summary>
    /// How long after a recommendation answer a user's events count for the arm that answered: each event within the
    /// window is an event of that arm, and a hit when its item was in the answer. Default 30 minutes.
    /// </summary>
    public TimeSpan HitWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How often each silo sends the counts it gathered to the experiment's metrics grain (one call per experiment) and
    /// reads the cluster-wide counts back for its metrics. Default 1 s.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often an experiment's metrics grain with counts it has not stored writes them: a crash of its silo loses at
    /// most this interval's counts. Default 5 s.
    /// </summary>
    public TimeSpan SaveInterval { get; set; } = TimeSpan.FromSeconds(5);
}
