using Actors.Grains.Items;
using Actors.Silo.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Actors.Silo.Api;

/// <summary>
/// The rules of an experiment request that its types cannot state, checked before the registry is called so that every
/// problem of the request is named at once, each under its path (<c>experiment.arms[1].share</c>).
/// </summary>
internal static class ExperimentValidation
{
    public const int MaxNameLength = 64;

    /// <summary>How far the shares' sum may be from 1 (they are fractions a person types: 0.333333 three times is not 1).</summary>
    public const double ShareTolerance = 1e-6;

    /// <summary>Null when <paramref name="name"/> is 1..64 characters of <c>A-Z a-z 0-9 . _ -</c>, else what is wrong with it.</summary>
    public static string? CheckName(string? name, string field)
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"{field} must be a non-empty string.";
        }
        if (name.Length > MaxNameLength)
        {
            return $"{field} is {name.Length} characters long; at most {MaxNameLength} are allowed.";
        }
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return $"{field} '{ApiProblems.Quote(name)}' may hold only the letters A-Z and a-z, digits, '.', '_' and '-'.";
            }
        }
        return null;
    }

    public static ValidationProblem? Validate(ExperimentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new ValidationErrors().AddIfAny("experiment.name", CheckName(request.Name, "experiment.name"));
        var arms = request.Arms;
        if (arms.Count < 2)
        {
            return errors.Add("experiment.arms", $"experiment.arms holds {arms.Count} arm{(arms.Count == 1 ? "" : "s")}; an experiment compares at least 2.").ToProblem();
        }
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var sum = 0.0;
        var sharesValid = true;
        for (var i = 0; i < arms.Count; i++)
        {
            var path = $"experiment.arms[{i}]";
            if (ItemValidation.CheckId(arms[i].Version, $"{path}.version") is { } badVersion)
            {
                errors.Add($"{path}.version", badVersion);
            }
            else if (!seen.TryAdd(arms[i].Version, i))
            {
                errors.Add($"{path}.version", $"{path}.version '{ApiProblems.Quote(arms[i].Version)}' is also experiment.arms[{seen[arms[i].Version]}]'s; each arm is another version.");
            }
            var share = arms[i].Share;
            if (!double.IsFinite(share) || share <= 0 || share > 1)
            {
                errors.Add($"{path}.share", $"{path}.share must be a number in (0, 1]; got {share.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
                sharesValid = false;
            }
            else
            {
                sum += share;
            }
        }
        if (sharesValid && Math.Abs(sum - 1) > ShareTolerance)
        {
            errors.Add("experiment.arms", $"The arms' shares sum to {sum.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}; they must sum to 1 (within {ShareTolerance}).");
        }
        return errors.IsEmpty ? null : errors.ToProblem();
    }
}
