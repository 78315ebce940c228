namespace Actors.Grains.Popularity;

/// <summary>Decayed interaction counts: each item's score as of <see cref="DecayedScore.At"/>.</summary>
[GenerateSerializer, Alias("Actors.PopularityState")]
public sealed class PopularityState
{
    [Id(0)] public Dictionary<string, DecayedScore> Scores { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A score that halves every half-life after <see cref="At"/>.</summary>
[GenerateSerializer, Immutable, Alias("Actors.DecayedScore")]
public readonly record struct DecayedScore([property: Id(0)] double Score, [property: Id(1)] DateTimeOffset At)
{
    /// <summary>The score at <paramref name="time"/>.</summary>
    public double ValueAt(DateTimeOffset time, TimeSpan halfLife) =>
        Score * Math.Pow(0.5, (time - At).TotalSeconds / halfLife.TotalSeconds);

    /// <summary>This score plus one interaction at <paramref name="time"/>, expressed at the later of the two times.</summary>
    public DecayedScore Add(DateTimeOffset time, TimeSpan halfLife) => Add(1, time, halfLife);

    /// <summary>This score plus <paramref name="score"/> as of <paramref name="time"/>, expressed at the later of the two times.</summary>
    public DecayedScore Add(double score, DateTimeOffset time, TimeSpan halfLife) =>
        time >= At
            ? new DecayedScore(ValueAt(time, halfLife) + score, time)
            : new DecayedScore(Score + (score * Math.Pow(0.5, (At - time).TotalSeconds / halfLife.TotalSeconds)), At);
}
