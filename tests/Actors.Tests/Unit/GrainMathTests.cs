using Actors.Grains.Popularity;
using Actors.Grains.Users;

namespace Actors.Tests.Unit;

public sealed class GrainMathTests
{
    [Fact]
    public void The_running_mean_equals_a_recomputation_after_adds_and_removals()
    {
        var random = new Random(5);
        var vectors = Enumerable.Range(0, 500).Select(_ => Enumerable.Range(0, 24).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        var mean = new RunningMean(24);
        const int Window = 7;
        for (var i = 0; i < vectors.Length; i++)
        {
            mean.Add(vectors[i]);
            if (i >= Window)
            {
                mean.Remove(vectors[i - Window]);
            }
            var expected = RunningMean.FromScratch(vectors[Math.Max(0, i - Window + 1)..(i + 1)])!;
            var actual = mean.Normalized()!;
            for (var d = 0; d < expected.Length; d++)
            {
                Assert.Equal(expected[d], actual[d], 1e-6f);
            }
        }
        Assert.Null(new RunningMean(3).Normalized());
        Assert.Throws<ArgumentException>(() => mean.Add([1f]));
    }

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
