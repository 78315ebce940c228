using Actors.Grains.Popularity;

namespace Actors.Tests.Unit;

public sealed class GrainMathTests
{
    [Fact]
    public void Popularity_halves_every_half_life_and_adds_late_events_at_their_weight()
    {
        var halfLife = TimeSpan.FromDays(7);
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var score = new DecayedScore(0, t0).Add(t0, halfLife);
        Assert.Equal(1, score.ValueAt(t0, halfLife), 9);
        Assert.Equal(0.5, score.ValueAt(t0 + halfLife, halfLife), 9);

        var later = score.Add(t0 + halfLife, halfLife);
        Assert.Equal(1.5, later.ValueAt(t0 + halfLife, halfLife), 9);

        // An event that arrives late counts at the weight it would have had.
        var withLate = later.Add(t0, halfLife);
        Assert.Equal(2, withLate.ValueAt(t0 + halfLife, halfLife), 9);
    }
}
