using Actors.Grains.Experiments;

namespace Actors.Tests.Unit;

/// <summary>
/// The arithmetic of experiments: the salted-hash assignment of users to arms (deterministic, in proportion to the
/// shares, independent between experiments) and the Wilson score interval of an arm's hit rate (known answers).
/// </summary>
public sealed class ExperimentMathTests
{
    private const int Users = 10_000;

    private static readonly string[] UserIds = [.. Enumerable.Range(0, Users).Select(i => $"user-{i}")];

    [Fact]
    public void ArmOf_gives_the_same_arm_for_the_same_experiment_user_and_shares()
    {
        double[] shares = [0.2, 0.3, 0.5];
        foreach (var user in UserIds.Take(1000))
        {
            Assert.Equal(ExperimentAssignment.ArmOf("exp-a", user, shares), ExperimentAssignment.ArmOf("exp-a", user, [0.2, 0.3, 0.5]));
            var point = ExperimentAssignment.Point("exp-a", user);
            Assert.Equal(point, ExperimentAssignment.Point("exp-a", user));
            Assert.InRange(point, 0, Math.BitDecrement(1.0));
        }
    }

    [Fact]
    public void ArmOf_splits_ten_thousand_users_fifty_fifty_within_binomial_bounds()
    {
        var counts = Count("exp-a", [0.5, 0.5]);
        // Binomial(10000, 0.5): sd 50, so ±200 is four standard deviations.
        Assert.InRange(counts[0], 4_800, 5_200);
        Assert.Equal(Users, counts[0] + counts[1]);
    }

    [Fact]
    public void ArmOf_splits_ten_thousand_users_twenty_thirty_fifty_within_binomial_bounds()
    {
        var counts = Count("exp-b", [0.2, 0.3, 0.5]);
        // Four standard deviations of Binomial(10000, p): 160, 183 and 200.
        Assert.InRange(counts[0], 2_000 - 160, 2_000 + 160);
        Assert.InRange(counts[1], 3_000 - 184, 3_000 + 184);
        Assert.InRange(counts[2], 5_000 - 200, 5_000 + 200);
        Assert.Equal(Users, counts.Sum());
    }

    [Fact]
    public void Another_experiment_name_reshuffles_about_half_the_users_of_a_fifty_fifty_split()
    {
        double[] shares = [0.5, 0.5];
        var changed = UserIds.Count(u => ExperimentAssignment.ArmOf("exp-a", u, shares) != ExperimentAssignment.ArmOf("exp-a2", u, shares));
        // Independent assignments differ with probability 1/2: Binomial(10000, 0.5) again.
        Assert.InRange(changed, 4_800, 5_200);
    }

    [Fact]
    public void One_arm_takes_every_user_and_an_arm_with_no_share_takes_none()
    {
        Assert.Equal(Users, Count("exp-a", [1.0])[0]);
        Assert.Equal([0, Users], Count("exp-a", [0.0, 1.0]));
        Assert.Equal([Users, 0], Count("exp-a", [1.0, 0.0]));
        Assert.Equal([0, Users, 0], Count("exp-a", [0.0, 1.0, 0.0]));
    }

    [Fact]
    public void Shares_are_taken_in_proportion_so_they_need_not_sum_to_one()
    {
        foreach (var user in UserIds.Take(2000))
        {
            Assert.Equal(ExperimentAssignment.ArmOf("exp-a", user, [0.5, 0.5]), ExperimentAssignment.ArmOf("exp-a", user, [2, 2]));
            Assert.Equal(ExperimentAssignment.ArmOf("exp-a", user, [0.25, 0.75]), ExperimentAssignment.ArmOf("exp-a", user, [1, 3]));
        }
    }

    [Fact]
    public void ArmOf_refuses_no_arms_and_null_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ExperimentAssignment.ArmOf("exp-a", "u", []));
        Assert.Throws<ArgumentNullException>(() => ExperimentAssignment.ArmOf(null!, "u", [1.0]));
        Assert.Throws<ArgumentNullException>(() => ExperimentAssignment.ArmOf("exp-a", null!, [1.0]));
        Assert.Throws<ArgumentNullException>(() => ExperimentAssignment.ArmOf("exp-a", "u", null!));
    }

    /// <summary>
    /// Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of seven methods",
    /// Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score interval without continuity correction), to
    /// the four decimals published.
    /// </summary>
    [Theory]
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0000, 0.1611)]
    [InlineData(1, 29, 0.0061, 0.1718)]
    public void Wilson_interval_matches_the_published_values(long successes, long trials, double low, double high)
    {
        var interval = WilsonInterval.Of(successes, trials);
        Assert.Equal(low, interval.Low, 0.00005);
        Assert.Equal(high, interval.High, 0.00005);
    }

    /// <summary>
    /// Computed independently in Python 3 (statistics.NormalDist().inv_cdf(0.975) for z) from Wilson's formula in the
    /// form (2np + z²) / (2(n + z²)) ± z·√(z² + 4np(1 − p)) / (2(n + z²)), clamped to [0, 1].
    /// </summary>
    [Theory]
    [InlineData(0, 10, 0.0, 0.2775327999)]
    [InlineData(5, 10, 0.2365930905, 0.7634069095)]
    [InlineData(10, 10, 0.7224672001, 1.0)]
    [InlineData(81, 263, 0.2552885199, 0.3662095770)]
    [InlineData(1, 1, 0.2065493144, 1.0)]
    [InlineData(0, 1, 0.0, 0.7934506856)]
    public void Wilson_interval_matches_known_answers_to_ten_digits(long successes, long trials, double low, double high)
    {
        var interval = WilsonInterval.Of(successes, trials);
        Assert.Equal(low, interval.Low, 1e-9);
        Assert.Equal(high, interval.High, 1e-9);
    }

    [Fact]
    public void Wilson_interval_stays_within_zero_and_one_and_holds_the_observed_rate()
    {
        Assert.Equal((0.0, 1.0), WilsonInterval.Of(0, 0));
        foreach (var trials in new long[] { 1, 2, 3, 7, 10, 100, 1_000, 1_000_000 })
        {
            foreach (var successes in new[] { 0, 1, trials / 3, trials / 2, trials - 1, trials }.Where(s => s >= 0 && s <= trials).Distinct())
            {
                var (low, high) = WilsonInterval.Of(successes, trials);
                var rate = successes / (double)trials;
                Assert.InRange(low, 0, 1);
                Assert.InRange(high, 0, 1);
                Assert.InRange(rate, low - 1e-12, high + 1e-12);
            }
        }
    }

    [Fact]
    public void Wilson_interval_narrows_with_more_trials_at_the_same_rate()
    {
        var (low10, high10) = WilsonInterval.Of(3, 10);
        var (low1000, high1000) = WilsonInterval.Of(300, 1000);
        Assert.True(high1000 - low1000 < (high10 - low10) / 5, $"[{low1000}, {high1000}] is not much narrower than [{low10}, {high10}]");
    }

    [Fact]
    public void Wilson_interval_refuses_negative_successes_and_more_successes_than_trials()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WilsonInterval.Of(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => WilsonInterval.Of(11, 10));
    }

    private static int[] Count(string experiment, double[] shares)
    {
        var counts = new int[shares.Length];
        foreach (var user in UserIds)
        {
            counts[ExperimentAssignment.ArmOf(experiment, user, shares)]++;
        }
        return counts;
    }
}
