using System.Globalization;

namespace Actors.Client.Commands;

/// <summary>
/// The rules of <c>experiments start</c> checked while parsing, as the HTTP API checks them, so that a typing mistake
/// is named before the cluster is reached: the name's characters, <c>--arm VERSION=SHARE</c> two or more times with
/// distinct versions and shares in (0, 1] summing to 1.
/// </summary>
internal static class ExperimentArms
{
    public const int MaxNameLength = 64;

    /// <summary>How far the shares' sum may be from 1.</summary>
    public const double ShareTolerance = 1e-6;

    /// <summary>Null when <paramref name="name"/> is a valid experiment name, else what is wrong (to follow "--name").</summary>
    public static string? CheckName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "must be a non-empty name.";
        }
        if (name.Length > MaxNameLength)
        {
            return $"is {name.Length} characters long; at most {MaxNameLength} are allowed.";
        }
        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            ? null
            : $"'{name}' may hold only the letters A-Z and a-z, digits, '.', '_' and '-'.";
    }

    /// <summary>Null and the arms when <paramref name="values"/> (each VERSION=SHARE) are a valid split, else what is wrong.</summary>
    public static string? Parse(IReadOnlyList<string> values, out ExperimentArm[] arms)
    {
        ArgumentNullException.ThrowIfNull(values);
        arms = [];
        if (values.Count < 2)
        {
            return $"--arm is given {values.Count} time{(values.Count == 1 ? "" : "s")}; an experiment compares at least 2 versions (--arm VERSION=SHARE --arm VERSION=SHARE).";
        }
        var parsed = new List<ExperimentArm>(values.Count);
        foreach (var value in values)
        {
            var cut = value.LastIndexOf('=');
            if (cut <= 0 || string.IsNullOrWhiteSpace(value[..cut]))
            {
                return $"--arm '{value}' is not VERSION=SHARE (e.g. learn-scientific-1f4daa63afab512f=0.5).";
            }
            if (!double.TryParse(value.AsSpan(cut + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var share) || !double.IsFinite(share) || share <= 0 || share > 1)
            {
                return $"--arm '{value}': the share must be a number in (0, 1], e.g. 0.5.";
            }
            var version = value[..cut];
            if (parsed.Exists(a => a.Version == version))
            {
                return $"--arm names {version} twice; each arm is another version.";
            }
            parsed.Add(new ExperimentArm(version, share));
        }
        var sum = parsed.Sum(a => a.Share);
        if (Math.Abs(sum - 1) > ShareTolerance)
        {
            return $"--arm shares sum to {sum.ToString("R", CultureInfo.InvariantCulture)}; they must sum to 1.";
        }
        arms = [.. parsed];
        return null;
    }
}
