namespace Actors.Grains.Popularity;

/// <summary>Decayed interaction counts: each item's score as of <see cref="DecayedScore.At"/>.</summary>
[GenerateSerializer, Alias("Actors.PopularityState")]
public sealed class PopularityState
{
    [Id(0)] public Dictionary<string, DecayedScore> Scores { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A score that halves every half-life after <see cref="At"/>. Callers keep <see cref="At"/> at or before the time they
/// read the score at (<see cref="ClampTo"/>): the decay factor is then at most 1, so no reading overflows, however far
/// apart the times are (a factor of 0.5 raised to a huge positive power underflows to 0, which is finite).
/// </summary>
[GenerateSerializer, Immutable, Alias("Actors.DecayedScore")]
public readonly record struct DecayedScore([property: Id(0)] double Score, [property: Id(1)] DateTimeOffset At)
{
    /// <summary>Whether this score can be counted: positive and finite (a persisted infinity or NaN is not).</summary>
    public bool IsUsable => Score > 0 && double.IsFinite(Score);

    /// <summary>
    /// The score at <paramref name="time"/>. A time before <see cref="At"/> reads the score as of <see cref="At"/>: a
    /// score never grows by being read early (a power of 0.5 with a negative exponent could overflow to infinity).
    /// </summary>
    public double ValueAt(DateTimeOffset time, TimeSpan halfLife) =>
        time <= At ? Score : Score * Math.Pow(0.5, (time - At).TotalSeconds / halfLife.TotalSeconds);

    /// <summary>This score with <see cref="At"/> no later than <paramref name="now"/> (the value kept as it is).</summary>
    public DecayedScore ClampTo(DateTimeOffset now) => At > now ? this with { At = now } : this;

    /// <summary>This score plus one interaction at <paramref name="time"/>, expressed at the later of the two times.</summary>
    public DecayedScore Add(DateTimeOffset time, TimeSpan halfLife) => Add(1, time, halfLife);

    /// <summary>This score plus <paramref name="score"/> as of <paramref name="time"/>, expressed at the later of the two times.</summary>
    public DecayedScore Add(double score, DateTimeOffset time, TimeSpan halfLife) =>
        time >= At
            ? new DecayedScore(ValueAt(time, halfLife) + score, time)
            : new DecayedScore(Score + (score * Math.Pow(0.5, (At - time).TotalSeconds / halfLife.TotalSeconds)), At);
}
