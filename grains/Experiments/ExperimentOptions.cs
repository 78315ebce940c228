namespace Actors.Grains.Experiments;

/// <summary>Online experiments (section <c>Experiments</c>).</summary>
public sealed class ExperimentOptions
{
    public const string Section = "Experiments";

    /// <summary>How long after a recommendation answer a user's events count for its arm. Default 30 minutes.</summary>
    public TimeSpan HitWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often each silo sends its counts to the experiment's metrics grain. Default 1 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);
}
