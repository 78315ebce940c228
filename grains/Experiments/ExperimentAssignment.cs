using System.IO.Hashing;

namespace Actors.Grains.Experiments;

/// <summary>
/// Which arm of an experiment a user is in: a salted hash of the experiment name and the user id, mapped to [0, 1) and
/// placed on the arms' cumulative shares. Deterministic (the same user, name and shares give the same arm on every silo
/// and after every restart) and independent between experiments (another name reshuffles everyone).
/// </summary>
public static class ExperimentAssignment
{
    /// <summary>The arm of <paramref name="userId"/> in <paramref name="experiment"/>: an index into <paramref name="shares"/> (which sum to 1).</summary>
    public static int ArmOf(string experiment, string userId, IReadOnlyList<double> shares)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentOutOfRangeException.ThrowIfZero(shares.Count);
        var point = Point(experiment, userId);
        var total = 0.0;
        foreach (var share in shares)
        {
            total += share;
        }
        var cumulative = 0.0;
        for (var i = 0; i < shares.Count - 1; i++)
        {
            cumulative += shares[i] / total;
            if (point < cumulative)
            {
                return i;
            }
        }
        return shares.Count - 1;
    }

    /// <summary>The user's point in [0, 1): the top 53 bits of XxHash64 over "name\nuser" (UTF-8), so every double is reachable and evenly spread.</summary>
    public static double Point(string experiment, string userId)
    {
        var salted = System.Text.Encoding.UTF8.GetBytes(experiment + "\n" + userId);
        var hash = XxHash64.HashToUInt64(salted);
        return (hash >> 11) * (1.0 / (1UL << 53));
    }
}
