namespace Actors.Grains.Experiments;

/// <summary>
/// The Wilson score interval of a binomial proportion (Wilson 1927): unlike the normal approximation it stays inside
/// [0, 1] and is sensible for few trials or rates near 0, which is where hit rates of a recommender live.
/// </summary>
public static class WilsonInterval
{
    /// <summary>z for a two-sided 95 % interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The interval around <paramref name="successes"/> / <paramref name="trials"/>; [0, 1] without trials.</summary>
    public static (double Low, double High) Of(long successes, long trials, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, successes);
        if (trials == 0)
        {
            return (0, 1);
        }
        var n = (double)trials;
        var p = successes / n;
        var z2 = z * z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
